#pragma once

#include <string>
#include <vector>

#include "grpc/reflection/v1/reflection.grpc.pb.h"

namespace hearth::rpc {

// grpc.reflection.v1.ServerReflection, beside the v1alpha service that grpc++_reflection provides
// (Debian's grpc 1.51 has no v1). Answers from protobuf's generated descriptor pool, as v1alpha
// does: file_by_filename, file_containing_symbol and file_containing_extension return the file
// with its transitive dependencies (each file once per response); unknown names get an
// error_response with NOT_FOUND, and the stream stays open.
//
// Bounded: one request is read, answered and written before the next is read (at most one
// outstanding message per stream), names longer than kMaxNameBytes are INVALID_ARGUMENT, and a
// stream ends with RESOURCE_EXHAUSTED after kMaxRequestsPerStream requests.
//
// Thread-safety: constant after construction; streams share nothing mutable.
class ReflectionV1Service : public grpc::reflection::v1::ServerReflection::CallbackService {
 public:
  static constexpr size_t kMaxNameBytes = 1024;
  static constexpr int kMaxRequestsPerStream = 10000;

  // `services`: full names of the services the server registers (what list_services returns).
  explicit ReflectionV1Service(std::vector<std::string> services);

  grpc::ServerBidiReactor<grpc::reflection::v1::ServerReflectionRequest,
                          grpc::reflection::v1::ServerReflectionResponse>*
  ServerReflectionInfo(grpc::CallbackServerContext* context) override;

  // The answer to one request (exposed for the reactor; pure).
  void Answer(const grpc::reflection::v1::ServerReflectionRequest& request,
              grpc::reflection::v1::ServerReflectionResponse* response) const;

 private:
  class Reactor;

  const std::vector<std::string> services_;  // Constant after construction.
};

}  // namespace hearth::rpc
