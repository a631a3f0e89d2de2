#pragma once

#include <array>
#include <atomic>
#include <string>

#include "absl/container/node_hash_map.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"

namespace hearth::rpc {

// The families gRPC call metrics fill, named and labelled as go-grpc-prometheus does so stock gRPC
// dashboards work: every series has grpc_service, grpc_method and grpc_type (unary,
// client_stream, server_stream, bidi_stream); handled also has grpc_code (the code's name, "OK").
struct GrpcMetricFamilies {
  prometheus::Family<prometheus::Counter>* started;       // grpc_server_started_total
  prometheus::Family<prometheus::Counter>* handled;       // grpc_server_handled_total
  prometheus::Family<prometheus::Histogram>* handling;    // grpc_server_handling_seconds (unary)
  prometheus::Family<prometheus::Counter>* msg_received;  // grpc_server_msg_received_total
  prometheus::Family<prometheus::Counter>* msg_sent;      // grpc_server_msg_sent_total
};

// The series of every gRPC method hearthd serves, resolved once: recorded per call by the metrics
// interceptor (metrics_interceptor.h), or by a handler that records its own calls (GetConfig, so
// that it needs no interceptor at all).
//
// Label cardinality is bounded: a method is labelled by name only when the generated descriptor
// pool knows it as a method of a service hearthd registers (hearth.v1, grpc.health.v1,
// grpc.reflection); any other method is grpc_service="unknown", grpc_method="unknown".
//
// Per call, nothing is looked up by labels: the series of every registered method are resolved at
// construction (an immutable map, read without a lock), and a method's handled counter for each
// status code is resolved on its first use and kept in the method's table.
//
// Ownership: the families are not owned and must outlive this object, which must outlive every
// call it records. Thread-safe.
class GrpcCallMetrics {
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
  explicit GrpcCallMetrics(GrpcMetricFamilies families);
  GrpcCallMetrics(const GrpcCallMetrics&) = delete;
  GrpcCallMetrics& operator=(const GrpcCallMetrics&) = delete;

  // The series for a full method name ("/hearth.v1.ConfigService/GetConfig"); the "unknown"
  // series for anything that is not a method of a registered service. Lock-free.
  const MethodSeries& SeriesFor(absl::string_view full_method) const;
  const MethodSeries& unknown() const { return *unknown_; }

  // grpc_server_handled_total for `series` and `code` (a code outside 0..16 counts as UNKNOWN).
  prometheus::Counter& Handled(const MethodSeries& series, grpc::StatusCode code) const;

  // Records one whole unary call that a handler answered itself, as the interceptor counts it:
  // started; one message received unless the request could not be parsed (`received` false);
  // one sent when the status is OK (gRPC drops the response otherwise); handled by code; and the
  // time since `start` in the handling histogram.
  void RecordUnary(const MethodSeries& series, bool received, grpc::StatusCode code,
                   absl::Time start) const;

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

}  // namespace hearth::rpc
