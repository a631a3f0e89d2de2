#pragma once

// Shared by the tests/rpc tests: a ConfigEngine over a temp directory tree and a GrpcServer on an
// ephemeral port, with a generated stub connected to it.

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "hearth/v1/config_service.grpc.pb.h"
#include "server/core/config_engine.h"
#include "server/rpc/grpc_server.h"

namespace hearth::rpc::testing_util {

// The singular scalar fields of `message` that are set to their default value. The document
// messages are proto2, where such a field is still sent and printed (buf curl, grpcurl); hearthd
// sets none, so they look as they did in proto3.
inline std::vector<std::string> FieldsSetToDefault(const google::protobuf::Message& message) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection& reflection = *message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection.ListFields(message, &fields);
  std::vector<std::string> out;
  for (const FieldDescriptor* f : fields) {
    if (f->is_repeated()) continue;
    bool is_default = false;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        is_default = reflection.GetString(message, f) == f->default_value_string();
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        is_default = reflection.GetBool(message, f) == f->default_value_bool();
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        is_default = reflection.GetUInt64(message, f) == f->default_value_uint64();
        break;
      case FieldDescriptor::CPPTYPE_UINT32:
        is_default = reflection.GetUInt32(message, f) == f->default_value_uint32();
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        is_default = reflection.GetInt64(message, f) == f->default_value_int64();
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        is_default = reflection.GetInt32(message, f) == f->default_value_int32();
        break;
      case FieldDescriptor::CPPTYPE_ENUM:
        is_default = reflection.GetEnumValue(message, f) == f->default_value_enum()->number();
        break;
      default:  // messages (a set message is never a default), floating point (none here)
        break;
    }
    if (is_default) out.push_back(f->full_name());
  }
  return out;
}

class RpcFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/hearth_rpc_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
  }

  void TearDown() override {
    stub_.reset();
    channel_.reset();
    if (server_) server_->Shutdown(absl::Seconds(2));
    server_.reset();
    engine_.reset();
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }

  // Writes root/rel (creating directories).
  void Write(const std::string& rel, const std::string& content) {
    const std::filesystem::path path = std::filesystem::path(root_) / rel;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    ASSERT_TRUE(out.good()) << path;
  }
  void RemoveAll(const std::string& rel) {
    std::filesystem::remove_all(std::filesystem::path(root_) / rel);
  }

  ConfigEngine::Options EngineOptions() {
    ConfigEngine::Options options;
    options.roots = {root_};
    options.load_threads = 1;
    return options;
  }
  GrpcServer::Options ServerOptions() {
    GrpcServer::Options options;
    options.listen = {"127.0.0.1:0"};
    options.workers = 2;
    options.progress_interval = absl::Seconds(30);
    options.instance_id = "test-instance";
    return options;
  }

  // Scans the tree, starts the server, marks it serving, connects a stub.
  void Start() { Start(EngineOptions(), ServerOptions()); }
  void Start(ConfigEngine::Options engine_options, GrpcServer::Options server_options) {
    engine_ = std::make_unique<ConfigEngine>(std::move(engine_options));
    engine_->ScanAll();
    auto server = GrpcServer::Start(std::move(server_options), &engine_->store(), engine_.get());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    server_->SetServing(true);
    ASSERT_GT(server_->port(), 0);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::ConfigService::NewStub(channel_);
  }

  // A client context with a bounded deadline: no test waits forever.
  static void Bound(grpc::ClientContext* context, int seconds = 10) {
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  }

  // A WatchConfigs stream on stub_, bounded by a deadline.
  struct Stream {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<v1::WatchConfigsResponse>> reader;
  };
  std::unique_ptr<Stream> Open(const v1::WatchConfigsRequest& request, int seconds = 30) {
    auto stream = std::make_unique<Stream>();
    Bound(&stream->context, seconds);
    stream->reader = stub_->WatchConfigs(&stream->context, request);
    return stream;
  }
  // Reads until `done` holds for a message (returned last); fails the test if the stream ends.
  std::vector<v1::WatchConfigsResponse> ReadUntil(
      Stream* stream, const std::function<bool(const v1::WatchConfigsResponse&)>& done) {
    std::vector<v1::WatchConfigsResponse> out;
    v1::WatchConfigsResponse msg;
    while (stream->reader->Read(&msg)) {
      out.push_back(msg);
      if (done(msg)) return out;
    }
    ADD_FAILURE() << "stream ended: " << stream->reader->Finish().error_message();
    return out;
  }

  ConfigStore& store() { return engine_->store(); }

  std::string root_;
  std::unique_ptr<ConfigEngine> engine_;
  std::unique_ptr<GrpcServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ConfigService::Stub> stub_;
};

}  // namespace hearth::rpc::testing_util
