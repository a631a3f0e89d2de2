#pragma once

// Calls with raw request bytes, for tests that send what no stub would (malformed messages) or
// speak a protocol without compiling its .proto. Built on grpc::GenericStub, gRPC's public API
// for untyped calls.

#include <memory>
#include <string>

#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"

namespace hearth::testing {

// One unary call of `method` ("/pkg.Service/Method") with `request` bytes; the reply bytes go to
// `response` (may be null). Blocks until the call ends (bound it with the context's deadline).
grpc::Status RawUnaryCall(grpc::Channel* channel, const std::string& method,
                          const std::string& request, std::string* response,
                          grpc::ClientContext* context);

// A blocking streaming call with raw messages (bidi on the wire, so it also drives
// server-streaming methods: Write the request, WritesDone, then Read). Not thread-safe.
class RawStream {
 public:
  RawStream(grpc::Channel* channel, const std::string& method, grpc::ClientContext* context);
  ~RawStream();

  bool Write(const std::string& message);
  bool WritesDone();
  // False at the end of the stream (then call Finish).
  bool Read(std::string* message);
  grpc::Status Finish();

 private:
  bool Await();  // waits for the one pending operation; its ok flag

  grpc::GenericStub stub_;
  grpc::CompletionQueue cq_;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call_;
  bool started_ = false;
};

}  // namespace hearth::testing
