#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace hearth::rpc {

class HealthWatchReactor;

// grpc.health.v1.Health (Check and Watch) over a status provider, served through the stubs
// generated from proto/grpc/health/v1/health.proto.
//
// The provider answers "is the server serving?" for every service name in `services` ("" is the
// server as a whole); other names are NOT_FOUND (Check) or SERVICE_UNKNOWN (Watch). Whoever
// changes what the provider reads calls Refresh() so Watch streams see it.
//
// Thread-safety: all methods are thread-safe. The provider must be cheap and non-blocking; it is
// called with at most refresh_mu_ held (never a lock a gRPC reaction takes). Register with
// grpc::ServerBuilder::RegisterService; do not also enable gRPC's default health service.
class HealthService : public grpc::health::v1::Health::CallbackService {
 public:
  using ServingStatus = grpc::health::v1::HealthCheckResponse::ServingStatus;
  using Provider = std::function<bool()>;

  HealthService(std::vector<std::string> services, Provider provider);
  ~HealthService() override;

  // Re-evaluates the provider and sends the new status on every Watch stream whose status changed.
  void Refresh();
  // Reports NOT_SERVING from now on, sends it to every Watch stream and then ends them with
  // UNAVAILABLE. New Watch calls get NOT_SERVING and end at once.
  void Shutdown();

  // The status Check returns for `service` (SERVICE_UNKNOWN: Check says NOT_FOUND).
  ServingStatus StatusFor(const std::string& service) const;

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* context,
                                  const grpc::health::v1::HealthCheckRequest* request,
                                  grpc::health::v1::HealthCheckResponse* response) override;
  grpc::ServerWriteReactor<grpc::health::v1::HealthCheckResponse>* Watch(
      grpc::CallbackServerContext* context,
      const grpc::health::v1::HealthCheckRequest* request) override;

 private:
  friend class HealthWatchReactor;
  void Unregister(HealthWatchReactor* stream);

  const absl::flat_hash_set<std::string> services_;  // Constant after construction.
  const Provider provider_;                          // Constant after construction.

  // Serialises evaluating the provider with delivering its answer (Refresh, Shutdown, a new
  // Watch's first status), so that an older answer never overwrites a newer one.
  absl::Mutex refresh_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  mutable absl::Mutex mu_;
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<HealthWatchReactor*, std::shared_ptr<HealthWatchReactor>> watchers_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace hearth::rpc
