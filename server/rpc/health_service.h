#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/impl/service_type.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"

namespace hearth::rpc {

// grpc.health.v1.Health (Check and Watch) over a status provider. Messages are encoded by hand
// (two one-field messages), like gRPC's own default health service, so no health.proto is needed.
//
// The provider answers "is the server serving?" for every service name in `services` ("" is the
// server as a whole); other names are NOT_FOUND (Check) or SERVICE_UNKNOWN (Watch). Whoever
// changes what the provider reads calls Refresh() so Watch streams see it.
//
// Thread-safety: all methods are thread-safe; the provider is called with no lock held by this
// class and must be cheap and non-blocking. Register with grpc::ServerBuilder::RegisterService; do
// not also enable gRPC's default health service.
class HealthService : public grpc::Service {
 public:
  // grpc.health.v1.HealthCheckResponse.ServingStatus.
  enum ServingStatus { kUnknown = 0, kServing = 1, kNotServing = 2, kServiceUnknown = 3 };
  using Provider = std::function<bool()>;

  HealthService(std::vector<std::string> services, Provider provider);
  ~HealthService() override;

  // Re-evaluates the provider and sends the new status on every Watch stream whose status changed.
  void Refresh();
  // Reports NOT_SERVING from now on, sends it to every Watch stream and then ends them with
  // UNAVAILABLE. New Watch calls get NOT_SERVING and end at once.
  void Shutdown();

  // The status Check returns for `service`.
  ServingStatus StatusFor(const std::string& service) const;

 private:
  class WatchReactor;

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* context,
                                  const grpc::ByteBuffer* request, grpc::ByteBuffer* response);
  grpc::ServerWriteReactor<grpc::ByteBuffer>* Watch(grpc::CallbackServerContext* context,
                                                    const grpc::ByteBuffer* request);

  const absl::flat_hash_set<std::string> services_;  // Constant after construction.
  const Provider provider_;                          // Constant after construction.

  mutable absl::Mutex mu_;
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_set<WatchReactor*> watchers_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hearth::rpc
