// /metrics answers while other connections idle, and HEAD /metrics works (issue 7 item 8).
// Against the real hearthd.
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/hearthd_process.h"
#include "tests/fakes/http_get.h"
#include "tests/fakes/subprocess.h"
#include "tests/fakes/temp_dir.h"

namespace hearth {
namespace {

using ::testing::HasSubstr;
using testing::ReadFileOrEmpty;
using ::testing::StartsWith;
using testing::TempDir;
using namespace std::chrono_literals;

// The whole response to `method path` (read until the server closes, 10 s at most).
std::string Request(int port, const std::string& method, const std::string& path) {
  return testing::HttpExchange(port, method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                               10);
}

class MetricsHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_.Write("app/config.toml", "port = 8080\n");
    testing::HearthdOptions o;
    o.roots = {root_.path()};
    o.grpc_listen = "127.0.0.1:0";
    o.metrics_listen = "127.0.0.1:0";
    o.out_path = logs_.Path("out");
    o.err_path = logs_.Path("err");
    process_ = std::make_unique<testing::HearthdProcess>(std::move(o));
    if (process_->WaitForLog("ready", 20s)) port_ = process_->LoggedMetricsPort(20s);
    if (port_ > 0) return;
    FAIL() << "hearthd did not start: " << ReadFileOrEmpty(logs_.Path("err"));
  }

  TempDir root_, logs_;
  std::unique_ptr<testing::HearthdProcess> process_;
  int port_ = 0;
};

TEST_F(MetricsHttpTest, ScrapeAnswersWhileConnectionsIdle) {
  std::vector<int> idle;
  for (int i = 0; i < 4; ++i) {
    const int fd = testing::ConnectLoopback(port_, 10);
    ASSERT_GE(fd, 0);
    idle.push_back(fd);
  }
  std::this_thread::sleep_for(100ms);  // let the server hand them to its threads
  const auto start = std::chrono::steady_clock::now();
  const std::string response = Request(port_, "GET", "/metrics");
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_THAT(response, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(response, HasSubstr("# TYPE hearth_ready gauge"));
  EXPECT_LT(took, 2s) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
  for (int fd : idle) close(fd);
}

TEST_F(MetricsHttpTest, IdleConnectionsAreClosedAfterTheRequestTimeout) {
  const int fd = testing::ConnectLoopback(port_, 10);
  ASSERT_GE(fd, 0);
  const auto start = std::chrono::steady_clock::now();
  char c;
  EXPECT_LE(read(fd, &c, 1), 0);  // closed by the server, not by our 10 s receive timeout
  EXPECT_LT(std::chrono::steady_clock::now() - start, 8s);
  close(fd);
}

TEST_F(MetricsHttpTest, HeadAnswers200WithoutABody) {
  const std::string response = Request(port_, "HEAD", "/metrics");
  EXPECT_THAT(response, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(response, HasSubstr("Content-Type: text/plain; version=0.0.4"));
  const size_t end = response.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos);
  EXPECT_EQ(end + 4, response.size()) << "HEAD must not send a body";
  EXPECT_THAT(Request(port_, "GET", "/nope"), StartsWith("HTTP/1.1 404"));
}

}  // namespace
}  // namespace hearth
