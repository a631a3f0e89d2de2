#include "server/rpc/grpc_server.h"

#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/sync_stream.h"
#include "gtest/gtest.h"
#include "tests/fakes/rpc/raw_call.h"
#include "tests/fakes/test_certificates.h"
#include "tests/rpc/rpc_fixture.h"

namespace hearth::rpc {
namespace {

using ::testing::HasSubstr;

class GrpcServerTest : public testing_util::RpcFixture {
 protected:
  void SetUp() override {
    RpcFixture::SetUp();
    Write("alpha/00.json", R"({"v": 1})");
  }

  static grpc::Status GetAlpha(v1::ConfigService::Stub* stub, v1::GetConfigResponse* response,
                               int timeout_ms = 10000) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
    v1::GetConfigRequest request;
    request.set_name("alpha");
    return stub->GetConfig(&context, request, response);
  }

  static std::string ReadAll(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
};

TEST_F(GrpcServerTest, ReflectionListsTheServices) {
  Start();
  // grpc.reflection.v1alpha ServerReflectionRequest { list_services = 7: "*" }, by hand.
  grpc::ClientContext context;
  Bound(&context);
  auto stream = std::make_unique<testing::RawStream>(
      channel_.get(), "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &context);
  auto ask = [&](const std::string& request_bytes) {
    EXPECT_TRUE(stream->Write(request_bytes));
    std::string bytes;
    EXPECT_TRUE(stream->Read(&bytes));
    return bytes;
  };
  // list_services (field 7) = "*"
  const std::string services = ask(std::string("\x3a\x01*", 3));
  EXPECT_THAT(services, HasSubstr("hearth.v1.ConfigService"));
  EXPECT_THAT(services, HasSubstr("grpc.health.v1.Health"));
  EXPECT_THAT(services, HasSubstr("grpc.reflection.v1alpha.ServerReflection"));
  // file_containing_symbol (field 4): both services can be described, health included.
  const std::string health_symbol = "grpc.health.v1.Health";
  const std::string health_file = ask(
      absl::StrCat("\x22", std::string(1, static_cast<char>(health_symbol.size())), health_symbol));
  EXPECT_THAT(health_file, HasSubstr("grpc/health/v1/health.proto"));
  EXPECT_THAT(health_file, HasSubstr("HealthCheckResponse"));
  const std::string config_symbol = "hearth.v1.ConfigService";
  const std::string config_file = ask(
      absl::StrCat("\x22", std::string(1, static_cast<char>(config_symbol.size())), config_symbol));
  EXPECT_THAT(config_file, HasSubstr("hearth/v1/config_service.proto"));
  // With its dependencies: the document messages' proto2 file and the types that file uses.
  EXPECT_THAT(config_file, HasSubstr("hearth/v1/documents.proto"));
  EXPECT_THAT(config_file, HasSubstr("hearth/v1/document_types.proto"));
  stream->WritesDone();
  std::string rest;
  while (stream->Read(&rest)) {
  }
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(GrpcServerTest, ListensOnTcpAndUnixSocketAtOnce) {
  const std::string socket = root_ + "/hearth.sock";
  auto options = ServerOptions();
  options.listen = {"127.0.0.1:0", "unix://" + socket};
  Start(EngineOptions(), options);
  EXPECT_EQ(server_->ports().size(), 2u);
  EXPECT_GT(server_->port(), 0);
  EXPECT_EQ(server_->ports()[1], 0);
  ASSERT_TRUE(std::filesystem::exists(socket));
  auto unix_stub = v1::ConfigService::NewStub(
      grpc::CreateChannel("unix://" + socket, grpc::InsecureChannelCredentials()));
  v1::GetConfigResponse over_unix, over_tcp;
  ASSERT_TRUE(GetAlpha(unix_stub.get(), &over_unix).ok());
  ASSERT_TRUE(GetAlpha(stub_.get(), &over_tcp).ok());
  EXPECT_EQ(over_unix.json(), over_tcp.json());
}

TEST_F(GrpcServerTest, PortInUseFailsToStart) {
  Start();
  auto options = ServerOptions();
  options.listen = {absl::StrCat("127.0.0.1:", server_->port())};
  auto second = GrpcServer::Start(options, &engine_->store(), engine_.get());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(second.status().message()), HasSubstr("cannot listen"));
}

TEST_F(GrpcServerTest, RejectsBadOptions) {
  engine_ = std::make_unique<ConfigEngine>(EngineOptions());
  auto options = ServerOptions();
  options.tls_cert = root_ + "/missing.pem";
  options.tls_key = root_ + "/missing.key";
  auto server = GrpcServer::Start(options, &engine_->store(), engine_.get());
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(server.status().message()), HasSubstr("missing.pem"));

  options = ServerOptions();
  options.tls_client_ca = root_ + "/ca.pem";
  EXPECT_EQ(GrpcServer::Start(options, &engine_->store(), engine_.get()).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = ServerOptions();
  options.workers = 0;
  EXPECT_EQ(GrpcServer::Start(options, &engine_->store(), engine_.get()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(GrpcServerTest, MessageSizeLimitIsResourceExhausted) {
  Write("huge/00.json", absl::StrCat(R"({"pad": ")", std::string(200 * 1024, 'x'), R"("})"));
  auto options = ServerOptions();
  options.max_message_bytes = 64 * 1024;
  Start(EngineOptions(), options);
  grpc::ClientContext context;
  Bound(&context);
  v1::GetConfigRequest request;
  request.set_name("huge");
  v1::GetConfigResponse response;
  grpc::Status status = stub_->GetConfig(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  // Small configs still work.
  EXPECT_TRUE(GetAlpha(stub_.get(), &response).ok());
}

TEST_F(GrpcServerTest, StreamsPerConnectionAreLimited) {
  auto options = ServerOptions();
  options.max_streams_per_connection = 1;
  Start(EngineOptions(), options);
  grpc::ClientContext watch_context;
  Bound(&watch_context);
  auto reader = stub_->WatchConfigs(&watch_context, v1::WatchConfigsRequest());
  v1::WatchConfigsResponse msg;
  ASSERT_TRUE(reader->Read(&msg));
  // The connection's only stream is taken: a second call on it waits (here: until its deadline).
  v1::GetConfigResponse response;
  EXPECT_EQ(GetAlpha(stub_.get(), &response, 300).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  // Another connection is not affected.
  grpc::ChannelArguments args;
  args.SetInt("hearth.test.unique", 1);  // do not share the subchannel
  auto other = v1::ConfigService::NewStub(grpc::CreateCustomChannel(
      absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials(), args));
  EXPECT_TRUE(GetAlpha(other.get(), &response).ok());
  watch_context.TryCancel();
  reader->Finish();
}

TEST_F(GrpcServerTest, MutualTls) {
  const std::string dir = root_ + "/pki";
  std::filesystem::create_directories(dir);
  if (!testing::MakeTestCertificates(dir)) GTEST_SKIP() << "openssl could not create test certs";

  auto options = ServerOptions();
  options.tls_cert = dir + "/server.pem";
  options.tls_key = dir + "/server.key";
  options.tls_client_ca = dir + "/ca.pem";
  Start(EngineOptions(), options);
  const std::string target = absl::StrCat("127.0.0.1:", server_->port());

  grpc::SslCredentialsOptions with_cert;
  with_cert.pem_root_certs = ReadAll(dir + "/ca.pem");
  with_cert.pem_cert_chain = ReadAll(dir + "/client.pem");
  with_cert.pem_private_key = ReadAll(dir + "/client.key");
  auto good =
      v1::ConfigService::NewStub(grpc::CreateChannel(target, grpc::SslCredentials(with_cert)));
  v1::GetConfigResponse response;
  grpc::Status ok = GetAlpha(good.get(), &response);
  EXPECT_TRUE(ok.ok()) << ok.error_message();

  grpc::SslCredentialsOptions without_cert;
  without_cert.pem_root_certs = with_cert.pem_root_certs;
  auto anonymous =
      v1::ConfigService::NewStub(grpc::CreateChannel(target, grpc::SslCredentials(without_cert)));
  EXPECT_FALSE(GetAlpha(anonymous.get(), &response, 3000).ok());

  // Plaintext clients cannot talk to the TLS port.
  auto plain =
      v1::ConfigService::NewStub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  EXPECT_FALSE(GetAlpha(plain.get(), &response, 3000).ok());
}

}  // namespace
}  // namespace hearth::rpc
