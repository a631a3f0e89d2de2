#include "server/rpc/health_service.h"

#include <thread>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "grpcpp/impl/client_unary_call.h"
#include "grpcpp/impl/rpc_method.h"
#include "grpcpp/support/sync_stream.h"
#include "gtest/gtest.h"
#include "tests/rpc/rpc_fixture.h"

namespace hearth::rpc {
namespace {

// grpc.health.v1 messages by hand (no health.proto here either).
grpc::ByteBuffer Request(const std::string& service) {
  std::string bytes;
  if (!service.empty()) {
    google::protobuf::io::StringOutputStream raw(&bytes);
    google::protobuf::io::CodedOutputStream out(&raw);
    out.WriteTag(0x0A);
    out.WriteVarint32(static_cast<uint32_t>(service.size()));
    out.WriteString(service);
  }
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

int StatusOf(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  std::string bytes;
  for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  if (bytes.empty()) return 0;
  EXPECT_EQ(bytes.size(), 2u);
  EXPECT_EQ(bytes[0], 0x08);
  return bytes[1];
}

class HealthTest : public testing_util::RpcFixture {
 protected:
  void SetUp() override {
    RpcFixture::SetUp();
    Write("alpha/00.json", "{}");
  }

  grpc::Status Check(const std::string& service, int* status) {
    static const grpc::internal::RpcMethod kCheck("/grpc.health.v1.Health/Check",
                                                  grpc::internal::RpcMethod::NORMAL_RPC);
    grpc::ClientContext context;
    Bound(&context);
    grpc::ByteBuffer response;
    grpc::Status s = grpc::internal::BlockingUnaryCall<grpc::ByteBuffer, grpc::ByteBuffer>(
        channel_.get(), kCheck, &context, Request(service), &response);
    if (s.ok()) *status = StatusOf(response);
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
  EXPECT_EQ(status, HealthService::kServing);
  ASSERT_TRUE(Check("hearth.v1.ConfigService", &status).ok());
  EXPECT_EQ(status, HealthService::kServing);

  server_->SetServing(false);
  ASSERT_TRUE(Check("", &status).ok());
  EXPECT_EQ(status, HealthService::kNotServing);
  server_->SetServing(true);
  healthy = false;
  ASSERT_TRUE(Check("", &status).ok());
  EXPECT_EQ(status, HealthService::kNotServing);

  grpc::Status unknown = Check("no.such.Service", &status);
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(HealthTest, NotServingBeforeFirstLoad) {
  engine_ = std::make_unique<ConfigEngine>(EngineOptions());
  auto server = GrpcServer::Start(ServerOptions(), engine_.get());
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = std::move(*server);
  channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                 grpc::InsecureChannelCredentials());
  int status = -1;
  ASSERT_TRUE(Check("", &status).ok());
  EXPECT_EQ(status, HealthService::kNotServing);
}

TEST_F(HealthTest, WatchStreamsChangesAndEndsOnShutdown) {
  Start();
  static const grpc::internal::RpcMethod kWatch("/grpc.health.v1.Health/Watch",
                                                grpc::internal::RpcMethod::SERVER_STREAMING);
  grpc::ClientContext context;
  Bound(&context, 20);
  std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>> reader(
      grpc::internal::ClientReaderFactory<grpc::ByteBuffer>::Create(channel_.get(), kWatch,
                                                                    &context, Request("")));
  grpc::ByteBuffer msg;
  ASSERT_TRUE(reader->Read(&msg));
  EXPECT_EQ(StatusOf(msg), HealthService::kServing);

  server_->SetServing(false);
  ASSERT_TRUE(reader->Read(&msg));
  EXPECT_EQ(StatusOf(msg), HealthService::kNotServing);
  server_->SetServing(true);
  ASSERT_TRUE(reader->Read(&msg));
  EXPECT_EQ(StatusOf(msg), HealthService::kServing);

  std::thread stopper([&] { server_->Shutdown(absl::Seconds(5)); });
  ASSERT_TRUE(reader->Read(&msg));
  EXPECT_EQ(StatusOf(msg), HealthService::kNotServing);
  EXPECT_FALSE(reader->Read(&msg));
  grpc::Status status = reader->Finish();
  stopper.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(HealthTest, WatchOfUnknownServiceSaysServiceUnknown) {
  Start();
  static const grpc::internal::RpcMethod kWatch("/grpc.health.v1.Health/Watch",
                                                grpc::internal::RpcMethod::SERVER_STREAMING);
  grpc::ClientContext context;
  Bound(&context, 20);
  std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>> reader(
      grpc::internal::ClientReaderFactory<grpc::ByteBuffer>::Create(
          channel_.get(), kWatch, &context, Request("no.such.Service")));
  grpc::ByteBuffer msg;
  ASSERT_TRUE(reader->Read(&msg));
  EXPECT_EQ(StatusOf(msg), HealthService::kServiceUnknown);
  context.TryCancel();
  reader->Finish();
}

}  // namespace
}  // namespace hearth::rpc
