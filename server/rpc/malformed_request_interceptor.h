#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "grpcpp/support/server_interceptor.h"
#include "grpcpp/support/status.h"

namespace hearth::rpc {

// Turns "the request is not a valid protobuf message" into INVALID_ARGUMENT with a message.
//
// gRPC 1.51's callback handlers (server_callback_handlers.h) drop the deserialization status and
// finish such a call with UNIMPLEMENTED and an empty message, which reads as "no such method".
// No handler hook sees that call, but a server interceptor does: POST_RECV_MESSAGE carries no
// message when parsing failed, and PRE_SEND_STATUS may replace the status. Truly unknown methods
// never reach a registered handler, so they keep UNIMPLEMENTED.
//
// Raw methods (the handler receives the request's bytes and parses them itself) get no
// interceptor: gRPC cannot fail to deserialize bytes, and the handler answers a malformed request
// with MalformedRequestStatus() itself.
//
// Thread-safe; one interceptor per call.
class MalformedRequestInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `raw_methods`: full method names ("/hearth.v1.ConfigService/GetConfig") served raw.
  explicit MalformedRequestInterceptorFactory(const std::vector<std::string>& raw_methods = {});

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  const absl::flat_hash_set<std::string> raw_methods_;  // Constant after construction.
};

// The INVALID_ARGUMENT status a request of `full_method` gets when its bytes are not a valid
// protobuf encoding of its request type.
grpc::Status MalformedRequestStatus(std::string_view full_method);

}  // namespace hearth::rpc
