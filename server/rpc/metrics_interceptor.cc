#include "server/rpc/metrics_interceptor.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"

namespace hearth::rpc {
namespace {

using grpc::experimental::InterceptionHookPoints;

constexpr absl::string_view kUnknown = "unknown";

// Services whose methods get their own labels (what GrpcServer registers).
constexpr const char* kOurServices[] = {"hearth.v1.ConfigService", "grpc.health.v1.Health",
                                        "grpc.reflection.v1alpha.ServerReflection",
                                        "grpc.reflection.v1.ServerReflection"};

const char* TypeLabel(const google::protobuf::MethodDescriptor& method) {
  if (method.client_streaming()) return method.server_streaming() ? "bidi_stream" : "client_stream";
  return method.server_streaming() ? "server_stream" : "unary";
}

class MetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(const MetricsInterceptorFactory* factory,
                     const MetricsInterceptorFactory::MethodSeries* series)
      : factory_(factory), series_(series) {
    series_->started->Increment();
  }

  // A call that ended without sending a status (cancelled, client gone) still counts.
  ~MetricsInterceptor() override {
    if (!recorded_) Record(grpc::StatusCode::CANCELLED);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() != nullptr) {
      series_->msg_received->Increment();
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_MESSAGE)) {
      series_->msg_sent->Increment();
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS) &&
        !recorded_) {
      Record(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

 private:
  void Record(grpc::StatusCode code) {
    recorded_ = true;
    factory_->Handled(*series_, code).Increment();
    if (series_->handling != nullptr) {
      series_->handling->Observe(absl::ToDoubleSeconds(absl::Now() - start_));
    }
  }

  const MetricsInterceptorFactory* const factory_;
  const MetricsInterceptorFactory::MethodSeries* const series_;
  const absl::Time start_ = absl::Now();
  bool recorded_ = false;
};

}  // namespace

MetricsInterceptorFactory::MetricsInterceptorFactory(GrpcMetricFamilies families)
    : families_(families) {
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

void MetricsInterceptorFactory::InitSeries(std::string service, std::string method,
                                           std::string type, MethodSeries* series) {
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

const MetricsInterceptorFactory::MethodSeries& MetricsInterceptorFactory::SeriesFor(
    absl::string_view full_method) const {
  if (auto it = series_.find(full_method); it != series_.end()) return it->second;
  return *unknown_;
}

prometheus::Counter& MetricsInterceptorFactory::Handled(const MethodSeries& series,
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

grpc::experimental::Interceptor* MetricsInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  const char* method = info->method();
  return new MetricsInterceptor(this, method == nullptr ? unknown_ : &SeriesFor(method));
}

const prometheus::Histogram::BucketBoundaries& MetricsInterceptorFactory::Buckets() {
  static const auto* const kBuckets = new prometheus::Histogram::BucketBoundaries{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
      0.25,   0.5,     1,      2.5,   5,      10,    30,   60,    300};
  return *kBuckets;
}

}  // namespace hearth::rpc
