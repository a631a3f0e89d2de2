// The HTTP API of the real hearthd (`--http-listen`), driven by curl as an operator would: every
// endpoint, ETag and 304, a blocking GET woken by an editor's save (real inotify, real rebuild),
// the last-known-good with its errors header, readiness, and SIGTERM with a request parked.

#include <signal.h>

#include <chrono>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/hearthd_process.h"
#include "tests/fakes/subprocess.h"
#include "tests/fakes/temp_dir.h"

namespace hearth {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::RunCommand;
using ::testing::StartsWith;
using testing::TempDir;

class HttpApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_.Write("payments/00-base.toml", "[db]\nhost = \"db.internal\"\nport = 5432\n");
    root_.Write("payments/10-db.production.toml", "[db]\nhost = \"prod\"\n");
    root_.Write("team-a/billing/00.yaml", "plan: gold\n");
    hearthd_ = std::make_unique<testing::HearthdProcess>(
        testing::UnixSocketOptions(state_, {root_.path()}, {"--http-listen", "127.0.0.1:0"}));
    ASSERT_TRUE(hearthd_->WaitServing()) << hearthd_->log();
    port_ = hearthd_->LoggedHttpPort();
    ASSERT_GT(port_, 0) << hearthd_->log();
  }

  testing::RunResult Curl(std::vector<std::string> args) {
    args.insert(args.begin(), {"/usr/bin/curl", "-sS", "--max-time", "20"});
    return RunCommand(args, 30s);
  }
  std::string Url(const std::string& target) const {
    return absl::StrCat("http://127.0.0.1:", port_, target);
  }
  static std::string Header(const std::string& response, const std::string& name) {
    const size_t at = response.find("\r\n" + name + ": ");
    if (at == std::string::npos) return "";
    const size_t from = at + name.size() + 4;
    return response.substr(from, response.find("\r\n", from) - from);
  }

  TempDir root_, state_;
  std::unique_ptr<testing::HearthdProcess> hearthd_;
  int port_ = 0;
};

