// File access against the real hearthd: FIFOs, symlinks leading out of the root, the ConfigMap
// layout, unreadable directories (the daemon runs unprivileged so that chmod 000 denies), and
// symlinked roots and directories re-pointed while it runs.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "hearth/v1/config_service.grpc.pb.h"
#include "tests/fakes/hearthd_process.h"
#include "tests/fakes/rpc/watch_stream.h"
#include "tests/fakes/subprocess.h"
#include "tests/fakes/temp_dir.h"

namespace hearth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::TempDir;
using namespace std::chrono_literals;
namespace v1 = ::hearth::v1;

constexpr uid_t kNobody = 65534;

// hearthd over `roots` on a unix socket in `state`; `unprivileged`: as uid/gid 65534 (setpriv).
class Hearthd : public testing::HearthdProcess {
 public:
  Hearthd(const std::vector<std::string>& roots, const TempDir& state, bool unprivileged = false,
          std::vector<std::string> extra = {})
      : HearthdProcess(Options(roots, state, unprivileged, std::move(extra))),
        stub_(testing::NewInsecureStub(server())) {}

  v1::ConfigService::Stub* stub() { return stub_.get(); }

  // GetConfig; an error status comes back as a response with only `errors` set to its message.
  v1::GetConfigResponse Get(const std::string& name) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 10s);
    v1::GetConfigRequest req;
    req.set_name(name);
    v1::GetConfigResponse resp;
    grpc::Status s = stub_->GetConfig(&ctx, req, &resp);
    if (!s.ok()) {
      resp.Clear();
      resp.add_errors("status " + std::to_string(s.error_code()) + ": " + s.error_message());
    }
    return resp;
  }
  std::string Errors(const std::string& name) {
    std::string all;
    const v1::GetConfigResponse r = Get(name);
    for (const std::string& e : r.errors()) all += e + "\n";
    return all;
  }
  // Waits (bounded) until `pred(Get(name))` holds.
  template <typename Pred>
  bool WaitFor(const std::string& name, Pred pred, absl::Duration timeout = absl::Seconds(15)) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      if (pred(Get(name))) return true;
      absl::SleepFor(absl::Milliseconds(10));
    }
    return pred(Get(name));
  }
  bool WaitJson(const std::string& name, const std::string& json) {
    return WaitFor(name, [&](const v1::GetConfigResponse& r) { return r.json() == json; });
  }
  bool WaitError(const std::string& name, const std::string& part) {
    return WaitFor(name, [&](const v1::GetConfigResponse& r) {
      for (const std::string& e : r.errors()) {
        if (absl::StrContains(e, part)) return true;
      }
      return false;
    });
  }

  // SIGTERM; true if it exits cleanly in time.
  bool Stop() {
    Signal(SIGTERM);
    return Wait(15s) == 0;
  }

 private:
  static testing::HearthdOptions Options(const std::vector<std::string>& roots,
                                         const TempDir& state, bool unprivileged,
                                         std::vector<std::string> extra) {
    extra.insert(extra.begin(), {"--debounce", "2ms", "--shutdown-grace", "1s"});
    testing::HearthdOptions o = testing::UnixSocketOptions(state, roots, std::move(extra));
    if (unprivileged) o.prefix = testing::UnprivilegedPrefix();
    return o;
  }

  std::unique_ptr<v1::ConfigService::Stub> stub_;
};

// Collects the events a WatchConfigs stream (every config) delivers.
class EventLog : public testing::WatchStream {
 public:
  explicit EventLog(v1::ConfigService::Stub* stub) : WatchStream(stub, v1::WatchConfigsRequest()) {}
};

void Symlink(const std::string& target, const std::string& link) {
  ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0) << link;
}

// Replaces `link` by a symlink to `target` atomically (ln -sfn by rename).
void Repoint(const std::string& target, const std::string& link) {
  const std::string tmp = link + ".tmp";
  unlink(tmp.c_str());
  ASSERT_EQ(symlink(target.c_str(), tmp.c_str()), 0);
  ASSERT_EQ(rename(tmp.c_str(), link.c_str()), 0);
}

TEST(FileAccessTest, FifosNeverWedgeTheDaemon) {
  TempDir root, state;
  root.Write("a/x.json", R"({"a":1})");
  root.Write("b/x.json", R"({"b":1})");
  root.Write("c/x.json", R"({"c":1})");
  Hearthd daemon({root.path()}, state);
  ASSERT_TRUE(daemon.WaitHealth(true)) << daemon.err();

  // A FIFO as _schema.json: an error on that config, and the pipeline goes on.
  ASSERT_EQ(mkfifo(root.Path("a/_schema.json").c_str(), 0644), 0);
  EXPECT_TRUE(daemon.WaitError("a", "a/_schema.json")) << daemon.Errors("a");
  EXPECT_THAT(daemon.Errors("a"), HasSubstr("not a regular file"));
  EXPECT_EQ(daemon.Get("a").json(), R"({"a":1})");  // last-known-good
  root.WriteAtomic("b/x.json", R"({"b":2})");
  EXPECT_TRUE(daemon.WaitJson("b", R"({"b":2})"));

  // A FIFO renamed over a config file.
  ASSERT_EQ(mkfifo(root.Path("b/fifo.tmp").c_str(), 0644), 0);
  ASSERT_EQ(rename(root.Path("b/fifo.tmp").c_str(), root.Path("b/x.json").c_str()), 0);
  EXPECT_TRUE(daemon.WaitError("b", "b/x.json")) << daemon.Errors("b");
  EXPECT_EQ(daemon.Get("b").json(), R"({"b":2})");
  root.WriteAtomic("c/x.json", R"({"c":2})");
  EXPECT_TRUE(daemon.WaitJson("c", R"({"c":2})"));

  // A full rescan walks past both, and the daemon stays healthy and stops on SIGTERM.
  daemon.process().Signal(SIGHUP);
  root.WriteAtomic("c/x.json", R"({"c":3})");
  EXPECT_TRUE(daemon.WaitJson("c", R"({"c":3})"));
  EXPECT_TRUE(daemon.Healthy());
  EXPECT_TRUE(daemon.Stop()) << daemon.err();
}

