#pragma once

#include <array>
#include <atomic>
#include <string>

#include "absl/container/node_hash_map.h"
#include "absl/strings/string_view.h"
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
// Per call, nothing is looked up by labels: the series of every registered method are resolved
// when the factory is built (an immutable map, read without a lock), and a method's handled
// counter for each status code is resolved on its first use and kept in the method's table. The
// one allocation per call is the interceptor object itself, which gRPC's factory interface
// requires (gRPC deletes it when the call ends).
//
// Ownership: the families are not owned and must outlive every call (keep the registry alive until
// the gRPC server is destroyed). Thread-safe.
class MetricsInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // grpc::StatusCode values are 0 (OK) to 16 (UNAUTHENTICATED).
  static constexpr int kStatusCodes = 17;

  // The series of one method (or of every unknown method).
  struct MethodSeries {
    std::string service;
    std::string method;
    std::string type;
    prometheus::Counter* started = nullptr;
    prometheus::Counter* msg_received = nullptr;
    prometheus::Counter* msg_sent = nullptr;
    prometheus::Histogram* handling = nullptr;  // null unless unary
    // grpc_server_handled_total by status code; OK at construction, the others on first use.
    mutable std::array<std::atomic<prometheus::Counter*>, kStatusCodes> handled{};
  };

  // Creates the started, handled{grpc_code="OK"} and message series of every method of the
  // services hearthd registers (hearth.v1.ConfigService, grpc.health.v1.Health, server
  // reflection v1 and v1alpha) at zero, so rate() works before the first call.
  explicit MetricsInterceptorFactory(GrpcMetricFamilies families);

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

  // The series for a full method name ("/hearth.v1.ConfigService/GetConfig"); the "unknown"
  // series for anything that is not a method of a registered service. Lock-free.
  const MethodSeries& SeriesFor(absl::string_view full_method) const;

  // grpc_server_handled_total for `series` and `code` (a code outside 0..16 counts as UNKNOWN).
  prometheus::Counter& Handled(const MethodSeries& series, grpc::StatusCode code) const;

  // Bucket upper bounds of the unary handling histogram, in seconds.
  static const prometheus::Histogram::BucketBoundaries& Buckets();

 private:
  void InitSeries(std::string service, std::string method, std::string type, MethodSeries* series);

  const GrpcMetricFamilies families_;
  // Keyed by full method name; built by the constructor, read-only afterwards (so read without a
  // lock). A node map: the atomics in MethodSeries never move.
  absl::node_hash_map<std::string, MethodSeries> series_;
  const MethodSeries* unknown_ = nullptr;  // Constant after construction.
};

using ::hearth::StatusCodeName;

}  // namespace hearth::rpc
