// GET /v1/watch as Server-Sent Events (server/http/sse_stream.cc) on real sockets: the snapshot,
// `synced` with its id, live updates, deletions and errors, coalescing, resume with Last-Event-ID
// with nothing lost or repeated, a reset for a foreign resume point, and the stream bound.

#include "server/http/sse_stream.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/config_engine.h"
#include "server/http/http_server.h"
#include "tests/fakes/http_get.h"
#include "tests/fakes/temp_dir.h"

namespace hearth::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

struct Event {
  std::string id, event, data;
};

// One SSE connection read with deadlines: never blocks a test forever.
class SseClient {
 public:
  SseClient(int port, const std::string& target, const std::string& last_event_id = "") {
    fd_ = hearth::testing::ConnectLoopback(port, 10);
    std::string request = absl::StrCat("GET ", target, " HTTP/1.1\r\nHost: x\r\n");
    if (!last_event_id.empty()) absl::StrAppend(&request, "Last-Event-ID: ", last_event_id, "\r\n");
    request += "\r\n";
    if (fd_ >= 0) send(fd_, request.data(), request.size(), MSG_NOSIGNAL);
  }
  ~SseClient() {
    if (fd_ >= 0) close(fd_);
  }
  // The status line and headers.
  std::string Head() {
    while (head_.empty() && Fill()) {
      const size_t end = buffer_.find("\r\n\r\n");
      if (end != std::string::npos) {
        head_ = buffer_.substr(0, end);
        buffer_.erase(0, end + 4);
      }
    }
    return head_;
  }
  // The next event (comments and `retry:` skipped), or an empty one at the deadline or EOF.
  Event Next(int timeout_ms = 10000) {
    Head();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
      const size_t end = buffer_.find("\n\n");
      if (end != std::string::npos) {
        const std::string block = buffer_.substr(0, end);
        buffer_.erase(0, end + 2);
        Event e;
        for (absl::string_view line : absl::StrSplit(block, '\n')) {
          if (absl::ConsumePrefix(&line, "id: ")) e.id = std::string(line);
          if (absl::ConsumePrefix(&line, "event: ")) e.event = std::string(line);
          if (absl::ConsumePrefix(&line, "data: ")) e.data = std::string(line);
        }
        if (!e.event.empty()) return e;
        continue;
      }
      if (std::chrono::steady_clock::now() >= deadline || !Fill(deadline)) return {};
    }
  }
  // Reads events until one named `event` (returned last).
  std::vector<Event> Until(const std::string& event) {
    std::vector<Event> out;
    for (int i = 0; i < 10000; ++i) {
      Event e = Next();
      if (e.event.empty()) break;
      out.push_back(e);
      if (e.event == event) return out;
    }
    ADD_FAILURE() << "no `" << event << "` event; got " << out.size() << " others";
    return out;
  }
  bool Closed(int timeout_ms) {  // the server closed the connection within the time
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Fill(deadline)) {
    }
    return eof_;
  }

 private:
  bool Fill(std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::now() +
                                                             std::chrono::seconds(10)) {
    if (fd_ < 0 || eof_) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd_, POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[65536];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool eof_ = false;
  std::string buffer_, head_;
};

class SseStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("app/00.toml", "v = 0\n");
    dir_.Write("team-a/one/00.toml", "v = 0\n");
    dir_.Write("other/00.toml", "v = 0\n");
    ConfigEngine::Options options;
    options.roots = {dir_.path()};
    options.load_threads = 1;
    engine_ = std::make_unique<ConfigEngine>(std::move(options));
    engine_->ScanAll();
  }
  void Start(HttpServer::Options options = {}) {
    options.listen = {"127.0.0.1:0"};
    options.instance_id = "test-instance";
    auto server = HttpServer::Start(std::move(options), &engine_->store());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    port_ = server_->ports()[0];
  }
  void Set(const std::string& name, int v) {
    dir_.WriteAtomic(name + "/00.toml", absl::StrCat("v = ", v, "\n"));
    engine_->Rebuild(name);
  }

  hearth::testing::TempDir dir_;
  std::unique_ptr<ConfigEngine> engine_;
  std::unique_ptr<HttpServer> server_;
  int port_ = 0;
};

