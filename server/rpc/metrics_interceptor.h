#pragma once

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/node_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/server_interceptor.h"
#include "hearth/status_code_name.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"

namespace hearth::rpc {

// The families the interceptor fills, named and labelled as go-grpc-prometheus does so stock gRPC
// dashboards work: every series has grpc_service, grpc_method and grpc_type (unary,
// client_stream, server_stream, bidi_stream); handled also has grpc_code (the code's name, "OK").
struct GrpcMetricFamilies {
  prometheus::Family<prometheus::Counter>* started;       // grpc_server_started_total
  prometheus::Family<prometheus::Counter>* handled;       // grpc_server_handled_total
  prometheus::Family<prometheus::Histogram>* handling;    // grpc_server_handling_seconds (unary)
  prometheus::Family<prometheus::Counter>* msg_received;  // grpc_server_msg_received_total
  prometheus::Family<prometheus::Counter>* msg_sent;      // grpc_server_msg_sent_total
};

// Counts every gRPC call when it starts and when it ends (by status code), its messages each way,
// and times unary calls (streams live as long as their client wants: they would only skew the
// latency histogram). A server interceptor, one per call.
//
// Label cardinality is bounded: a method is labelled by name only when the generated descriptor
// pool knows it as a method of a service hearthd registers (hearth.v1, grpc.health.v1,
// grpc.reflection); any other method is grpc_service="unknown", grpc_method="unknown".
//
// Ownership: the families are not owned and must outlive every call (keep the registry alive until
// the gRPC server is destroyed). Thread-safe.
class MetricsInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // The series of one method (or of every unknown method).
  struct MethodSeries {
    std::string service;
    std::string method;
    std::string type;
    prometheus::Counter* started;
    prometheus::Counter* handled_ok;
    prometheus::Counter* msg_received;
    prometheus::Counter* msg_sent;
    prometheus::Histogram* handling;  // null unless unary
  };

  // Creates the started, handled{grpc_code="OK"} and message series of every
  // hearth.v1.ConfigService method at zero, so rate() works before the first call.
  explicit MetricsInterceptorFactory(GrpcMetricFamilies families);

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

  // The series for a full method name ("/hearth.v1.ConfigService/GetConfig"), created on first
  // use; the "unknown" series for anything that is not a registered method.
  const MethodSeries& SeriesFor(absl::string_view full_method);

  // grpc_server_handled_total for `series` and `code`.
  prometheus::Counter& Handled(const MethodSeries& series, grpc::StatusCode code);

  // Bucket upper bounds of the unary handling histogram, in seconds.
  static const prometheus::Histogram::BucketBoundaries& Buckets();

 private:
  MethodSeries MakeSeries(std::string service, std::string method, std::string type);

  const GrpcMetricFamilies families_;
  absl::Mutex mu_;
  // Keyed by full method name; node map: references stay valid. Bounded by the registered methods.
  absl::node_hash_map<std::string, MethodSeries> series_ ABSL_GUARDED_BY(mu_);
  const MethodSeries* unknown_ = nullptr;  // Constant after construction.
};

using ::hearth::StatusCodeName;

}  // namespace hearth::rpc
