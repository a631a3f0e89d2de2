// The HTTP server on real sockets (server/http/http_server.cc, http_session.cc): curl as the
// client, keep-alive, blocking GETs woken by a rebuild, and hostile connections: slowloris, huge
// headers and bodies, garbage, too many connections and waiters. The server must answer or close,
// never crash or hang, and keep serving.

#include "server/http/http_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/config_engine.h"
#include "tests/fakes/http_get.h"
#include "tests/fakes/subprocess.h"
#include "tests/fakes/temp_dir.h"

namespace hearth::http {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using namespace std::chrono_literals;

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("payments/00-base.toml", "[db]\nport = 5432\n");
    ConfigEngine::Options options;
    options.roots = {dir_.path()};
    options.load_threads = 1;
    engine_ = std::make_unique<ConfigEngine>(std::move(options));
    engine_->ScanAll();
  }
  void Start(HttpServer::Options options = {}) {
    options.listen = {"127.0.0.1:0"};
    auto server = HttpServer::Start(std::move(options), &engine_->store());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    port_ = server_->ports()[0];
  }
  std::string Url(const std::string& target) const {
    return absl::StrCat("http://127.0.0.1:", port_, target);
  }
  hearth::testing::RunResult Curl(std::vector<std::string> args) {
    args.insert(args.begin(), {"/usr/bin/curl", "-s", "--max-time", "20"});
    return hearth::testing::RunCommand(args, 30s);
  }
  // Whether the server still answers a plain request.
  bool Serving() { return hearth::testing::HttpGet(port_, "/healthz").has_value(); }

  hearth::testing::TempDir dir_;
  std::unique_ptr<ConfigEngine> engine_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

