#include "server/app/metrics_catalog.h"

#include <cstdio>
#include <cstdlib>

namespace hearth {

const std::vector<MetricSpec>& AllMetrics() {
  using T = prometheus::MetricType;
  static const auto* const kAll = new std::vector<MetricSpec>{
      // go-grpc-prometheus names, not hearth_: stock gRPC dashboards and alerts query these.
      {"grpc_server_handled_total", T::Counter,
       "Finished gRPC calls by grpc_service, grpc_method, grpc_type and grpc_code."},
      {"grpc_server_handling_seconds", T::Histogram,
       "Duration of unary gRPC calls until the status is sent (streams are left out)."},
      {"grpc_server_msg_received_total", T::Counter, "gRPC messages received, by method."},
      {"grpc_server_msg_sent_total", T::Counter, "gRPC messages sent, by method."},
      {"grpc_server_started_total", T::Counter, "gRPC calls started, by method and grpc_type."},
      {"hearth_build_info", T::Gauge, "Always 1; the version label says which hearthd runs."},
      {"hearth_config_last_success_timestamp_seconds", T::Gauge,
       "Unix time of the last successful build of each config."},
      {"hearth_config_state", T::Gauge,
       "1 for each config, labelled with its state: ok, error (last rebuild failed; the "
       "last-known-good serves) or no_version (never built)."},
      {"hearth_configs", T::Gauge,
       "Configs by state: ok, error (last rebuild failed; last-known-good may serve), "
       "no_version (never built)."},
      {"hearth_event_to_publish_seconds", T::Histogram,
       "From the first file event of a burst to the new version being published."},
      {"hearth_inotify_overflows_total", T::Counter, "inotify queue overflows (events lost)."},
      {"hearth_inotify_watches", T::Gauge, "Directories watched with inotify."},
      {"hearth_last_event_timestamp_seconds", T::Gauge,
       "Unix time of the last file event (0: none yet)."},
      {"hearth_last_full_scan_timestamp_seconds", T::Gauge,
       "Unix time of the last full rescan of the roots (0: none yet)."},
      {"hearth_ready", T::Gauge,
       "1 when hearthd is ready: loaded, watcher alive (or polling), roots readable."},
      {"hearth_rebuild_duration_seconds", T::Histogram,
       "Duration of one config rebuild (read, parse, validate, publish) or full scan."},
      {"hearth_rebuilds_total", T::Counter,
       "Config rebuilds by result: published, unchanged, failed, removed."},
      {"hearth_reload_last_progress_timestamp_seconds", T::Gauge,
       "Unix time of the reload worker's last progress (a config built, a round finished)."},
      {"hearth_reload_stalled", T::Gauge,
       "1 while reload work has waited past --reload-stall-threshold with no progress."},
      {"hearth_render_cache_bytes", T::Gauge, "Bytes held by the sub-tree render cache."},
      {"hearth_render_cache_evictions_total", T::Counter, "Render cache evictions."},
      {"hearth_render_cache_hits_total", T::Counter, "Render cache hits."},
      {"hearth_render_cache_misses_total", T::Counter, "Render cache misses."},
      {"hearth_rescans_total", T::Counter,
       "Full rescans by reason: overflow, poll, signal, watch_failure."},
      {"hearth_rollout_client_configs", T::Gauge,
       "Configs reported by clients (ReportStatus), by state against the served etag: current, "
       "behind, rejected."},
      {"hearth_rollout_clients", T::Gauge, "Clients whose ReportStatus lease is live."},
      {"hearth_rollout_rejecting_clients", T::Gauge,
       "Clients rejecting the served version, by config (at most 50 configs; the rest as "
       "config=\"_other\")."},
      {"hearth_rollout_reports_total", T::Counter,
       "Per-config results reported by clients, by outcome: applied, rejected."},
      {"hearth_revision", T::Gauge, "Global store revision (increases on every change)."},
      {"hearth_validate_cache_bytes", T::Gauge,
       "Bytes held by the ValidateConfig result cache (--validate-cache-bytes)."},
      {"hearth_validate_cache_entries", T::Gauge, "Results held by the ValidateConfig cache."},
      {"hearth_validate_cache_evictions_total", T::Counter, "ValidateConfig cache evictions."},
      {"hearth_validate_cache_hits_total", T::Counter,
       "ValidateConfig dry runs answered from the cache (files and schema re-read, not parsed)."},
      {"hearth_validate_cache_misses_total", T::Counter,
       "ValidateConfig dry runs built (the cache had no result for their inputs)."},
      {"hearth_watch_messages_coalesced_total", T::Counter,
       "Watch messages superseded by a newer one before they were sent."},
      {"hearth_watch_messages_sent_total", T::Counter, "Messages sent on WatchConfigs streams."},
      {"hearth_watch_streams", T::Gauge, "Open WatchConfigs streams."},
      {"hearth_watch_withheld_total", T::Counter,
       "Watch events not sent because the stream's client reported rejecting that version."},
      {"hearth_watcher_degraded", T::Gauge,
       "1 while the file watcher is degraded or failed (hearthd polls)."},
      {"process_cpu_seconds_total", T::Counter, "User and system CPU time spent, in seconds."},
      {"process_open_fds", T::Gauge, "Open file descriptors."},
      {"process_resident_memory_bytes", T::Gauge, "Resident memory size in bytes."},
      {"process_start_time_seconds", T::Gauge, "Start time of the process since the Unix epoch."},
  };
  return *kAll;
}

const MetricSpec& Metric(std::string_view name) {
  for (const MetricSpec& spec : AllMetrics()) {
    if (spec.name == name) return spec;
  }
  std::fprintf(stderr, "hearthd: metric %.*s is not in the catalog\n",
               static_cast<int>(name.size()), name.data());
  std::abort();
}

}  // namespace hearth
