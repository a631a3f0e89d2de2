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

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "hearth/v1/config_service.grpc.pb.h"
#include "server/core/config_engine.h"
#include "server/rpc/grpc_server.h"

namespace hearth::rpc::testing_util {

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
