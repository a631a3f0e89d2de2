#pragma once

#include "grpcpp/support/server_interceptor.h"
#include "hearth/status_code_name.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"

namespace hearth::rpc {

// Counts every gRPC call by method and status code and times it by method, as a server
// interceptor (one per call). Method labels are bounded: methods outside hearth.v1, grpc.health.v1
// and grpc.reflection are reported as "other", so clients cannot inflate label cardinality.
//
// Ownership: the families are not owned and must outlive every call (keep the registry alive until
// the gRPC server is destroyed). Thread-safe (prometheus families are).
class MetricsInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // Creates the {method, code="OK"} series of every hearth.v1.ConfigService method at zero, so
  // the families exist (and rate() works) before the first call.
  MetricsInterceptorFactory(prometheus::Family<prometheus::Counter>* requests,
                            prometheus::Family<prometheus::Histogram>* durations);

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

  // Bucket upper bounds of the duration histogram, in seconds.
  static const prometheus::Histogram::BucketBoundaries& Buckets();

 private:
  prometheus::Family<prometheus::Counter>* const requests_;
  prometheus::Family<prometheus::Histogram>* const durations_;
};

using ::hearth::StatusCodeName;

}  // namespace hearth::rpc
