// Hostile HTTP clients against the real hearthd (--http-listen): slow and silent connections,
// huge headers and bodies, garbage bytes, absurd query values and a thousand parked blocking
// GETs. Promise: each gets a clear 4xx, a 304 at its deadline, or is closed at the request
// timeout; memory stays bounded; gRPC and HTTP keep serving the last-known-good throughout.

#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/http_get.h"
#include "tests/robustness/robustness_fixture.h"

namespace hearth::robustness {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::TempDir;

class HttpAttackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_.Write("keep/a.toml", "x = 1\n[db]\nhost = \"h\"\n");
    DaemonOptions o;
    o.extra_flags = {"--http-listen", "127.0.0.1:0", "--http-request-timeout", "1s"};
    daemon_ = std::make_unique<HostileDaemon>(root_.path(), o);
    ASSERT_TRUE(daemon_->WaitServing()) << daemon_->log_tail();
    port_ = daemon_->HttpPort();
    ASSERT_GT(port_, 0) << daemon_->log_tail();
    keep_ = Capture(*daemon_, "keep");
  }

  // One request over a fresh connection: what came back before the server closed.
  std::string Exchange(const std::string& bytes, int timeout_seconds = 5) {
    return testing::HttpExchange(port_, bytes, timeout_seconds);
  }
  bool HttpServes() {
    const std::optional<std::string> body = testing::HttpGet(port_, "/v1/configs/keep");
    return body.has_value() && *body == keep_.json + "\n";
  }

  TempDir root_;
  std::unique_ptr<HostileDaemon> daemon_;
  int port_ = 0;
  Served keep_;
};

TEST_F(HttpAttackTest, SlowAndSilentConnectionsAreClosedAtTheRequestTimeout) {
  std::vector<int> sockets;
  for (int i = 0; i < 300; ++i) {
    const int fd = testing::ConnectLoopback(port_, 10);
    ASSERT_GE(fd, 0);
    if (i % 2 == 0) {
      const std::string partial = "GET /v1/configs/keep HTTP/1.1\r\nHost: x\r\nX-Slow: ";
      ASSERT_GT(send(fd, partial.data(), partial.size(), MSG_NOSIGNAL), 0);
    }
    sockets.push_back(fd);
  }
  EXPECT_TRUE(HttpServes()) << "promise broken: 300 slow clients starve real ones";
  EXPECT_TRUE(daemon_->ServesCorrectly(keep_.name, keep_.json, keep_.etag));
  // Every one of them is closed by the server: a read returns 0 (EOF) within the bound.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  int closed = 0;
  for (int fd : sockets) {
    char buf[512];
    while (absl::Now() < deadline) {
      const ssize_t n = recv(fd, buf, sizeof buf, 0);  // 10 s receive timeout on the socket
      if (n <= 0) break;  // closed (maybe after a 4xx for the half request)
    }
    ++closed;
    close(fd);
  }
  EXPECT_EQ(closed, 300);
  EXPECT_LT(absl::Now(), deadline) << "promise broken: slow connections are held open";
  EXPECT_TRUE(HttpServes());
}

TEST_F(HttpAttackTest, OversizeAndGarbageRequestsGetA4xx) {
  EXPECT_THAT(
      Exchange("GET /v1/configs/keep HTTP/1.1\r\nX: " + std::string(64 << 10, 'a') + "\r\n\r\n"),
      StartsWith("HTTP/1.1 431"));
  // A body far over the limit is refused from its Content-Length, not read.
  EXPECT_THAT(Exchange("POST /v1/configs/keep HTTP/1.1\r\nContent-Length: 104857600\r\n\r\n" +
                       std::string(64 << 10, 'x')),
              StartsWith("HTTP/1.1 413"));
  std::mt19937 rng(42);
  for (int i = 0; i < 100; ++i) {
    std::string junk(1 + rng() % 600, '\0');
    for (char& c : junk) c = static_cast<char>(rng());
    junk += "\r\n\r\n";
    const std::string answer = Exchange(junk, 3);
    EXPECT_TRUE(answer.empty() || answer.starts_with("HTTP/1.1 4")) << answer.substr(0, 40);
  }
  for (const char* target :
       {"/v1/configs/%00", "/v1/configs/..%2f..%2fetc%2fpasswd", "/v1/configs/%2e%2e",
        "/v1/configs/keep?wait=99999999999999999999h", "/v1/configs/keep?wait=1e308s",
        "/v1/configs?page_size=-1", "/v1/configs?page_size=99999999999999999999999",
        "/v1/configs/keep?format=%ff%fe", "/v1/configs/keep?path=%c0%ae%c0%ae"}) {
    const std::string answer = Exchange(absl::StrCat("GET ", target, " HTTP/1.1\r\n\r\n"));
    EXPECT_THAT(answer, StartsWith("HTTP/1.1 4")) << target;
    EXPECT_THAT(answer, HasSubstr("\"code\":\"")) << target;
  }
  EXPECT_TRUE(HttpServes());
  EXPECT_TRUE(daemon_->ServesCorrectly(keep_.name, keep_.json, keep_.etag));
}

TEST_F(HttpAttackTest, AThousandParkedBlockingGetsCostLittleAndEndAtTheirDeadline) {
  const uint64_t before = daemon_->PeakRssBytes();
  std::vector<int> sockets;
  const std::string request =
      "GET /v1/configs/keep?wait=2s HTTP/1.1\r\nHost: x\r\nIf-None-Match: *\r\n\r\n";
  for (int i = 0; i < 1000; ++i) {
    const int fd = testing::ConnectLoopback(port_, 10);
    ASSERT_GE(fd, 0) << i;
    ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(request.size()));
    sockets.push_back(fd);
  }
  EXPECT_TRUE(HttpServes()) << "parked requests hold no thread";
  int answered = 0;
  for (int fd : sockets) {
    char buf[1024];
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n > 0 && std::string(buf, n).starts_with("HTTP/1.1 304")) ++answered;
    close(fd);
  }
  EXPECT_EQ(answered, 1000) << "each answered 304 at its deadline";
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // one RSS sample after
  const uint64_t after = daemon_->PeakRssBytes();
  EXPECT_LT(after - before, uint64_t{32} << 20)
      << "promise broken: 1,000 waits cost " << (after - before) << " bytes";
  EXPECT_TRUE(daemon_->ServesCorrectly(keep_.name, keep_.json, keep_.etag));
}

}  // namespace
}  // namespace hearth::robustness
