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
bool IsOurService(absl::string_view service) {
  return service == "hearth.v1.ConfigService" || service == "grpc.health.v1.Health" ||
         service == "grpc.reflection.v1alpha.ServerReflection" ||
         service == "grpc.reflection.v1.ServerReflection";
}

const char* TypeLabel(const google::protobuf::MethodDescriptor& method) {
  if (method.client_streaming()) return method.server_streaming() ? "bidi_stream" : "client_stream";
  return method.server_streaming() ? "server_stream" : "unary";
}

class MetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(MetricsInterceptorFactory* factory,
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

  MetricsInterceptorFactory* const factory_;
  const MetricsInterceptorFactory::MethodSeries* const series_;
  const absl::Time start_ = absl::Now();
  bool recorded_ = false;
};

}  // namespace

MetricsInterceptorFactory::MetricsInterceptorFactory(GrpcMetricFamilies families)
    : families_(families) {
  absl::MutexLock lock(&mu_);
  unknown_ = &series_
                  .try_emplace(std::string(kUnknown),
                               MakeSeries(std::string(kUnknown), std::string(kUnknown),
                                          std::string(kUnknown)))
                  .first->second;
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          "hearth.v1.ConfigService");
  for (int i = 0; service != nullptr && i < service->method_count(); ++i) {
    const google::protobuf::MethodDescriptor& method = *service->method(i);
    series_.try_emplace(absl::StrCat("/", service->full_name(), "/", method.name()),
                        MakeSeries(service->full_name(), method.name(), TypeLabel(method)));
  }
}

MetricsInterceptorFactory::MethodSeries MetricsInterceptorFactory::MakeSeries(std::string service,
                                                                              std::string method,
                                                                              std::string type) {
  const prometheus::Labels labels = {
      {"grpc_service", service}, {"grpc_method", method}, {"grpc_type", type}};
  prometheus::Labels ok = labels;
  ok.emplace("grpc_code", "OK");
  MethodSeries series{std::move(service),
                      std::move(method),
                      type,
                      &families_.started->Add(labels),
                      &families_.handled->Add(ok),
                      &families_.msg_received->Add(labels),
                      &families_.msg_sent->Add(labels),
                      nullptr};
  if (type == "unary") series.handling = &families_.handling->Add(labels, Buckets());
  return series;
}

const MetricsInterceptorFactory::MethodSeries& MetricsInterceptorFactory::SeriesFor(
    absl::string_view full_method) {
  absl::MutexLock lock(&mu_);
  if (full_method != kUnknown) {
    if (auto it = series_.find(full_method); it != series_.end()) return it->second;
  }
  // "/package.Service/Method"
  if (full_method.size() < 4 || full_method[0] != '/') return *unknown_;
  const size_t slash = full_method.find('/', 1);
  if (slash == absl::string_view::npos) return *unknown_;
  const absl::string_view service = full_method.substr(1, slash - 1);
  const absl::string_view method = full_method.substr(slash + 1);
  if (!IsOurService(service)) return *unknown_;
  const google::protobuf::MethodDescriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
          absl::StrCat(service, ".", method));
  if (descriptor == nullptr) return *unknown_;
  return series_
      .try_emplace(std::string(full_method),
                   MakeSeries(std::string(service), std::string(method), TypeLabel(*descriptor)))
      .first->second;
}

prometheus::Counter& MetricsInterceptorFactory::Handled(const MethodSeries& series,
                                                        grpc::StatusCode code) {
  if (code == grpc::StatusCode::OK) return *series.handled_ok;
  return families_.handled->Add({{"grpc_service", series.service},
                                 {"grpc_method", series.method},
                                 {"grpc_type", series.type},
                                 {"grpc_code", std::string(StatusCodeName(code))}});
}

grpc::experimental::Interceptor* MetricsInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  const char* method = info->method();
  return new MetricsInterceptor(this, &SeriesFor(method == nullptr ? kUnknown : method));
}

const prometheus::Histogram::BucketBoundaries& MetricsInterceptorFactory::Buckets() {
  static const auto* const kBuckets = new prometheus::Histogram::BucketBoundaries{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
      0.25,   0.5,     1,      2.5,   5,      10,    30,   60,    300};
  return *kBuckets;
}

}  // namespace hearth::rpc
