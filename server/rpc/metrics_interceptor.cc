#include "server/rpc/metrics_interceptor.h"

#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"

namespace hearth::rpc {
namespace {

using grpc::experimental::InterceptionHookPoints;

std::string MethodLabel(const char* method) {
  if (method == nullptr) return "other";
  std::string_view m(method);
  for (std::string_view prefix : {"/hearth.v1.", "/grpc.health.v1.", "/grpc.reflection."}) {
    if (m.substr(0, prefix.size()) == prefix) return std::string(m);
  }
  return "other";
}

class MetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(std::string method, prometheus::Family<prometheus::Counter>* requests,
                     prometheus::Family<prometheus::Histogram>* durations)
      : method_(std::move(method)), requests_(requests), durations_(durations) {}

  // A call that ended without sending a status (cancelled, client gone) still counts.
  ~MetricsInterceptor() override {
    if (!recorded_) Record(grpc::StatusCode::CANCELLED);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      start_ = absl::Now();
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
    requests_->Add({{"method", method_}, {"code", StatusCodeName(code)}}).Increment();
    durations_->Add({{"method", method_}}, MetricsInterceptorFactory::Buckets())
        .Observe(absl::ToDoubleSeconds(absl::Now() - start_));
  }

  const std::string method_;
  prometheus::Family<prometheus::Counter>* const requests_;
  prometheus::Family<prometheus::Histogram>* const durations_;
  absl::Time start_ = absl::Now();
  bool recorded_ = false;
};

}  // namespace

MetricsInterceptorFactory::MetricsInterceptorFactory(
    prometheus::Family<prometheus::Counter>* requests,
    prometheus::Family<prometheus::Histogram>* durations)
    : requests_(requests), durations_(durations) {
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
          "hearth.v1.ConfigService");
  for (int i = 0; service != nullptr && i < service->method_count(); ++i) {
    std::string method = absl::StrCat("/", service->full_name(), "/", service->method(i)->name());
    requests_->Add({{"method", method}, {"code", "OK"}});
    durations_->Add({{"method", method}}, Buckets());
  }
}

grpc::experimental::Interceptor* MetricsInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new MetricsInterceptor(MethodLabel(info->method()), requests_, durations_);
}

const prometheus::Histogram::BucketBoundaries& MetricsInterceptorFactory::Buckets() {
  static const auto* const kBuckets = new prometheus::Histogram::BucketBoundaries{
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
      0.25,   0.5,     1,      2.5,   5,      10,    30,   60,    300};
  return *kBuckets;
}

}  // namespace hearth::rpc
