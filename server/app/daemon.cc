#include "server/app/daemon.h"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "server/app/listen_diagnosis.h"
#include "server/app/log_fields.h"
#include "server/app/metrics_exporter.h"
#include "server/core/build/config_builder.h"
#include "server/core/model/instance_id.h"
#include "server/watch/inotify_watcher.h"
#include "spdlog/spdlog.h"

namespace hearth {
namespace {

// Blocks the signals we handle in every thread (threads inherit the mask), so that only the
// main thread's sigtimedwait() sees them.
sigset_t BlockHandledSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

std::string HostOf(const std::string& address) { return address.substr(0, address.rfind(':')); }

// Logs each config's rebuild errors once, when they change (a store listener sees a kError change
// only when the recorded errors differ), and its recovery. Errors are "file:line:col: message";
// config values are never logged here.
class ErrorLog {
 public:
  explicit ErrorLog(const ConfigStore* store) : store_(store) {}

  void OnChange(const ConfigStore::Change& change) {
    absl::MutexLock lock(&mu_);
    if (change.kind == ConfigStore::ChangeKind::kError) {
      std::shared_ptr<const ConfigEntry> entry = store_->Get(change.name);
      if (entry == nullptr) return;
      failing_.insert(change.name);
      ScopedLogFields fields({{"config", change.name}});
      spdlog::warn("config {}: rebuild failed ({} error{}){}", change.name, entry->errors.size(),
                   entry->errors.size() == 1 ? "" : "s",
                   entry->version ? "; the last good version keeps serving" : "");
      for (const std::string& e : entry->errors) {
        // "dir/file.toml:3:7: ..." names the file first.
        ScopedLogFields file({{"file", e.substr(0, std::min(e.find(':'), e.find(' ')))}});
        spdlog::warn("config {}: {}", change.name, e);
      }
    } else if (failing_.erase(change.name) > 0) {
      ScopedLogFields fields({{"config", change.name}});
      spdlog::info("config {}: {}", change.name,
                   change.kind == ConfigStore::ChangeKind::kDeleted ? "removed" : "recovered");
    }
  }

