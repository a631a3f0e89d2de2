// grpc.reflection.v1 against a real GrpcServer on loopback: every request kind, unknown names,
// and the bounds (over-long names, an empty request).
#include "server/rpc/reflection_v1_service.h"

#include <memory>
#include <set>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "tests/rpc/rpc_fixture.h"

namespace hearth::rpc {
namespace {

namespace r1 = grpc::reflection::v1;

class ReflectionV1Test : public testing_util::RpcFixture {
 protected:
  void SetUp() override {
    testing_util::RpcFixture::SetUp();
    Write("payments/10-base.toml", "x = 1\n");
    Start();
    stub_v1_ = r1::ServerReflection::NewStub(channel_);
    Bound(&context_);
    stream_ = stub_v1_->ServerReflectionInfo(&context_);
    ASSERT_NE(stream_, nullptr);
  }

  // A stream left open would hold the server's shutdown for its grace period.
  void TearDown() override {
    context_.TryCancel();
    testing_util::RpcFixture::TearDown();
  }

  r1::ServerReflectionResponse Ask(const r1::ServerReflectionRequest& request) {
    r1::ServerReflectionResponse response;
    EXPECT_TRUE(stream_->Write(request));
    EXPECT_TRUE(stream_->Read(&response));
    return response;
  }

  // The names of the files in a file_descriptor_response, in order.
  static std::vector<std::string> FileNames(const r1::ServerReflectionResponse& response) {
    std::vector<std::string> names;
    for (const std::string& bytes : response.file_descriptor_response().file_descriptor_proto()) {
      google::protobuf::FileDescriptorProto file;
      EXPECT_TRUE(file.ParseFromString(bytes));
      names.push_back(file.name());
    }
    return names;
  }

  std::unique_ptr<r1::ServerReflection::Stub> stub_v1_;
  grpc::ClientContext context_;
  std::unique_ptr<
      grpc::ClientReaderWriter<r1::ServerReflectionRequest, r1::ServerReflectionResponse>>
      stream_;
};

TEST_F(ReflectionV1Test, ListsEveryServiceIncludingItself) {
  r1::ServerReflectionRequest request;
  request.set_list_services("");
  r1::ServerReflectionResponse response = Ask(request);
  std::vector<std::string> names;
  for (const auto& s : response.list_services_response().service()) names.push_back(s.name());
  EXPECT_THAT(names, testing::IsSupersetOf({"hearth.v1.ConfigService", "grpc.health.v1.Health",
                                            "grpc.reflection.v1.ServerReflection",
                                            "grpc.reflection.v1alpha.ServerReflection"}));
  EXPECT_TRUE(response.original_request().has_list_services() ||
              response.original_request().message_request_case() ==
                  r1::ServerReflectionRequest::kListServices);
}

TEST_F(ReflectionV1Test, FileContainingSymbolComesWithItsDependencies) {
  r1::ServerReflectionRequest request;
  request.set_file_containing_symbol("hearth.v1.ConfigService");
  std::vector<std::string> files = FileNames(Ask(request));
  ASSERT_FALSE(files.empty());
  EXPECT_EQ(files.front(), "hearth/v1/config_service.proto");
  // The document messages' proto2 file and the proto3 types it uses: without them a client could
  // not resolve GetConfigResponse.
  EXPECT_THAT(files,
              testing::IsSupersetOf({"hearth/v1/documents.proto", "hearth/v1/document_types.proto",
                                     "google/protobuf/struct.proto"}));
  // Each file once.
  std::set<std::string> unique(files.begin(), files.end());
  EXPECT_EQ(unique.size(), files.size());

  request.set_file_containing_symbol("hearth.v1.GetConfigRequest");  // a message, not a service
  EXPECT_EQ(FileNames(Ask(request)).front(), "hearth/v1/config_service.proto");

  request.set_file_containing_symbol("hearth.v1.GetConfigResponse");  // moved, same full name
  files = FileNames(Ask(request));
  ASSERT_FALSE(files.empty());
  EXPECT_EQ(files.front(), "hearth/v1/documents.proto");
  EXPECT_THAT(files, testing::Contains("hearth/v1/document_types.proto"));
  request.set_file_containing_symbol("hearth.v1.WatchEventType");
  EXPECT_EQ(FileNames(Ask(request)).front(), "hearth/v1/document_types.proto");
}

TEST_F(ReflectionV1Test, FileByFilename) {
  r1::ServerReflectionRequest request;
  request.set_file_by_filename("grpc/health/v1/health.proto");
  EXPECT_EQ(FileNames(Ask(request)).front(), "grpc/health/v1/health.proto");
}

TEST_F(ReflectionV1Test, ExtensionRequestsAnswerForKnownTypes) {
  r1::ServerReflectionRequest request;
  request.set_all_extension_numbers_of_type("hearth.v1.GetConfigRequest");
  r1::ServerReflectionResponse response = Ask(request);
  ASSERT_TRUE(response.has_all_extension_numbers_response());
  EXPECT_EQ(response.all_extension_numbers_response().base_type_name(),
            "hearth.v1.GetConfigRequest");
  EXPECT_EQ(response.all_extension_numbers_response().extension_number_size(), 0);

  request.mutable_file_containing_extension()->set_containing_type("hearth.v1.GetConfigRequest");
  request.mutable_file_containing_extension()->set_extension_number(1000);
  response = Ask(request);
  ASSERT_TRUE(response.has_error_response());
  EXPECT_EQ(response.error_response().error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ReflectionV1Test, UnknownNamesAreNotFoundAndTheStreamStaysOpen) {
  r1::ServerReflectionRequest request;
  request.set_file_containing_symbol("no.such.Service");
  r1::ServerReflectionResponse response = Ask(request);
  ASSERT_TRUE(response.has_error_response());
  EXPECT_EQ(response.error_response().error_code(), grpc::StatusCode::NOT_FOUND);

  request.set_file_by_filename("no/such.proto");
  EXPECT_EQ(Ask(request).error_response().error_code(), grpc::StatusCode::NOT_FOUND);
  request.set_all_extension_numbers_of_type("no.such.Type");
  EXPECT_EQ(Ask(request).error_response().error_code(), grpc::StatusCode::NOT_FOUND);

  // Still answering on the same stream.
  request.set_list_services("");
  EXPECT_TRUE(Ask(request).has_list_services_response());
}

TEST_F(ReflectionV1Test, OverLongNamesAndEmptyRequestsAreInvalidArgument) {
  r1::ServerReflectionRequest request;
  request.set_file_containing_symbol(std::string(ReflectionV1Service::kMaxNameBytes + 1, 'a'));
  r1::ServerReflectionResponse response = Ask(request);
  ASSERT_TRUE(response.has_error_response());
  EXPECT_EQ(response.error_response().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // The over-long name is not echoed back.
  EXPECT_FALSE(response.has_original_request());

  r1::ServerReflectionRequest empty;
  EXPECT_EQ(Ask(empty).error_response().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(ReflectionV1Test, HalfCloseEndsTheStreamOk) {
  r1::ServerReflectionRequest request;
  request.set_list_services("");
  Ask(request);
  ASSERT_TRUE(stream_->WritesDone());
  r1::ServerReflectionResponse extra;
  EXPECT_FALSE(stream_->Read(&extra));
  EXPECT_TRUE(stream_->Finish().ok());
}

}  // namespace
}  // namespace hearth::rpc
