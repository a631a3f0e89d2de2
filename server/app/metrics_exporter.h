#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "server/app/metrics_sampler.h"
#include "server/core/config_engine.h"
#include "server/rpc/call_metrics.h"
#include "server/rpc/grpc_server.h"
#include "server/watch/reload_coordinator.h"

class CivetServer;

namespace hearth {

// Limits of the /metrics HTTP server (civetweb, one thread per connection).
struct MetricsHttpOptions {
  // Connections served at once. Idle connections each hold a thread until request_timeout, so
  // this many minus one idle clients cannot delay a scrape, and more can delay it by at most
  // request_timeout. A scraper or two, a few curls and a port scanner fit well within 16.
  int threads = 16;
  // A connection that sends no complete request within this is closed (civetweb's default is
  // 30 s, which let two idle connections block every scrape for 30 s).
  absl::Duration request_timeout = absl::Seconds(1);
};

// hearthd's Prometheus endpoint: GET and HEAD /metrics on `listen`. Event-driven metrics (gRPC
// calls, rebuilds, latencies) live in a registry fed through the hooks below; everything other
// components already count is read at scrape time by sampler(). Names: metrics_catalog.h.
//
// Thread-safety: all methods are thread-safe. Ownership: keep the exporter alive until the gRPC
// server given grpc_metrics() is destroyed (its calls write into our families); call
// sampler().SetSources({}) before destroying the sources.
class MetricsExporter {
 public:
  // Serves on `listen` (HOST:PORT, port 0 picks one); "" serves nothing (the hooks still work).
  // UNAVAILABLE when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<MetricsExporter>> Start(
      const std::string& listen, const MetricsHttpOptions& http = {});
  ~MetricsExporter();
  MetricsExporter(const MetricsExporter&) = delete;
  MetricsExporter& operator=(const MetricsExporter&) = delete;

  // The bound port (0 without an endpoint).
  int port() const { return port_; }
  MetricsSampler& sampler() { return *sampler_; }

  // For rpc::GrpcServer::Options::metrics.
  const rpc::GrpcCallMetrics* grpc_metrics() const { return grpc_metrics_.get(); }
  // ReloadCoordinator::Options::on_rebuild: `removed` when the rebuild published a removal.
  void OnRebuild(const ReloadCoordinator::RebuildSample& sample, bool removed);
  // A full scan done outside the coordinator (the initial load).
  void OnScan(const ConfigEngine::Report& report, absl::Duration took);

 private:
  class Handler;
  MetricsExporter();

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<MetricsSampler> sampler_;
  std::unique_ptr<rpc::GrpcCallMetrics> grpc_metrics_;
  prometheus::Family<prometheus::Counter>* rebuilds_;
  prometheus::Histogram* rebuild_duration_;
  prometheus::Histogram* event_to_publish_;
  // Declared last: destroyed first, so no scrape runs while the families go away.
  std::unique_ptr<Handler> handler_;
  std::unique_ptr<CivetServer> server_;
  int port_ = 0;
};

}  // namespace hearth
