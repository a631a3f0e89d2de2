#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "grpcpp/support/server_interceptor.h"
#include "server/core/dry_runner.h"
#include "server/core/store/config_renderer.h"
#include "server/core/store/config_store.h"
#include "server/core/store/rollout_tracker.h"
#include "server/rpc/call_metrics.h"
#include "server/rpc/config_service.h"
#include "server/rpc/health_service.h"
#include "server/rpc/reflection_v1_service.h"
#include "server/rpc/unix_socket_claim.h"
#include "server/rpc/watch_hub.h"
#include "server/rpc/worker_pool.h"

namespace hearth::rpc {

// The gRPC front of hearthd: hearth.v1.ConfigService, grpc.health.v1.Health and server reflection
// on every listen address, over one ConfigStore (read through the server's own ConfigRenderer) and
// one DryRunner (ValidateConfig).
//
// Threads: reactions run on gRPC's own callback threads (gRPC sizes that pool; no knob bounds it
// in this gRPC version). `workers` bounds the threads *we* add: the pool that runs ValidateConfig
// dry runs, and gRPC's thread quota (ResourceQuota::SetMaxThreads), which caps the synchronous
// reflection service's threads. Watch streams are rendered by one sender thread (watch_threads).
//
// Thread-safety: all methods are thread-safe. The store and the dry runner must outlive the
// server.
class GrpcServer {
 public:
  using InterceptorFactories =
      std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>;

  struct Options {
    // "127.0.0.1:7070", "[::1]:0", "unix:///run/hearth.sock". Port 0 picks a free port.
    std::vector<std::string> listen = {"127.0.0.1:7070"};
    // PEM files. With cert and key, TCP listeners use TLS; with client_ca too, clients must
    // present a certificate signed by it (mutual TLS). Unix sockets are always plaintext (local;
    // guarded by file permissions).
    std::string tls_cert;
    std::string tls_key;
    std::string tls_client_ca;
    // Permission bits of unix sockets (0660: owner and group may connect); 0 leaves them as the
    // umask makes them.
    uint32_t unix_socket_mode = 0;
    // Plaintext TCP addresses that serve grpc.health.v1 and nothing else, for probes that cannot
    // do TLS (the kubelet's gRPC probes) while `listen` uses TLS. Same status as the main port.
    std::vector<std::string> health_listen;
    int workers = 4;
    int watch_threads = 1;
    size_t max_message_bytes = 16u << 20;   // requests and responses
    size_t max_watch_streams = 10000;       // all connections together
    int max_streams_per_connection = 1000;  // HTTP/2 concurrent streams per connection
    size_t max_dirty_per_stream = 4096;     // see WatchHub::Options
    size_t render_cache_bytes = 64u << 20;  // sub-tree renderings kept (ConfigRenderer)
    // ValidateConfig dry runs waiting for one of the `workers` threads; beyond it calls get
    // RESOURCE_EXHAUSTED. At most `workers` run at once, each within its build budget, so dry
    // runs hold at most workers x BuildLimits::max_bytes.
    size_t max_queued_validations = 16;
    // What clients report they applied (ReportStatus, GetRolloutStatus): lease and bounds.
    RolloutTracker::Options rollout;
    absl::Duration progress_interval = absl::Seconds(10);
    std::string instance_id;  // "" generates a random one
    std::string version;      // reported by GetServerInfo
    // Extra readiness condition for health (e.g. "the file watcher is healthy"); may be empty.
    std::function<bool()> healthy;
    // Where gRPC call metrics go (grpc_server_*); null records none. Not owned: it must outlive
    // the server. Recorded by an interceptor, except by the raw methods' own handlers
    // (ConfigService::RawMethods()).
    const GrpcCallMetrics* metrics = nullptr;
  };

  // Listens on every address and starts serving (health NOT_SERVING until SetServing(true)).
  // INVALID_ARGUMENT for bad options (unreadable TLS files ...), UNAVAILABLE when an address
  // cannot be bound, FAILED_PRECONDITION when a unix socket path is in use by a live process or
  // is not a socket (a stale socket is replaced; see UnixSocketClaim).
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Start(Options options, ConfigStore* store,
                                                           const DryRunner* dry_runner);

  // Shutdown(absl::Seconds(5)) unless already shut down.
  ~GrpcServer();
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  // The bound port of the first TCP listen address (the chosen one for ":0"); 0 if none.
  int port() const;
  // Bound ports in listen order (unix sockets report 0).
  const std::vector<int>& ports() const { return ports_; }
  // Bound ports of Options::health_listen, in order.
  const std::vector<int>& health_ports() const { return health_ports_; }
  const std::string& instance_id() const { return options_.instance_id; }

  // Health: SERVING once set (after the first full load) and while `healthy` holds.
  void SetServing(bool serving);
  // Re-evaluates health for Watch streams (call when what `healthy` reads changes).
  void RefreshHealth();

  // Health goes NOT_SERVING; watch streams end with UNAVAILABLE "server shutting down"; in-flight
  // unary calls finish; calls still running at `deadline` are cancelled. Idempotent.
  void Shutdown(absl::Duration deadline);

  WatchHub::Stats watch_stats() const { return hub_->stats(); }
  RenderCache::Stats render_cache_stats() const { return renderer_->cache_stats(); }
  const RolloutTracker& rollout() const { return *rollout_; }
  const ConfigRenderer& renderer() const { return *renderer_; }

 private:
  explicit GrpcServer(Options options);
  bool IsServing() const;

  Options options_;  // Constant after Start().
  // Destroyed in reverse order: the gRPC server first (no more calls), then the services it
  // called into, then the hub and the worker pool.
  std::unique_ptr<ConfigRenderer> renderer_;
  std::unique_ptr<RolloutTracker> rollout_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<WatchHub> hub_;
  std::unique_ptr<ConfigService> config_service_;
  std::unique_ptr<HealthService> health_service_;
  std::unique_ptr<ReflectionV1Service> reflection_v1_service_;
  std::unique_ptr<grpc::Server> server_;
  std::vector<int> ports_;
  // The plaintext health-only server (Options::health_listen), with its own HealthService
  // instance (a service belongs to one server) answering from the same provider.
  std::unique_ptr<HealthService> probe_health_service_;
  std::unique_ptr<grpc::Server> probe_server_;
  std::vector<int> health_ports_;
  // One per unix listen address; released (our socket removed) after server_ stopped.
  std::vector<UnixSocketClaim> unix_claims_;

  std::atomic<bool> serving_{false};
  std::atomic<bool> shutting_down_{false};
  absl::Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
};

}  // namespace hearth::rpc