TEST_F(HttpApiTest, EveryEndpointWithCurl) {
  auto doc = Curl({"-i", Url("/v1/configs/payments?profile=production&path=db")});
  ASSERT_EQ(doc.exit_code, 0) << doc.err;
  EXPECT_THAT(doc.out, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(doc.out, HasSubstr("\r\n\r\n{\"host\":\"prod\",\"port\":5432}\n"));
  EXPECT_EQ(Header(doc.out, "Content-Type"), "application/json");
  EXPECT_FALSE(Header(doc.out, "ETag").empty());
  EXPECT_FALSE(Header(doc.out, "X-Hearth-Revision").empty());

  auto env = Curl({Url("/v1/configs/payments?path=db&format=env")});
  EXPECT_EQ(env.out, "HOST=db.internal\nPORT=5432\n");
  auto nested = Curl({Url("/v1/configs/team-a/billing?format=toml")});
  EXPECT_EQ(nested.out, "plan = \"gold\"\n");

  auto list = Curl({Url("/v1/configs?prefix=team-a/")});
  EXPECT_THAT(list.out, HasSubstr("\"name\":\"team-a/billing\""));
  EXPECT_THAT(list.out, HasSubstr("\"health\":\"OK\""));

  EXPECT_EQ(Curl({Url("/healthz")}).out, "ok\n");
  EXPECT_EQ(Curl({Url("/readyz")}).out, "ready\n");

  auto missing = Curl({"-o", "/dev/stderr", "-w", "%{http_code}", Url("/v1/configs/nope")});
  EXPECT_EQ(missing.out, "404");
  EXPECT_THAT(missing.err, HasSubstr("\"code\":\"NOT_FOUND\""));
  auto traversal = Curl({"--path-as-is", "-o", "/dev/null", "-w", "%{http_code}",
                         Url("/v1/configs/../../etc/passwd")});
  EXPECT_EQ(traversal.out, "400");
}

TEST_F(HttpApiTest, WatchBlameAndValidateWithCurl) {
  auto sse = Curl({"-N", "--max-time", "2", Url("/v1/watch?names=payments")});
  EXPECT_EQ(sse.exit_code, 28) << "curl's own timeout ends the stream";
  EXPECT_THAT(sse.out,
              HasSubstr("event: snapshot\ndata: {\"type\":\"SNAPSHOT\",\"name\":\"payments\""));
  EXPECT_THAT(sse.out, HasSubstr("event: synced"));
  auto blame = Curl({Url("/v1/blame/payments?profile=production&path=db.host")});
  EXPECT_THAT(blame.out, HasSubstr("\"set_by\":{\"file\":\"payments/10-db.production.toml\""));
  auto valid = Curl(
      {"-X", "POST", "-d",
       R"({"name":"payments","files":[{"file_name":"20-x.yaml","content":"db:\n  port: 1\n"}]})",
       Url("/v1/validate")});
  EXPECT_THAT(valid.out, HasSubstr("\"valid\":true"));
  EXPECT_THAT(valid.out,
              HasSubstr("{\"path\":\"db.port\",\"op\":\"CHANGED\",\"old\":5432,\"new\":1}"));
  auto invalid =
      Curl({"-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-d", "{", Url("/v1/validate")});
  EXPECT_EQ(invalid.out, "400");
  auto openapi = Curl({Url("/v1/openapi.json")});
  EXPECT_THAT(openapi.out, HasSubstr("\"/v1/watch\""));
}

TEST_F(HttpApiTest, EtagAnd304AndABlockingGetWokenByAnEdit) {
  auto first = Curl({"-i", Url("/v1/configs/payments")});
  const std::string etag = Header(first.out, "ETag");
  ASSERT_FALSE(etag.empty()) << first.out;
  auto same = Curl({"-o", "/dev/null", "-w", "%{http_code}", "-H", "If-None-Match: " + etag,
                    Url("/v1/configs/payments")});
  EXPECT_EQ(same.out, "304");

  std::thread editor([&] {
    std::this_thread::sleep_for(300ms);  // the blocking GET is parked by then; if not, it
                                         // answers at once with the new etag, also correct
    root_.WriteAtomic("payments/00-base.toml", "[db]\nhost = \"db.internal\"\nport = 6543\n");
  });
  const auto started = std::chrono::steady_clock::now();
  auto woken = Curl({"-i", "-H", "If-None-Match: " + etag, Url("/v1/configs/payments?wait=15s")});
  const auto took = std::chrono::steady_clock::now() - started;
  editor.join();
  EXPECT_THAT(woken.out, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(woken.out, HasSubstr("\"port\":6543"));
  EXPECT_NE(Header(woken.out, "ETag"), etag);
  EXPECT_LT(took, 10s);
}

TEST_F(HttpApiTest, ABadEditServesTheLastKnownGoodAndSaysSo) {
  root_.WriteAtomic("payments/20-bad.toml", "x = 1\nx = 2\n");
  bool flagged = false;
  testing::RunResult r;
  for (int i = 0; i < 200 && !flagged; ++i) {
    r = Curl({"-i", Url("/v1/configs/payments")});
    flagged = !Header(r.out, "X-Hearth-Errors").empty();
    if (!flagged) std::this_thread::sleep_for(25ms);
  }
  ASSERT_TRUE(flagged) << r.out;
  EXPECT_THAT(r.out, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(Header(r.out, "X-Hearth-Errors"), HasSubstr("payments/20-bad.toml:2:"));
  EXPECT_THAT(r.out, HasSubstr("\"port\":5432"));
}

TEST_F(HttpApiTest, SigtermWithAParkedRequestStopsPromptly) {
  testing::Subprocess parked({"/usr/bin/curl", "-s", "--max-time", "30", "-H", "If-None-Match: *",
                              Url("/v1/configs/payments?wait=60s")},
                             state_.Path("curl.out"), state_.Path("curl.err"));
  std::this_thread::sleep_for(200ms);
  const auto started = std::chrono::steady_clock::now();
  hearthd_->Signal(SIGTERM);
  EXPECT_EQ(hearthd_->Wait(20s), 0) << hearthd_->log();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_GE(parked.Wait(10s), 0) << "the parked request ends with the connection";
}

}  // namespace
}  // namespace hearth