TEST(FileAccessTest, SymlinksOutOfTheRootAreRefusedAndLeakNothing) {
  TempDir root, outside, state;
  outside.Write("secret.json", R"({"password":"TOPSECRET"})");
  root.Write("a/x.json", R"({"a":1})");
  root.Write("b/x.json", R"({"b":1})");
  root.Write("c/x.json", R"({"c":1})");
  Hearthd daemon({root.path()}, state);
  ASSERT_TRUE(daemon.WaitHealth(true)) << daemon.err();
  EventLog events(daemon.stub());

  Symlink(outside.Path("secret.json"), root.Path("a/y.json"));
  Symlink("/proc/self/environ", root.Path("b/_schema.json"));
  Symlink(outside.path(), root.Path("outdir"));  // a config directory out of the root
  EXPECT_TRUE(daemon.WaitError("a", "a/y.json: symlink resolves outside the root"))
      << daemon.Errors("a");
  EXPECT_TRUE(daemon.WaitError("b", "b/_schema.json")) << daemon.Errors("b");
  EXPECT_THAT(daemon.Errors("b"), HasSubstr("outside the root"));
  EXPECT_EQ(daemon.Get("a").json(), R"({"a":1})");
  // Flip c's file between an inside and an outside target for a while: never served.
  root.Write("c/inside.json", R"({"c":2})");
  const absl::Time end = absl::Now() + absl::Seconds(2);
  for (int i = 0; absl::Now() < end; ++i) {
    Repoint(i % 2 ? outside.Path("secret.json") : "inside.json", root.Path("c/z.json"));
  }
  Repoint("inside.json", root.Path("c/z.json"));
  EXPECT_TRUE(daemon.WaitJson("c", R"({"c":2})")) << daemon.Errors("c");

  for (const char* name : {"a", "b", "c", "outdir"}) {
    v1::GetConfigResponse r = daemon.Get(name);
    EXPECT_THAT(r.json(), Not(HasSubstr("TOPSECRET"))) << name;
    for (const std::string& e : r.errors()) {
      EXPECT_THAT(e, Not(HasSubstr("TOPSECRET"))) << name;
      EXPECT_THAT(e, Not(HasSubstr(outside.path()))) << name;
      EXPECT_THAT(e, Not(HasSubstr(root.path()))) << name;  // paths relative to the root
    }
  }
  EXPECT_THAT(daemon.Errors("outdir"), HasSubstr("status 5"));  // NOT_FOUND: not a config
  EXPECT_THAT(daemon.err(), Not(HasSubstr("TOPSECRET")));
  EXPECT_FALSE(events.Saw("outdir", v1::WATCH_EVENT_TYPE_UPDATED));
  EXPECT_TRUE(daemon.Stop()) << daemon.err();
}

TEST(FileAccessTest, InsideSymlinksAndTheConfigMapLayoutWork) {
  TempDir root, state;
  root.Write("app/..2024_01_01.1/app.json", R"({"v":1})");
  Symlink("..2024_01_01.1", root.Path("app/..data"));
  Symlink("..data/app.json", root.Path("app/app.json"));
  root.Write("shared/base.json", R"({"base":true})");
  root.MakeDirs("svc");
  Symlink(root.Path("shared/base.json"), root.Path("svc/00-base.json"));  // absolute, inside
  Hearthd daemon({root.path()}, state);
  ASSERT_TRUE(daemon.WaitHealth(true)) << daemon.err();
  EXPECT_EQ(daemon.Get("app").json(), R"({"v":1})");
  EXPECT_EQ(daemon.Get("svc").json(), R"({"base":true})");
  root.Write("app/..2024_01_01.2/app.json", R"({"v":2})");
  Repoint("..2024_01_01.2", root.Path("app/..data"));
  EXPECT_TRUE(daemon.WaitJson("app", R"({"v":2})")) << daemon.Errors("app");
  EXPECT_TRUE(daemon.Stop()) << daemon.err();
}

