#include "server/rpc/metrics_interceptor.h"

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace hearth::rpc {
namespace {

using grpc::experimental::InterceptionHookPoints;

class MetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(const GrpcCallMetrics* metrics, const GrpcCallMetrics::MethodSeries* series)
      : metrics_(metrics), series_(series) {
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
    metrics_->Handled(*series_, code).Increment();
    if (series_->handling != nullptr) {
      series_->handling->Observe(absl::ToDoubleSeconds(absl::Now() - start_));
    }
  }

  const GrpcCallMetrics* const metrics_;
  const GrpcCallMetrics::MethodSeries* const series_;
  const absl::Time start_ = absl::Now();
  bool recorded_ = false;
};

}  // namespace

MetricsInterceptorFactory::MetricsInterceptorFactory(const GrpcCallMetrics* metrics,
                                                     const std::vector<std::string>& self_recorded)
    : metrics_(metrics), self_recorded_(self_recorded.begin(), self_recorded.end()) {}

grpc::experimental::Interceptor* MetricsInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  const char* method = info->method();
  if (method == nullptr) return new MetricsInterceptor(metrics_, &metrics_->unknown());
  if (self_recorded_.contains(absl::string_view(method))) return nullptr;
  return new MetricsInterceptor(metrics_, &metrics_->SeriesFor(method));
}

}  // namespace hearth::rpc
