#include "server/app/metrics_sampler.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "server/app/metrics_catalog.h"
#include "server/core/model/absl_compat.h"
#include "server/core/store/rollout_tracker.h"

namespace hearth {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily Family(std::string_view name) {
  const MetricSpec& spec = Metric(name);
  MetricFamily family;
  family.name = std::string(spec.name);
  family.help = std::string(spec.help);
  family.type = spec.type;
  return family;
}

// One sample; `labels` as name/value pairs.
void AddSample(MetricFamily* family, double value, std::vector<ClientMetric::Label> labels = {}) {
  ClientMetric m;
  m.label = std::move(labels);
  if (family->type == MetricType::Counter) {
    m.counter.value = value;
  } else {
    m.gauge.value = value;
  }
  family->metric.push_back(std::move(m));
}

MetricFamily Single(std::string_view name, double value) {
  MetricFamily family = Family(name);
  AddSample(&family, value);
  return family;
}

double UnixSeconds(absl::Time t) {
  return t == absl::InfinitePast() ? 0 : absl::ToDoubleSeconds(t - absl::UnixEpoch());
}

// The "btime" line of /proc/stat: when the machine booted, in Unix seconds (0 if unknown).
double BootTimeSeconds() {
  double boot = 0;
  if (FILE* f = std::fopen("/proc/stat", "r")) {
    char line[256];
    while (std::fgets(line, sizeof(line), f) != nullptr) {
      unsigned long long btime = 0;
      if (std::sscanf(line, "btime %llu", &btime) == 1) {
        boot = static_cast<double>(btime);
        break;
      }
    }
    std::fclose(f);
  }
  return boot;
}

// The fleet view (ReportStatus). Label sets stay bounded: states, outcomes, and config names for
// at most kMaxRejectedConfigs configs with rejecting clients (the rest under config="_other").
void AddRolloutMetrics(const rpc::GrpcServer& grpc, std::vector<MetricFamily>* out) {
  constexpr size_t kMaxRejectedConfigs = 50;
  absl::flat_hash_map<std::string, std::string> served;  // key -> etag, once per scrape
  const ConfigRenderer& renderer = grpc.renderer();
  const RolloutTracker::Totals totals =
      grpc.rollout().TotalsAgainst([&](std::string_view name, std::string_view profile) {
        std::string key = absl::StrCat(Sv(name), absl::string_view("\0", 1), Sv(profile));
        auto it = served.find(key);
        if (it == served.end()) {
          absl::StatusOr<ConfigRenderer::Result> result = renderer.Render(name, profile, "");
          it = served.emplace(std::move(key), result.ok() ? result->doc->etag : "").first;
        }
        return it->second;
      });
  out->push_back(Single("hearth_rollout_clients", totals.clients));
  MetricFamily configs = Family("hearth_rollout_client_configs");
  AddSample(&configs, totals.current, {{"state", "current"}});
  AddSample(&configs, totals.behind, {{"state", "behind"}});
  AddSample(&configs, totals.rejected, {{"state", "rejected"}});
  out->push_back(std::move(configs));
  MetricFamily reports = Family("hearth_rollout_reports_total");
  AddSample(&reports, totals.applied_reports, {{"outcome", "applied"}});
  AddSample(&reports, totals.rejected_reports, {{"outcome", "rejected"}});
  out->push_back(std::move(reports));
  std::vector<std::pair<std::string, size_t>> rejected(totals.rejected_by_config.begin(),
                                                       totals.rejected_by_config.end());
  std::sort(rejected.begin(), rejected.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  MetricFamily by_config = Family("hearth_rollout_rejecting_clients");
  size_t other = 0;
  for (size_t i = 0; i < rejected.size(); ++i) {
    if (i < kMaxRejectedConfigs) {
      AddSample(&by_config, rejected[i].second, {{"config", rejected[i].first}});
    } else {
      other += rejected[i].second;
    }
  }
  if (other > 0) AddSample(&by_config, other, {{"config", "_other"}});
  out->push_back(std::move(by_config));
}

void AddProcessMetrics(std::vector<MetricFamily>* out) {
  // /proc/self/stat: fields 14/15 are utime/stime in clock ticks, 24 is rss in pages. The comm
  // field (2) may hold spaces, so parse from its closing parenthesis.
  if (FILE* f = std::fopen("/proc/self/stat", "r")) {
    char buf[1024];
    size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
    std::fclose(f);
    buf[n] = '\0';
    std::string stat(buf);
    size_t close = stat.rfind(')');
    if (close != std::string::npos) {
      unsigned long utime = 0, stime = 0;
      unsigned long long starttime = 0;
      long rss = 0;
      // After ")": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
      // utime(14) stime(15) cutime cstime priority nice threads itrealvalue starttime(22) vsize
      // rss(24)
      if (std::sscanf(stat.c_str() + close + 1,
                      " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d %*d "
                      "%*d %llu %*u %ld",
                      &utime, &stime, &starttime, &rss) == 4) {
        double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
        out->push_back(Single("process_cpu_seconds_total", (utime + stime) / ticks));
        out->push_back(Single("process_resident_memory_bytes",
                              static_cast<double>(rss) * sysconf(_SC_PAGESIZE)));
        if (const double boot = BootTimeSeconds(); boot > 0) {
          out->push_back(Single("process_start_time_seconds", boot + starttime / ticks));
        }
      }
    }
  }
  if (DIR* dir = opendir("/proc/self/fd")) {
    int fds = 0;
    while (dirent* e = readdir(dir)) {
      if (e->d_name[0] != '.') ++fds;
    }
    closedir(dir);
    out->push_back(Single("process_open_fds", fds - 1));  // minus the one opendir holds
  }
}

}  // namespace

void MetricsSampler::SetSources(Sources sources) {
  absl::MutexLock lock(&mu_);
  sources_ = std::move(sources);
}

std::vector<MetricFamily> MetricsSampler::Collect() const {
  absl::MutexLock lock(&mu_);
  std::vector<MetricFamily> out;
  MetricFamily build_info = Family("hearth_build_info");
  AddSample(&build_info, 1, {{"version", HEARTH_VERSION}});
  out.push_back(std::move(build_info));
  out.push_back(Single("hearth_ready", sources_.ready && sources_.ready() ? 1 : 0));
  if (const ConfigStore* store = sources_.store) {
    MetricFamily last_success = Family("hearth_config_last_success_timestamp_seconds");
    for (const auto& entry : store->List()) {
      if (entry->version == nullptr) continue;
      AddSample(&last_success, UnixSeconds(entry->last_success), {{"config", entry->name}});
    }
    out.push_back(std::move(last_success));
    // One series per config (bounded by the number of configs), so an alert can name it.
    MetricFamily state = Family("hearth_config_state");
    for (const auto& entry : store->List()) {
      const char* s = entry->version == nullptr ? "no_version" : entry->ok() ? "ok" : "error";
      AddSample(&state, 1, {{"config", entry->name}, {"state", s}});
    }
    out.push_back(std::move(state));
    ConfigStore::Counts counts = store->counts();
    MetricFamily configs = Family("hearth_configs");
    AddSample(&configs, counts.ok, {{"state", "ok"}});
    AddSample(&configs, counts.error, {{"state", "error"}});
    AddSample(&configs, counts.no_version, {{"state", "no_version"}});
    out.push_back(std::move(configs));
    out.push_back(Single("hearth_revision", store->revision()));
  }
  if (const ReloadCoordinator* coordinator = sources_.coordinator) {
    ReloadCoordinator::Stats s = coordinator->stats();
    Watcher::Stats w = coordinator->watcher_stats();
    out.push_back(Single("hearth_inotify_overflows_total", w.overflows));
    out.push_back(Single("hearth_inotify_watches", w.watches));
    out.push_back(Single("hearth_last_event_timestamp_seconds", UnixSeconds(s.last_event)));
    out.push_back(Single("hearth_last_full_scan_timestamp_seconds",
                         UnixSeconds(std::max(s.last_full_scan, sources_.initial_full_scan))));
    MetricFamily rescans = Family("hearth_rescans_total");
    AddSample(&rescans, s.rescans_overflow, {{"reason", "overflow"}});
    AddSample(&rescans, s.rescans_poll, {{"reason", "poll"}});
    AddSample(&rescans, s.rescans_signal, {{"reason", "signal"}});
    AddSample(&rescans, s.rescans_watch_failure, {{"reason", "watch_failure"}});
    out.push_back(std::move(rescans));
    out.push_back(Single("hearth_watcher_degraded", s.degraded || !s.watching ? 1 : 0));
    out.push_back(
        Single("hearth_reload_last_progress_timestamp_seconds", UnixSeconds(s.last_progress)));
    out.push_back(Single("hearth_reload_stalled", s.stalled ? 1 : 0));
  }
  if (const rpc::GrpcServer* grpc = sources_.grpc) {
    RenderCache::Stats cache = grpc->render_cache_stats();
    out.push_back(Single("hearth_render_cache_bytes", cache.bytes));
    out.push_back(Single("hearth_render_cache_evictions_total", cache.evictions));
    out.push_back(Single("hearth_render_cache_hits_total", cache.hits));
    out.push_back(Single("hearth_render_cache_misses_total", cache.misses));
    rpc::WatchHub::Stats w = grpc->watch_stats();
    out.push_back(Single("hearth_watch_messages_coalesced_total", w.coalesced_total));
    out.push_back(Single("hearth_watch_messages_sent_total", w.messages_sent_total));
    out.push_back(Single("hearth_watch_streams", w.active_streams));
    out.push_back(Single("hearth_watch_withheld_total", w.withheld_total));
    AddRolloutMetrics(*grpc, &out);
  }
  if (const ValidationCache* cache = sources_.validation_cache) {
    ValidationCache::Stats s = cache->stats();
    out.push_back(Single("hearth_validate_cache_bytes", s.bytes));
    out.push_back(Single("hearth_validate_cache_entries", s.entries));
    out.push_back(Single("hearth_validate_cache_evictions_total", s.evictions));
    out.push_back(Single("hearth_validate_cache_hits_total", s.hits));
    out.push_back(Single("hearth_validate_cache_misses_total", s.misses));
  }
  AddProcessMetrics(&out);
  return out;
}

}  // namespace hearth
