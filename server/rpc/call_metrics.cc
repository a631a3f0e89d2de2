#include "server/rpc/call_metrics.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/descriptor.h"
#include "hearth/status_code_name.h"

namespace hearth::rpc {
namespace {

constexpr absl::string_view kUnknown = "unknown";

// Services whose methods get their own labels (what GrpcServer registers).
constexpr const char* kOurServices[] = {"hearth.v1.ConfigService", "grpc.health.v1.Health",
                                        "grpc.reflection.v1alpha.ServerReflection",
                                        "grpc.reflection.v1.ServerReflection"};

const char* TypeLabel(const google::protobuf::MethodDescriptor& method) {
  if (method.client_streaming()) return method.server_streaming() ? "bidi_stream" : "client_stream";
  return method.server_streaming() ? "server_stream" : "unary";
}

}  // namespace

GrpcCallMetrics::GrpcCallMetrics(GrpcMetricFamilies families) : families_(families) {
  const std::string unknown(kUnknown);
  MethodSeries& unknown_series = series_[unknown];
  InitSeries(unknown, unknown, unknown, &unknown_series);
  unknown_ = &unknown_series;
  for (const char* name : kOurServices) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
    for (int i = 0; service != nullptr && i < service->method_count(); ++i) {
      const google::protobuf::MethodDescriptor& method = *service->method(i);
      MethodSeries& series = series_[absl::StrCat("/", service->full_name(), "/", method.name())];
      InitSeries(service->full_name(), method.name(), TypeLabel(method), &series);
    }
  }
}

void GrpcCallMetrics::InitSeries(std::string service, std::string method, std::string type,
                                 MethodSeries* series) {
  const prometheus::Labels labels = {
      {"grpc_service", service}, {"grpc_method", method}, {"grpc_type", type}};
  prometheus::Labels ok = labels;
  ok.emplace("grpc_code", "OK");
  series->started = &families_.started->Add(labels);
  series->msg_received = &families_.msg_received->Add(labels);
  series->msg_sent = &families_.msg_sent->Add(labels);
  if (type == "unary") series->handling = &families_.handling->Add(labels, Buckets());
  series->handled[0].store(&families_.handled->Add(ok), std::memory_order_release);
  series->service = std::move(service);
  series->method = std::move(method);
  series->type = std::move(type);
}

const GrpcCallMetrics::MethodSeries& GrpcCallMetrics::SeriesFor(
    absl::string_view full_method) const {
  if (auto it = series_.find(full_method); it != series_.end()) return it->second;
  return *unknown_;
}

prometheus::Counter& GrpcCallMetrics::Handled(const MethodSeries& series,
                                              grpc::StatusCode code) const {
  int index = static_cast<int>(code);
  if (index < 0 || index >= kStatusCodes) index = static_cast<int>(grpc::StatusCode::UNKNOWN);
  std::atomic<prometheus::Counter*>& slot = series.handled[index];
  if (prometheus::Counter* counter = slot.load(std::memory_order_acquire)) return *counter;
  // First use of this code for this method. Family::Add returns the existing series for equal
  // labels, so two threads racing here store the same pointer.
  prometheus::Counter* counter = &families_.handled->Add(
      {{"grpc_service", series.service},
       {"grpc_method", series.method},
       {"grpc_type", series.type},
       {"grpc_code", std::string(StatusCodeName(static_cast<grpc::StatusCode>(index)))}});
  slot.store(counter, std::memory_order_release);
  return *counter;
}

void GrpcCallMetrics::RecordUnary(const MethodSeries& series, bool received, grpc::StatusCode code,
                                  absl::Time start) const {
  series.started->Increment();
  if (received) series.msg_received->Increment();
  if (code == grpc::StatusCode::OK) series.msg_sent->Increment();
  Handled(series, code).Increment();
  if (series.handling != nullptr) {
    series.handling->Observe(absl::ToDoubleSeconds(absl::Now() - start));
  }
}

const prometheus::Histogram::BucketBoundaries& GrpcCallMetrics::Buckets() {
  static const auto* const kBuckets = new prometheus::Histogram::BucketBoundaries{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
      0.25,   0.5,     1,      2.5,   5,      10,    30,   60,    300};
  return *kBuckets;
}

}  // namespace hearth::rpc
