#pragma once

#include <functional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/collectable.h"
#include "prometheus/metric_family.h"
#include "server/core/build/validation_cache.h"
#include "server/core/store/config_store.h"
#include "server/rpc/grpc_server.h"
#include "server/watch/reload_coordinator.h"

namespace hearth {

// Exports, at scrape time, the counters and gauges other components already keep (store, render
// cache, validation cache, reload coordinator, file watcher, watch hub, /proc/self): read when
// Prometheus asks, so nothing is counted twice and nothing goes stale. Metric names come from
// metrics_catalog.h.
//
// Thread-safety: all methods are thread-safe. SetSources() waits for a running Collect(), so after
// SetSources({}) returns no source is touched again and the sources may be destroyed.
class MetricsSampler : public prometheus::Collectable {
 public:
  struct Sources {
    const ConfigStore* store = nullptr;                 // not owned; may be null
    const ReloadCoordinator* coordinator = nullptr;     // not owned; may be null
    const rpc::GrpcServer* grpc = nullptr;              // not owned; may be null
    const ValidationCache* validation_cache = nullptr;  // not owned; may be null
    std::function<bool()> ready;                        // may be empty (reported as 0)
    // A full scan done outside the coordinator (the daemon's initial load).
    absl::Time initial_full_scan = absl::InfinitePast();
  };

  void SetSources(Sources sources);
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  mutable absl::Mutex mu_;
  Sources sources_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hearth