TEST(FileAccessTest, UnreadableDirectoryKeepsTheLastKnownGood) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to start hearthd as another user";
  TempDir root, state;
  root.Write("a/x.json", R"({"a":1})");
  root.Write("team/b/x.json", R"({"b":1})");
  root.Write("ok/x.json", R"({"ok":1})");
  // The unprivileged daemon must reach the tree and create its socket.
  ASSERT_EQ(chmod(root.path().c_str(), 0755), 0);
  ASSERT_EQ(chmod(state.path().c_str(), 0777), 0);
  Hearthd daemon({root.path()}, state, /*unprivileged=*/true);
  ASSERT_TRUE(daemon.WaitHealth(true)) << daemon.err();
  ASSERT_EQ(daemon.Get("a").json(), R"({"a":1})");
  EventLog events(daemon.stub());

  ASSERT_EQ(chmod(root.Path("a").c_str(), 0), 0);
  ASSERT_EQ(chmod(root.Path("team").c_str(), 0), 0);
  daemon.process().Signal(SIGHUP);  // the full rescan meets `team` unreadable, too
  EXPECT_TRUE(daemon.WaitError("a", "a: ")) << daemon.Errors("a");
  EXPECT_THAT(daemon.Errors("a"), HasSubstr("Permission denied"));
  // The full rescan names `team` (it cannot list it); a rebuild of team/b that an inotify event
  // triggers in between names team/b (it cannot open it through `team`). Either way: kept.
  EXPECT_TRUE(daemon.WaitError("team/b", "Permission denied")) << daemon.Errors("team/b");
  EXPECT_THAT(daemon.Errors("team/b"), ::testing::StartsWith("team"));
  EXPECT_EQ(daemon.Get("a").json(), R"({"a":1})");
  EXPECT_EQ(daemon.Get("team/b").json(), R"({"b":1})");
  EXPECT_THAT(daemon.Errors("a"), Not(HasSubstr(root.path())));
  root.WriteAtomic("ok/x.json", R"({"ok":2})");
  EXPECT_TRUE(daemon.WaitJson("ok", R"({"ok":2})"));
  EXPECT_TRUE(daemon.Healthy());

  // An unreadable root: not ready, still serving the last-known-good.
  ASSERT_EQ(chmod(root.path().c_str(), 0), 0);
  EXPECT_TRUE(daemon.WaitHealth(false)) << daemon.err();
  EXPECT_EQ(daemon.Get("ok").json(), R"({"ok":2})");
  ASSERT_EQ(chmod(root.path().c_str(), 0755), 0);
  ASSERT_EQ(chmod(root.Path("a").c_str(), 0755), 0);
  ASSERT_EQ(chmod(root.Path("team").c_str(), 0755), 0);
  EXPECT_TRUE(daemon.WaitHealth(true)) << daemon.err();
  EXPECT_TRUE(daemon.WaitFor("a", [](const v1::GetConfigResponse& r) {
    return r.errors_size() == 0 && r.json() == R"({"a":1})";
  })) << daemon.Errors("a");
  EXPECT_FALSE(events.Saw("a", v1::WATCH_EVENT_TYPE_DELETED));
  EXPECT_FALSE(events.Saw("team/b", v1::WATCH_EVENT_TYPE_DELETED));
  EXPECT_THAT(daemon.err(), HasSubstr("not ready: root"));
  EXPECT_TRUE(daemon.Stop()) << daemon.err();
}

TEST(FileAccessTest, SymlinkedRootAndDirectoryAreFollowedWithoutSighup) {
  TempDir base, state;
  base.Write("v1/app/x.json", R"({"v":1})");
  base.Write("v2/app/x.json", R"({"v":2})");
  base.Write("v2/.releases/r1/x.json", R"({"r":1})");
  base.Write("v2/.releases/r2/x.json", R"({"r":2})");
  Symlink("v1", base.Path("current"));
  Hearthd daemon({base.Path("current")}, state);
  ASSERT_TRUE(daemon.WaitHealth(true)) << daemon.err();
  EXPECT_EQ(daemon.Get("app").json(), R"({"v":1})");

  Repoint("v2", base.Path("current"));
  EXPECT_TRUE(daemon.WaitJson("app", R"({"v":2})")) << daemon.Errors("app");
  base.WriteAtomic("v2/app/x.json", R"({"v":3})");  // the new tree is watched
  EXPECT_TRUE(daemon.WaitJson("app", R"({"v":3})")) << daemon.Errors("app");

  Symlink(".releases/r1", base.Path("v2/rel"));
  EXPECT_TRUE(daemon.WaitJson("rel", R"({"r":1})")) << daemon.Errors("rel");
  Repoint(".releases/r2", base.Path("v2/rel"));
  EXPECT_TRUE(daemon.WaitJson("rel", R"({"r":2})")) << daemon.Errors("rel");
  base.WriteAtomic("v2/.releases/r2/x.json", R"({"r":22})");  // the link's target is watched
  EXPECT_TRUE(daemon.WaitJson("rel", R"({"r":22})")) << daemon.Errors("rel");
  EXPECT_THAT(daemon.err(), Not(HasSubstr("outside the root")));
  EXPECT_TRUE(daemon.Stop()) << daemon.err();
}

}  // namespace
}  // namespace hearth
