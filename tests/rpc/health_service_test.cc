#include "server/rpc/health_service.h"

#include <thread>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/support/sync_stream.h"
#include "gtest/gtest.h"
#include "tests/fakes/rpc/raw_call.h"
#include "tests/rpc/rpc_fixture.h"

namespace hearth::rpc {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

HealthCheckRequest Request(const std::string& service) {
  HealthCheckRequest request;
  request.set_service(service);
  return request;
}

class HealthTest : public testing_util::RpcFixture {
 protected:
  void SetUp() override {
    RpcFixture::SetUp();
    Write("alpha/00.json", "{}");
  }

  grpc::Status Check(const std::string& service, int* status) {
    grpc::ClientContext context;
    Bound(&context);
    HealthCheckResponse response;
    grpc::Status s = Health::NewStub(channel_)->Check(&context, Request(service), &response);
    if (s.ok()) *status = response.status();
    return s;
  }
};

TEST_F(HealthTest, CheckFollowsServingAndProvider) {
  bool healthy = true;
  auto options = ServerOptions();
  options.healthy = [&healthy] { return healthy; };
  Start(EngineOptions(), options);
  int status = -1;
  ASSERT_TRUE(Check("", &status).ok());
  EXPECT_EQ(status, HealthCheckResponse::SERVING);
  ASSERT_TRUE(Check("hearth.v1.ConfigService", &status).ok());
  EXPECT_EQ(status, HealthCheckResponse::SERVING);

  server_->SetServing(false);
  ASSERT_TRUE(Check("", &status).ok());
  EXPECT_EQ(status, HealthCheckResponse::NOT_SERVING);
  server_->SetServing(true);
  healthy = false;
  ASSERT_TRUE(Check("", &status).ok());
  EXPECT_EQ(status, HealthCheckResponse::NOT_SERVING);

  grpc::Status unknown = Check("no.such.Service", &status);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(HealthTest, NotServingBeforeFirstLoad) {
  engine_ = std::make_unique<ConfigEngine>(EngineOptions());
  auto server = GrpcServer::Start(ServerOptions(), &engine_->store(), engine_.get());
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = std::move(*server);
  channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                 grpc::InsecureChannelCredentials());
  int status = -1;
  ASSERT_TRUE(Check("", &status).ok());
  EXPECT_EQ(status, HealthCheckResponse::NOT_SERVING);
}

TEST_F(HealthTest, WatchStreamsChangesAndEndsOnShutdown) {
  Start();
  grpc::ClientContext context;
  Bound(&context, 20);
  auto stub = Health::NewStub(channel_);
  std::unique_ptr<grpc::ClientReader<HealthCheckResponse>> reader =
      stub->Watch(&context, Request(""));
  HealthCheckResponse msg;
  ASSERT_TRUE(reader->Read(&msg));
  EXPECT_EQ(msg.status(), HealthCheckResponse::SERVING);

  server_->SetServing(false);
  ASSERT_TRUE(reader->Read(&msg));
  EXPECT_EQ(msg.status(), HealthCheckResponse::NOT_SERVING);
  server_->SetServing(true);
  ASSERT_TRUE(reader->Read(&msg));
  EXPECT_EQ(msg.status(), HealthCheckResponse::SERVING);

  std::thread stopper([&] { server_->Shutdown(absl::Seconds(5)); });
  ASSERT_TRUE(reader->Read(&msg));
  EXPECT_EQ(msg.status(), HealthCheckResponse::NOT_SERVING);
  EXPECT_FALSE(reader->Read(&msg));
  grpc::Status status = reader->Finish();
  stopper.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(HealthTest, WatchOfUnknownServiceSaysServiceUnknown) {
  Start();
  grpc::ClientContext context;
  Bound(&context, 20);
  auto stub = Health::NewStub(channel_);
  std::unique_ptr<grpc::ClientReader<HealthCheckResponse>> reader =
      stub->Watch(&context, Request("no.such.Service"));
  HealthCheckResponse msg;
  ASSERT_TRUE(reader->Read(&msg));
  EXPECT_EQ(msg.status(), HealthCheckResponse::SERVICE_UNKNOWN);
  context.TryCancel();
  reader->Finish();
}

TEST_F(HealthTest, MalformedRequestIsInvalidArgument) {
  Start();
  grpc::ClientContext context;
  Bound(&context);
  // Field 1 (service) announced as 100 bytes long with none following.
  grpc::Status s = testing::RawUnaryCall(channel_.get(), "/grpc.health.v1.Health/Check",
                                         std::string("\x0a\x64", 2), nullptr, &context);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
}

}  // namespace
}  // namespace hearth::rpc
