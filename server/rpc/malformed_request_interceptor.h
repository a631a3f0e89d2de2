#pragma once

#include "grpcpp/support/server_interceptor.h"

namespace hearth::rpc {

// Turns "the request is not a valid protobuf message" into INVALID_ARGUMENT with a message.
//
// gRPC 1.51's callback handlers (server_callback_handlers.h) drop the deserialization status and
// finish such a call with UNIMPLEMENTED and an empty message, which reads as "no such method".
// No handler hook sees that call, but a server interceptor does: POST_RECV_MESSAGE carries no
// message when parsing failed, and PRE_SEND_STATUS may replace the status. Truly unknown methods
// never reach a registered handler, so they keep UNIMPLEMENTED.
//
// Thread-safe; one interceptor per call.
class MalformedRequestInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;
};

}  // namespace hearth::rpc
