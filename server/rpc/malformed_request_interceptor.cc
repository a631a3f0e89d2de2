#include "server/rpc/malformed_request_interceptor.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "server/core/model/absl_compat.h"

namespace hearth::rpc {
namespace {

using grpc::experimental::InterceptionHookPoints;

class MalformedRequestInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit MalformedRequestInterceptor(const char* method)
      : method_(method != nullptr ? method : "") {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      malformed_ = true;
    }
    if (malformed_ &&
        methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS) &&
        methods->GetSendStatus().error_code() == grpc::StatusCode::UNIMPLEMENTED) {
      methods->ModifySendStatus(MalformedRequestStatus(method_));
    }
    methods->Proceed();
  }

 private:
  const std::string method_;
  bool malformed_ = false;
};

}  // namespace

MalformedRequestInterceptorFactory::MalformedRequestInterceptorFactory(
    const std::vector<std::string>& raw_methods)
    : raw_methods_(raw_methods.begin(), raw_methods.end()) {}

grpc::experimental::Interceptor* MalformedRequestInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  if (info->method() != nullptr && raw_methods_.contains(absl::string_view(info->method()))) {
    return nullptr;
  }
  return new MalformedRequestInterceptor(info->method());
}

grpc::Status MalformedRequestStatus(std::string_view full_method) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      absl::StrCat("malformed request: the message is not a valid protobuf "
                                   "encoding of ",
                                   Sv(full_method), "'s request type"));
}

}  // namespace hearth::rpc