TEST_F(HttpServerTest, CurlGetsTheDocumentAndA304) {
  Start();
  auto got = Curl({"-i", Url("/v1/configs/payments")});
  ASSERT_EQ(got.exit_code, 0) << got.err;
  EXPECT_THAT(got.out, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(got.out, HasSubstr("Content-Type: application/json\r\n"));
  EXPECT_THAT(got.out, HasSubstr("X-Hearth-Revision: 1\r\n"));
  EXPECT_THAT(got.out, HasSubstr("\r\n\r\n{\"db\":{\"port\":5432}}\n"));
  const size_t at = got.out.find("ETag: ") + 6;
  const std::string etag = got.out.substr(at, got.out.find("\r\n", at) - at);
  auto same = Curl({"-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "If-None-Match: " + etag,
                    Url("/v1/configs/payments")});
  EXPECT_EQ(same.out, "304");
  auto head = Curl({"-I", Url("/v1/configs/payments")});
  EXPECT_THAT(head.out, HasSubstr("Content-Length: 21\r\n")) << head.out;
}

TEST_F(HttpServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  Start();
  std::string requests;
  for (int i = 0; i < 3; ++i) {
    requests += "GET /v1/configs/payments HTTP/1.1\r\nHost: x\r\n\r\n";
  }
  requests += "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::string out = hearth::testing::HttpExchange(port_, requests);
  size_t count = 0;
  for (size_t at = out.find("HTTP/1.1 200"); at != std::string::npos;
       at = out.find("HTTP/1.1 200", at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 4u) << out;
}

TEST_F(HttpServerTest, ABlockingGetReturnsWhenTheConfigChanges) {
  Start();
  auto first = Curl({"-i", Url("/v1/configs/payments")});
  const size_t at = first.out.find("ETag: ") + 6;
  const std::string etag = first.out.substr(at, first.out.find("\r\n", at) - at);
  std::thread editor([&] {
    // Once the request is parked (bounded poll), change the config.
    for (int i = 0; i < 500 && server_->waiting_requests() == 0; ++i) {
      std::this_thread::sleep_for(10ms);
    }
    dir_.WriteAtomic("payments/00-base.toml", "[db]\nport = 6543\n");
    engine_->Rebuild("payments");
  });
  const auto started = std::chrono::steady_clock::now();
  auto woken = Curl({"-H", "If-None-Match: " + etag, Url("/v1/configs/payments?wait=20s")});
  const auto took = std::chrono::steady_clock::now() - started;
  editor.join();
  EXPECT_EQ(woken.out, "{\"db\":{\"port\":6543}}\n");
  EXPECT_LT(took, 10s) << "woken by the change, not by the deadline";
  // No change: 304 at the deadline.
  auto timed_out = Curl({"-o", "/dev/null", "-w", "%{http_code}", "-H", "If-None-Match: *",
                         Url("/v1/configs/payments?wait=300ms")});
  EXPECT_EQ(timed_out.out, "304");
}

TEST_F(HttpServerTest, TooManyWaitersGet429) {
  HttpServer::Options options;
  options.max_waiters = 1;
  Start(options);
  std::thread parked([&] {
    Curl({"-H", "If-None-Match: *", Url("/v1/configs/payments?wait=2s")});
  });
  for (int i = 0; i < 500 && server_->waiting_requests() == 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(server_->waiting_requests(), 1u);
  auto second = Curl({"-o", "/dev/null", "-w", "%{http_code}", "-H", "If-None-Match: *",
                      Url("/v1/configs/payments?wait=2s")});
  parked.join();
  EXPECT_EQ(second.out, "429");
  EXPECT_TRUE(Serving());
}

TEST_F(HttpServerTest, HostileConnectionsAreAnsweredOrClosed) {
  HttpServer::Options options;
  options.limits.request_timeout = 300ms;
  options.limits.max_body_bytes = 1024;
  options.limits.max_header_bytes = 2048;
  Start(options);
  // Slowloris: half a request line, then silence. Closed at the timeout, not held.
  const auto started = std::chrono::steady_clock::now();
  const std::string slow = hearth::testing::HttpExchange(port_, "GET /v1/configs/pay", 5);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  EXPECT_EQ(slow, "");
  // Huge headers: 431; huge body: 413; garbage: 400.
  EXPECT_THAT(hearth::testing::HttpExchange(
                  port_, "GET / HTTP/1.1\r\nX-Pad: " + std::string(4000, 'a') + "\r\n\r\n"),
              StartsWith("HTTP/1.1 431"));
  EXPECT_THAT(hearth::testing::HttpExchange(
                  port_, "POST /v1/configs/payments HTTP/1.1\r\nContent-Length: 100000\r\n\r\n" +
                             std::string(5000, 'x')),
              StartsWith("HTTP/1.1 413"));
  EXPECT_THAT(hearth::testing::HttpExchange(port_, "\x01\x02 garbage\r\n\r\n"),
              StartsWith("HTTP/1.1 400"));
  EXPECT_THAT(hearth::testing::HttpExchange(port_, "GET /v1/configs/a%00b HTTP/1.1\r\n\r\n"),
              StartsWith("HTTP/1.1 400"));
  EXPECT_THAT(hearth::testing::HttpExchange(
                  port_, "GET /v1/configs/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\n\r\n"),
              StartsWith("HTTP/1.1 400"));
  EXPECT_TRUE(Serving());
}

TEST_F(HttpServerTest, ConnectionsOverTheCapAreClosed) {
  HttpServer::Options options;
  options.max_connections = 2;
  options.limits.request_timeout = 2s;
  Start(options);
  const int a = hearth::testing::ConnectLoopback(port_);
  const int b = hearth::testing::ConnectLoopback(port_);
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  for (int i = 0; i < 500 && server_->open_connections() < 2; ++i) {
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(hearth::testing::HttpExchange(port_, "GET /healthz HTTP/1.1\r\n\r\n", 2), "")
      << "a third connection is closed at once";
  close(a);
  close(b);
  bool served = false;
  for (int i = 0; i < 200 && !served; ++i) {
    served = Serving();
    if (!served) std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(served) << "room again once the others closed";
}

TEST_F(HttpServerTest, BadListenAddressesAreErrors) {
  for (const char* listen : {"nonsense", "127.0.0.1:99999", "example.com:80", "[::1"}) {
    HttpServer::Options options;
    options.listen = {listen};
    EXPECT_FALSE(HttpServer::Start(options, &engine_->store()).ok()) << listen;
  }
}

}  // namespace
}  // namespace hearth::http
