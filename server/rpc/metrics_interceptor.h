#pragma once

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "grpcpp/support/server_interceptor.h"
#include "hearth/status_code_name.h"
#include "server/rpc/call_metrics.h"

namespace hearth::rpc {

// Counts every gRPC call when it starts and when it ends (by status code), its messages each way,
// and times unary calls (streams live as long as their client wants: they would only skew the
// latency histogram), into GrpcCallMetrics. A server interceptor, one per call: the one
// allocation per call is the interceptor object, which gRPC's factory interface requires (gRPC
// deletes it when the call ends).
//
// Methods listed as self-recorded get no interceptor (CreateServerInterceptor returns null, which
// gRPC allows: ServerRpcInfo::RegisterInterceptors skips null). Their handlers record the same
// series through GrpcCallMetrics::RecordUnary; a call with no interceptor at all also skips
// gRPC's per-batch interception hooks.
//
// Ownership: `metrics` is not owned and must outlive every call. Thread-safe.
class MetricsInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `self_recorded`: full method names ("/hearth.v1.ConfigService/GetConfig") whose handlers
  // record their own calls.
  MetricsInterceptorFactory(const GrpcCallMetrics* metrics,
                            const std::vector<std::string>& self_recorded);

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  const GrpcCallMetrics* const metrics_;
  const absl::flat_hash_set<std::string> self_recorded_;  // Constant after construction.
};

using ::hearth::StatusCodeName;

}  // namespace hearth::rpc