 private:
  const ConfigStore* const store_;
  absl::Mutex mu_;
  std::set<std::string> failing_ ABSL_GUARDED_BY(mu_);
};

// Why hearthd is not ready, or "" when it is: every root must be a readable directory, and file
// changes must still be picked up (the watcher works, or the polling that replaces it has
// rescanned recently).
std::string NotReadyReason(const ConfigEngine& engine, const ReloadCoordinator& coordinator,
                           absl::Time initial_scan, absl::Duration degraded_poll_interval) {
  for (const std::string& root : engine.options().roots) {
    DIR* dir = opendir(root.c_str());
    if (dir == nullptr) {
      return absl::StrCat("root ", root, " is unreadable: ", std::strerror(errno));
    }
    closedir(dir);
  }
  ReloadCoordinator::Stats s = coordinator.stats();
  if (s.stalled) {
    return absl::StrCat("the reload pipeline is stalled: work has been waiting for ",
                        absl::FormatDuration(absl::Trunc(s.stalled_for, absl::Milliseconds(1))),
                        " with no progress (a read or a build is stuck)");
  }
  if (s.watching && !s.degraded) return "";
  absl::Duration max_age = std::max(3 * degraded_poll_interval, absl::Seconds(30));
  absl::Duration age = absl::Now() - std::max(s.last_full_scan, initial_scan);
  if (age > max_age) {
    return absl::StrCat("the file watcher is ", s.watching ? "degraded" : "not running",
                        " and the last full scan was ", absl::FormatDuration(age), " ago");
  }
  return "";
}

std::string Age(absl::Time t) {
  return t == absl::InfinitePast() ? "never" : absl::FormatDuration(absl::Now() - t) + " ago";
}

// One line per rebuild saying which config, which files, how long, and the result: at info for a
// published version (an operator wants every change that went live in the log), at debug for
// the rest; trace adds the files' sizes and the schema. The JSON format carries the same as
// fields (config, result, revision, files, duration_seconds). Names and sizes only, never values.
void LogRebuild(const ReloadCoordinator::RebuildSample& s, const ConfigEntry* entry) {
  const bool went_live = s.published && !s.failed && entry != nullptr;
  const spdlog::level::level_enum level = went_live ? spdlog::level::info : spdlog::level::debug;
  if (!spdlog::should_log(level)) return;
  const char* result = s.failed           ? "failed"
                       : entry == nullptr ? "removed"
                       : s.published      ? "published"
                                          : "unchanged";
  std::string files;
  const ConfigVersion* version = entry != nullptr ? entry->version.get() : nullptr;
  const bool trace = spdlog::should_log(spdlog::level::trace);
  if (version != nullptr) {
    for (const SourceFile& f : version->files) {
      absl::StrAppend(&files, files.empty() ? "" : ", ", f.name);
      if (trace) absl::StrAppend(&files, " (", f.size, " bytes)");
    }
    if (trace && !version->schema.empty()) absl::StrAppend(&files, "; schema ", version->schema);
  }
  std::vector<LogField> fields = {{"config", s.name}, {"result", result}};
  if (version != nullptr) {
    fields.push_back(LogField::Number("revision", static_cast<int64_t>(entry->version_revision)));
    fields.push_back(LogField::Number("files", static_cast<int64_t>(version->files.size())));
  }
  fields.push_back(LogField::Number("duration_seconds", absl::ToDoubleSeconds(s.duration)));
  ScopedLogFields scoped(std::move(fields));
  spdlog::log(level,
              "rebuild {}: {}{} in {:.3f} ms ({} after the first event); {} error{}; files{}: {}",
              s.name, result, s.failed ? " (last-known-good kept)" : "",
              absl::ToDoubleMilliseconds(s.duration), absl::FormatDuration(s.latency),
              entry != nullptr ? entry->errors.size() : 0,
              entry != nullptr && entry->errors.size() == 1 ? "" : "s",
              s.failed ? " of the last-known-good" : "", files.empty() ? "none" : files);
}

}  // namespace

int RunDaemon(DaemonOptions options) {
  sigset_t signals = BlockHandledSignals();
  // Writing to a client that went away must not kill the daemon.
  signal(SIGPIPE, SIG_IGN);

  absl::StatusOr<std::unique_ptr<MetricsExporter>> metrics =
      MetricsExporter::Start(options.metrics_listen);
  if (!metrics.ok()) {
    const std::string why = DiagnoseListenAddress(options.metrics_listen);
    if (!why.empty()) {
      spdlog::error("cannot serve metrics on {}: {}", options.metrics_listen, why);
    } else {
      spdlog::error("{}", metrics.status().ToString());
    }
    return 1;
  }
  MetricsExporter* exporter = metrics->get();
  if (!options.metrics_listen.empty()) {
    spdlog::info("serving metrics on {}:{}", HostOf(options.metrics_listen), exporter->port());
  }

  ConfigEngine engine(options.engine);
  ErrorLog error_log(&engine.store());
  int64_t listener = engine.store().AddListener(
      [&error_log](const ConfigStore::Change& change) { error_log.OnChange(change); });

  ConfigStore* store = &engine.store();
  options.reload.on_rebuild = [exporter, store](const ReloadCoordinator::RebuildSample& s) {
    std::shared_ptr<const ConfigEntry> entry = store->Get(s.name);
    exporter->OnRebuild(s, s.published && !s.failed && entry == nullptr);
    LogRebuild(s, entry.get());
  };
  InotifyWatcher::Options watcher_options;
  watcher_options.is_config_file = &ConfigBuilder::IsConfigFile;  // what settles a directory
  auto coordinator = std::make_unique<ReloadCoordinator>(
      engine.options().roots, &engine, std::make_unique<InotifyWatcher>(std::move(watcher_options)),
      options.reload);
  if (absl::Status s = coordinator->Start(); !s.ok()) {
    spdlog::error("cannot start the reload coordinator: {}", s.ToString());
    return 1;
  }
  // Readiness, re-evaluated by the main loop every health_interval (never in a health call: a
  // root on a hung NFS mount must not block gRPC threads).
  auto ready = std::make_shared<std::atomic<bool>>(false);
  options.grpc.healthy = [ready] { return ready->load(); };
  options.grpc.version = HEARTH_VERSION;
  options.grpc.metrics = exporter->grpc_metrics();
  // One instance id for both APIs' resume points (gRPC since_revision, SSE Last-Event-ID).
  if (options.grpc.instance_id.empty()) options.grpc.instance_id = NewInstanceId();
  options.http.instance_id = options.grpc.instance_id;
  absl::StatusOr<std::unique_ptr<rpc::GrpcServer>> server =
      rpc::GrpcServer::Start(options.grpc, &engine.store(), &engine);
  if (!server.ok()) {
    bool explained = false;
    std::vector<std::string> addresses = options.grpc.listen;
    addresses.insert(addresses.end(), options.grpc.health_listen.begin(),
                     options.grpc.health_listen.end());
    for (const std::string& address : addresses) {
      const std::string why = DiagnoseListenAddress(address);
      if (why.empty()) continue;
      spdlog::error("cannot start the gRPC server: cannot listen on {}: {}", address, why);
      explained = true;
    }
    if (!explained) spdlog::error("cannot start the gRPC server: {}", server.status().ToString());
    return 1;
  }
  for (size_t i = 0; i < options.grpc.health_listen.size(); ++i) {
    spdlog::info("serving health checks (plaintext, grpc.health.v1 only) on {}:{}",
                 HostOf(options.grpc.health_listen[i]), (*server)->health_ports()[i]);
  }
  const std::vector<int>& ports = (*server)->ports();
  for (size_t i = 0; i < options.grpc.listen.size(); ++i) {
    const std::string& addr = options.grpc.listen[i];
    if (addr.rfind("unix:", 0) == 0) {
      spdlog::info("serving gRPC on {}", addr);
    } else {
      spdlog::info("serving gRPC on {}:{}", HostOf(addr), i < ports.size() ? ports[i] : 0);
    }
  }
  // The HTTP API: the same store and readiness, its own threads (server/http).
  auto not_ready_reason = std::make_shared<std::pair<absl::Mutex, std::string>>();
  not_ready_reason->second = "starting";
  std::unique_ptr<http::HttpServer> http_server;
  if (!options.http.listen.empty()) {
    // The HTTP API speaks TLS exactly when gRPC does, with the same files.
    options.http.tls_cert = options.grpc.tls_cert;
    options.http.tls_key = options.grpc.tls_key;
    options.http.tls_client_ca = options.grpc.tls_client_ca;
    options.http.routes.not_ready_reason = [not_ready_reason] {
      absl::MutexLock lock(&not_ready_reason->first);
      return not_ready_reason->second;
    };
    absl::StatusOr<std::unique_ptr<http::HttpServer>> started =
        http::HttpServer::Start(options.http, &engine.store(), &engine);
    if (!started.ok()) {
      spdlog::error("cannot start the HTTP server: {}", started.status().ToString());
      return 1;
    }
    http_server = *std::move(started);
    const char* scheme = options.http.tls_cert.empty() ? "HTTP" : "HTTPS";
    for (size_t i = 0; i < options.http.listen.size(); ++i) {
      spdlog::info("serving {} on {}:{}", scheme, HostOf(options.http.listen[i]),
                   http_server->ports()[i]);
    }
    for (size_t i = 0; i < options.http.health_listen.size(); ++i) {
      spdlog::info("serving HTTP health checks (plaintext, /healthz and /readyz only) on {}:{}",
                   HostOf(options.http.health_listen[i]), http_server->health_ports()[i]);
    }
  }
  absl::Time start = absl::Now();
  // The initial load runs beside the signal wait, so that SIGTERM during a long build cancels it
  // instead of waiting for it (SIGHUP here is dropped: this load is a full scan anyway).
  ConfigEngine::Report report;
  bool stop_now = false;
  {
    std::atomic<bool> loading{true};
    std::thread load([&] {
      report = engine.ScanAll();
      loading.store(false);
    });
    const timespec poll = absl::ToTimespec(absl::Milliseconds(20));
    while (loading.load()) {
      const int sig = sigtimedwait(&signals, nullptr, &poll);
      if ((sig == SIGTERM || sig == SIGINT) && !stop_now) {
        spdlog::info("{} during the initial load: cancelling it and shutting down",
                     sig == SIGTERM ? "SIGTERM" : "SIGINT");
        stop_now = true;
        engine.CancelBuilds();
      }
    }
    load.join();
  }
  const absl::Time scanned = absl::Now();
  absl::Duration took = scanned - start;
  MetricsSampler::Sources sources;
  sources.store = store;
  sources.coordinator = coordinator.get();
  sources.grpc = server->get();
  sources.validation_cache = &engine.validation_cache();
  sources.ready = [ready] { return ready->load(); };
  sources.initial_full_scan = scanned;
  exporter->sampler().SetSources(std::move(sources));
  exporter->OnScan(report, took);
  for (const std::string& e : report.root_errors) spdlog::error("root: {}", e);
  for (const std::string& e : report.skipped_dirs) spdlog::error("config directory skipped: {}", e);
  spdlog::info("loaded {} configs ({} ok, {} with errors) in {}", report.configs,
               report.configs - report.failed, report.failed, absl::FormatDuration(took));

  std::string not_ready = "starting";
  auto check_readiness = [&] {
    std::string reason =
        NotReadyReason(engine, *coordinator, scanned, options.reload.degraded_poll_interval);
    if (reason == not_ready) return;
    ReloadCoordinator::Stats s = coordinator->stats();
    if (reason.empty()) {
      spdlog::info("ready (last file event {}, last full scan {})", Age(s.last_event),
                   Age(std::max(s.last_full_scan, scanned)));
    } else {
      spdlog::error("not ready: {} (last file event {}, last full scan {})", reason,
                    Age(s.last_event), Age(std::max(s.last_full_scan, scanned)));
    }
    not_ready = reason;
    ready->store(reason.empty());
    {
      absl::MutexLock lock(&not_ready_reason->first);
      not_ready_reason->second = reason;
    }
    (*server)->RefreshHealth();
  };
  if (!stop_now) {
    check_readiness();
    (*server)->SetServing(true);
  }

  const timespec tick = absl::ToTimespec(options.health_interval);
  while (!stop_now) {
    int sig = sigtimedwait(&signals, nullptr, &tick);
    if (sig < 0) {  // timeout (EAGAIN) or EINTR
      check_readiness();
      continue;
    }
    if (sig == SIGHUP) {
      spdlog::info("SIGHUP: full rescan");
      coordinator->RequestRescan();
      continue;
    }
    spdlog::info("{}: shutting down (grace {})", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                 absl::FormatDuration(options.shutdown_grace));
    break;
  }
  // Scrapes stop reading the components before they go away; the exporter itself outlives the
  // gRPC server, whose interceptors write into it.
  exporter->sampler().SetSources({});
  // Builds in flight (a dry run, a rebuild) share the grace with the calls; when it ends they are
  // cancelled at their next budget check, so none holds the exit past it.
  absl::Notification calls_done;
  std::thread canceller([&] {
    calls_done.WaitForNotificationWithTimeout(options.shutdown_grace);
    engine.CancelBuilds();
  });
  if (http_server != nullptr) http_server->Shutdown();  // open requests end with the connection
  (*server)->Shutdown(options.shutdown_grace);
  calls_done.Notify();
  canceller.join();
  coordinator->Stop();
  server->reset();
  coordinator.reset();
  engine.store().RemoveListener(listener);
  metrics->reset();
  spdlog::info("stopped");
  return 0;
}

}  // namespace hearth
