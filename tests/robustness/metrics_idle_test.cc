// The metrics endpoint under idle and half-open connections (issue 7, item 8).
// Promise: /metrics answers while other connections idle (enough server threads, request
// timeouts), and HEAD /metrics works.
#include <unistd.h>

#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/fakes/http_get.h"
#include "tests/robustness/robustness_fixture.h"

namespace hearth::robustness {
namespace {

using testing::TempDir;

class MetricsIdleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_.Write("keep/a.toml", "x = 1\n");
    DaemonOptions o;
    o.metrics = true;
    daemon_ = std::make_unique<HostileDaemon>(root_.path(), o);
    ASSERT_TRUE(daemon_->WaitServing()) << daemon_->log_tail();
    port_ = daemon_->MetricsPort();
    ASSERT_GT(port_, 0) << daemon_->log_tail();
  }
  void TearDown() override {
    for (int fd : idle_) close(fd);
  }

  // Scrapes /metrics and returns how long it took (InfiniteDuration on failure).
  absl::Duration TimedScrape() {
    const absl::Time start = absl::Now();
    std::optional<std::string> body = testing::HttpGet(port_, "/metrics");
    if (!body || body->find("hearth_ready") == std::string::npos) return absl::InfiniteDuration();
    return absl::Now() - start;
  }

  TempDir root_;
  std::unique_ptr<HostileDaemon> daemon_;
  int port_ = 0;
  std::vector<int> idle_;
};

TEST_F(MetricsIdleTest, IdleConnectionsDoNotBlockScrapes) {
  for (int i = 0; i < 8; ++i) {
    int fd = testing::ConnectLoopback(port_);
    ASSERT_GE(fd, 0);
    idle_.push_back(fd);
  }
  const absl::Duration took = TimedScrape();
  EXPECT_LT(took, absl::Seconds(2))
      << "promise broken: /metrics answers while other connections idle; with 8 idle TCP "
         "connections the scrape took "
      << took << " (infinite: failed within the 5 s timeout)";
}

TEST_F(MetricsIdleTest, HalfSentRequestsDoNotBlockScrapes) {
  for (int i = 0; i < 8; ++i) {
    int fd = testing::ConnectLoopback(port_);
    ASSERT_GE(fd, 0);
    const std::string partial = "GET /metr";
    ASSERT_EQ(write(fd, partial.data(), partial.size()), static_cast<ssize_t>(partial.size()));
    idle_.push_back(fd);
  }
  const absl::Duration took = TimedScrape();
  EXPECT_LT(took, absl::Seconds(2))
      << "promise broken: /metrics answers while slow clients hold half-sent requests; the "
         "scrape took "
      << took;
}

TEST_F(MetricsIdleTest, HeadMetricsAnswers) {
  const std::string response =
      testing::HttpExchange(port_, "HEAD /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_TRUE(response.rfind("HTTP/1.", 0) == 0 &&
              response.substr(0, response.find("\r\n")).find(" 200") != std::string::npos)
      << "promise broken: HEAD /metrics works; got: " << response.substr(0, 200);
  EXPECT_EQ(response.find("hearth_ready"), std::string::npos) << "HEAD must not carry a body";
  EXPECT_LT(TimedScrape(), absl::Seconds(2)) << "GET /metrics still works after HEAD";
}

}  // namespace
}  // namespace hearth::robustness
