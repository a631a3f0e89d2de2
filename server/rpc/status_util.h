#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace hearth::rpc {

// The one place where absl::Status becomes grpc::Status (STYLE.md #1): codes map one to one
// (both follow google.rpc.Code), the message is kept verbatim.
grpc::Status ToGrpcStatus(const absl::Status& status);

// The reverse, for code paths that produce grpc statuses but report absl ones.
absl::Status FromGrpcStatus(const grpc::Status& status);

// grpc::Status with `code` and a message, for errors raised in the RPC layer itself.
grpc::Status GrpcError(grpc::StatusCode code, std::string_view message);

}  // namespace hearth::rpc
