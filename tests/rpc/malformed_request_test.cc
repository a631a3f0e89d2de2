// Malformed protobuf requests get INVALID_ARGUMENT with a message, not UNIMPLEMENTED (issue 7
// item 11); unknown methods stay UNIMPLEMENTED.
#include <string>

#include "gmock/gmock.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"
#include "tests/rpc/rpc_fixture.h"

namespace hearth::rpc {
namespace {

using ::testing::HasSubstr;

class MalformedRequestTest : public testing_util::RpcFixture {
 protected:
  // Sends `bytes` as the request of `method` (unary), returns the final status.
  grpc::Status CallRaw(const std::string& method, const std::string& bytes) {
    grpc::GenericStub stub(channel_);
    grpc::ClientContext context;
    Bound(&context);
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    absl::Mutex mu;
    bool done = false;
    grpc::Status result;
    stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
      absl::MutexLock lock(&mu);
      result = std::move(s);
      done = true;
    });
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(&done));
    return result;
  }
};

// Field 1 (name, length-delimited) claiming 100 bytes with 1 present: not a valid message.
const std::string kTruncated = std::string("\x0a\x64", 2) + "x";

TEST_F(MalformedRequestTest, UnaryIsInvalidArgumentWithAMessage) {
  Write("alpha/00.json", R"({"v": 1})");
  Start();
  for (const char* method :
       {"/hearth.v1.ConfigService/GetConfig", "/hearth.v1.ConfigService/ListConfigs",
        "/hearth.v1.ConfigService/ValidateConfig", "/hearth.v1.ConfigService/BatchGetConfigs"}) {
    grpc::Status status = CallRaw(method, kTruncated);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << method;
    EXPECT_THAT(status.error_message(), HasSubstr("malformed request")) << method;
  }
  // A valid encoding still works, and an unknown method is still UNIMPLEMENTED.
  EXPECT_TRUE(CallRaw("/hearth.v1.ConfigService/GetConfig", std::string("\x0a\x05"
                                                                        "alpha",
                                                                        7))
                  .ok());
  EXPECT_EQ(CallRaw("/hearth.v1.ConfigService/NoSuchMethod", "").error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(MalformedRequestTest, StreamingIsInvalidArgumentWithAMessage) {
  Start();
  grpc::GenericStub stub(channel_);
  grpc::ClientContext context;
  Bound(&context);
  grpc::CompletionQueue cq;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(&context, "/hearth.v1.ConfigService/WatchConfigs", &cq);
  void* tag;
  bool ok;
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(cq.Next(&tag, &ok));
  grpc::Slice slice(kTruncated);
  grpc::ByteBuffer request(&slice, 1);
  call->WriteLast(request, grpc::WriteOptions(), reinterpret_cast<void*>(2));
  ASSERT_TRUE(cq.Next(&tag, &ok));
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(3));
  ASSERT_TRUE(cq.Next(&tag, &ok));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("malformed request"));
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
}

}  // namespace
}  // namespace hearth::rpc
