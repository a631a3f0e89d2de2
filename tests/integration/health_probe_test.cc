// grpc.health.v1 against the real hearthd, the way grpc_health_probe and the kubelet call it: the
// generated stub over plaintext TCP, on the gRPC port and on the --health-listen port. Check says
// SERVING, NOT_SERVING while a root is unreadable (renamed away), NOT_FOUND for an unknown
// service; Watch streams each readiness change and ends with UNAVAILABLE on SIGTERM.
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/fakes/hearthd_process.h"
#include "tests/fakes/rpc/raw_call.h"
#include "tests/fakes/temp_dir.h"

namespace hearth {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;
using testing::HearthdProcess;
using testing::TempDir;
using namespace std::chrono_literals;

constexpr HealthCheckResponse::ServingStatus kRpcFailed =
    static_cast<HealthCheckResponse::ServingStatus>(-1);

// The port after `marker` ("... on 127.0.0.1:") in the daemon's log; 0 if it never shows.
int PortAfter(HearthdProcess& daemon, const std::string& marker) {
  if (!daemon.WaitForLog(marker, 20s)) return 0;
  const std::string log = daemon.err();
  return std::atoi(log.c_str() + log.find(marker) + marker.size());
}

HealthCheckRequest Request(const std::string& service) {
  HealthCheckRequest request;
  request.set_service(service);
  return request;
}

class HealthProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_.Write("configs/app/a.toml", "x = 1\n");
    testing::HearthdOptions options;
    options.roots = {root_.Path("configs")};
    options.grpc_listen = "127.0.0.1:0";
    options.metrics_listen = "";
    options.flags = {"--health-listen", "127.0.0.1:0"};
    options.out_path = state_.Path("out");
    options.err_path = state_.Path("err");
    daemon_ = std::make_unique<HearthdProcess>(std::move(options));
    const int grpc_port = PortAfter(*daemon_, "serving gRPC on 127.0.0.1:");
    const int probe_port = PortAfter(*daemon_, "grpc.health.v1 only) on 127.0.0.1:");
    ASSERT_GT(grpc_port, 0) << daemon_->err();
    ASSERT_GT(probe_port, 0) << daemon_->err();
    grpc_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", grpc_port),
                                grpc::InsecureChannelCredentials());
    probe_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", probe_port),
                                 grpc::InsecureChannelCredentials());
    ASSERT_TRUE(AwaitStatus(probe_, HealthCheckResponse::SERVING)) << daemon_->err();
  }

  // One Check, as grpc_health_probe makes it; kRpcFailed (and `code`) when the call fails.
  static HealthCheckResponse::ServingStatus Check(const std::shared_ptr<grpc::Channel>& channel,
                                                  const std::string& service = "",
                                                  grpc::StatusCode* code = nullptr) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 2s);
    HealthCheckResponse response;
    grpc::Status s = Health::NewStub(channel)->Check(&context, Request(service), &response);
    if (code != nullptr) *code = s.error_code();
    return s.ok() ? response.status() : kRpcFailed;
  }

  // Polls Check until it says `want` (readiness is re-evaluated every second).
  static bool AwaitStatus(const std::shared_ptr<grpc::Channel>& channel,
                          HealthCheckResponse::ServingStatus want) {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (absl::Now() < deadline) {
      if (Check(channel) == want) return true;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  }

  bool MoveRoot(const std::string& from, const std::string& to) {
    return std::rename(root_.Path(from).c_str(), root_.Path(to).c_str()) == 0;
  }

  TempDir root_, state_;
  std::unique_ptr<HearthdProcess> daemon_;
  std::shared_ptr<grpc::Channel> grpc_;
  std::shared_ptr<grpc::Channel> probe_;
};

TEST_F(HealthProbeTest, CheckFollowsReadinessOnBothPorts) {
  for (const auto& channel : {grpc_, probe_}) {
    EXPECT_EQ(Check(channel), HealthCheckResponse::SERVING);
    EXPECT_EQ(Check(channel, "hearth.v1.ConfigService"), HealthCheckResponse::SERVING);
    grpc::StatusCode code = grpc::StatusCode::OK;
    EXPECT_EQ(Check(channel, "no.such.Service", &code), kRpcFailed);
    EXPECT_EQ(code, grpc::StatusCode::NOT_FOUND);
  }

  // An unreadable root (here: gone) makes the daemon not ready, on both ports.
  ASSERT_TRUE(MoveRoot("configs", "configs.away"));
  EXPECT_TRUE(AwaitStatus(probe_, HealthCheckResponse::NOT_SERVING)) << daemon_->err();
  EXPECT_EQ(Check(grpc_), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Check(grpc_, "hearth.v1.ConfigService"), HealthCheckResponse::NOT_SERVING);
  ASSERT_TRUE(MoveRoot("configs.away", "configs"));
  EXPECT_TRUE(AwaitStatus(probe_, HealthCheckResponse::SERVING)) << daemon_->err();
  EXPECT_EQ(Check(grpc_), HealthCheckResponse::SERVING);
}

TEST_F(HealthProbeTest, MalformedRequestOnTheProbePortIsInvalidArgument) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 5s);
  // Field 1 (service) announced as 100 bytes long with none following.
  grpc::Status s = testing::RawUnaryCall(probe_.get(), "/grpc.health.v1.Health/Check",
                                         std::string("\x0a\x64", 2), nullptr, &context);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << s.error_message();
}

TEST_F(HealthProbeTest, WatchStreamsReadinessChangesThenEndsOnSigterm) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + 60s);
  auto stub = Health::NewStub(probe_);
  std::unique_ptr<grpc::ClientReader<HealthCheckResponse>> watch =
      stub->Watch(&context, Request(""));
  grpc::ClientContext unknown_context;
  unknown_context.set_deadline(std::chrono::system_clock::now() + 60s);
  auto grpc_stub = Health::NewStub(grpc_);
  std::unique_ptr<grpc::ClientReader<HealthCheckResponse>> unknown =
      grpc_stub->Watch(&unknown_context, Request("no.such.Service"));

  HealthCheckResponse msg;
  ASSERT_TRUE(watch->Read(&msg));
  EXPECT_EQ(msg.status(), HealthCheckResponse::SERVING);
  ASSERT_TRUE(unknown->Read(&msg));
  EXPECT_EQ(msg.status(), HealthCheckResponse::SERVICE_UNKNOWN);

  ASSERT_TRUE(MoveRoot("configs", "configs.away"));
  ASSERT_TRUE(watch->Read(&msg));
  EXPECT_EQ(msg.status(), HealthCheckResponse::NOT_SERVING);
  ASSERT_TRUE(MoveRoot("configs.away", "configs"));
  ASSERT_TRUE(watch->Read(&msg));
  EXPECT_EQ(msg.status(), HealthCheckResponse::SERVING);

  // Shutdown: NOT_SERVING first (probes stop sending traffic), then the stream ends.
  daemon_->Signal(SIGTERM);
  ASSERT_TRUE(watch->Read(&msg));
  EXPECT_EQ(msg.status(), HealthCheckResponse::NOT_SERVING);
  EXPECT_FALSE(watch->Read(&msg));
  EXPECT_EQ(watch->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  // The unknown service stays SERVICE_UNKNOWN to the end.
  EXPECT_FALSE(unknown->Read(&msg));
  EXPECT_EQ(unknown->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(daemon_->Wait(15s), 0) << daemon_->err();
}

}  // namespace
}  // namespace hearth