TEST_F(SseStreamTest, SnapshotSyncedThenLiveUpdates) {
  Start();
  SseClient client(port_, "/v1/watch?names=app&prefixes=team-a/");
  EXPECT_THAT(client.Head(), StartsWith("HTTP/1.1 200 OK"));
  EXPECT_THAT(client.Head(), HasSubstr("Content-Type: text/event-stream"));
  std::vector<Event> snapshot = client.Until("synced");
  ASSERT_EQ(snapshot.size(), 3u) << "app and team-a/one, then synced; not other";
  EXPECT_EQ(snapshot[0].event, "snapshot");
  EXPECT_TRUE(snapshot[0].id.empty()) << "the backlog carries no id";
  EXPECT_THAT(snapshot[0].data + snapshot[1].data, HasSubstr("\"name\":\"app\""));
  EXPECT_THAT(snapshot[0].data + snapshot[1].data, HasSubstr("\"document\":{\"v\":0}"));
  EXPECT_EQ(snapshot[2].id, absl::StrCat(engine_->store().revision(), "@test-instance"));

  Set("other", 1);  // not watched
  Set("app", 1);
  Event update = client.Next();
  EXPECT_EQ(update.event, "updated");
  EXPECT_THAT(update.data, HasSubstr("\"name\":\"app\""));
  EXPECT_THAT(update.data, HasSubstr("\"document\":{\"v\":1}"));
  EXPECT_EQ(update.id, absl::StrCat(engine_->store().revision(), "@test-instance"));

  dir_.Write("app/10-bad.toml", "x = 1\nx = 2\n");
  engine_->Rebuild("app");
  Event error = client.Next();
  EXPECT_EQ(error.event, "config_error");
  EXPECT_THAT(error.data, HasSubstr("app/10-bad.toml:2:"));
  EXPECT_THAT(error.data, Not(HasSubstr("document")));

  dir_.Remove("team-a/one");
  engine_->ScanAll();
  Event deleted = client.Next();
  EXPECT_EQ(deleted.event, "deleted");
  EXPECT_THAT(deleted.data, HasSubstr("\"name\":\"team-a/one\""));
}

TEST_F(SseStreamTest, ResumeWithLastEventIdLosesAndRepeatsNothing) {
  Start();
  std::string last_id;
  {
    SseClient client(port_, "/v1/watch?names=app");
    last_id = client.Until("synced").back().id;
    Set("app", 1);
    last_id = client.Next().id;
  }
  // While disconnected: two changes to app (coalesced into its newest state), one to other.
  Set("app", 2);
  Set("app", 3);
  Set("other", 9);
  SseClient resumed(port_, "/v1/watch?names=app", last_id);
  std::vector<Event> caught_up = resumed.Until("synced");
  ASSERT_EQ(caught_up.size(), 2u);
  EXPECT_EQ(caught_up[0].event, "updated");
  EXPECT_THAT(caught_up[0].data, HasSubstr("\"document\":{\"v\":3}"));
  EXPECT_THAT(caught_up[1].id, StartsWith(absl::StrCat(engine_->store().revision(), "@")));
  // Resuming from the synced id again: nothing to send but synced.
  SseClient again(port_, "/v1/watch?names=app", caught_up[1].id);
  EXPECT_EQ(again.Until("synced").size(), 1u);
}

TEST_F(SseStreamTest, AForeignOrFutureResumePointGetsAResetSnapshot) {
  Start();
  for (const char* id : {"5@another-instance", "99999@test-instance", "garbage"}) {
    SseClient client(port_, "/v1/watch?names=app", id);
    std::vector<Event> events = client.Until("synced");
    ASSERT_GE(events.size(), 3u) << id;
    EXPECT_EQ(events[0].event, "reset") << id;
    EXPECT_EQ(events[1].event, "snapshot") << id;
  }
}

TEST_F(SseStreamTest, ABurstIsCoalescedPerConfigNotQueued) {
  Start();
  SseClient client(port_, "/v1/watch?names=app");
  client.Until("synced");
  for (int i = 1; i <= 50; ++i) Set("app", i);
  // Whatever was coalesced, the values arrive in order and the last one is the newest.
  int last = 0;
  uint64_t last_rev = 0;
  while (last < 50) {
    Event e = client.Next();
    ASSERT_EQ(e.event, "updated") << "stream ended at value " << last;
    const size_t at = e.data.find("\"v\":") + 4;
    const int v = std::stoi(e.data.substr(at));
    EXPECT_GT(v, last);
    const uint64_t rev = std::stoull(e.id.substr(0, e.id.find('@')));
    EXPECT_GT(rev, last_rev) << "ids only grow";
    last = v;
    last_rev = rev;
  }
}

TEST_F(SseStreamTest, StreamsAreBoundedAndFreedWhenClientsLeave) {
  HttpServer::Options options;
  options.max_watch_streams = 2;
  Start(options);
  auto a = std::make_unique<SseClient>(port_, "/v1/watch");
  auto b = std::make_unique<SseClient>(port_, "/v1/watch");
  a->Until("synced");
  b->Until("synced");
  SseClient c(port_, "/v1/watch");
  EXPECT_THAT(c.Head(), StartsWith("HTTP/1.1 429"));
  a.reset();  // the client leaves: its stream ends and frees its slot
  bool freed = false;
  for (int i = 0; i < 500 && !freed; ++i) {
    freed = server_->watch_streams() == 1;
    if (!freed) usleep(10000);
  }
  EXPECT_TRUE(freed);
  SseClient d(port_, "/v1/watch");
  EXPECT_THAT(d.Head(), StartsWith("HTTP/1.1 200"));
}

TEST_F(SseStreamTest, BadFiltersAreRefused) {
  Start();
  for (const char* target : {"/v1/watch?names=..", "/v1/watch?names=a%00b", "/v1/watch?prefixes=/x",
                             "/v1/watch?since_revision=soon", "/v1/watch?bogus=1"}) {
    SseClient client(port_, target);
    EXPECT_THAT(client.Head(), StartsWith("HTTP/1.1 400")) << target;
  }
}

}  // namespace
}  // namespace hearth::http
