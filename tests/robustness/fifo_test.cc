// FIFOs where files should be (issue 7, item 2). open() of a FIFO blocks until a writer shows up,
// so a reader that does not refuse non-regular files wedges the whole reload pipeline.
// Promise: a FIFO is an error on its config; every other config keeps reloading after edits,
// SIGHUP still rescans, SIGTERM exits within the grace, and `hearthd render` returns.
#include <signal.h>
#include <sys/stat.h>

#include <cstdio>
#include <string>

#include "gtest/gtest.h"
#include "tests/robustness/robustness_fixture.h"

namespace hearth::robustness {
namespace {

using testing::RunCommand;
using testing::TempDir;

constexpr absl::Duration kReloadWithin = absl::Seconds(5);

class FifoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_.Write("a/10-base.toml", "port = 80\n");
    root_.Write("b/10-base.toml", "port = 90\n");
    root_.Write("c/10-base.toml", "port = 100\n");
  }

  void StartDaemon() {
    daemon_ = std::make_unique<HostileDaemon>(root_.path());
    ASSERT_TRUE(daemon_->WaitServing()) << daemon_->log_tail();
  }

  // Edits `name` and waits until GetConfig serves the edit.
  ::testing::AssertionResult EditReloads(const std::string& name, int port,
                                         const std::string& after) {
    root_.WriteAtomic(name + "/10-base.toml", "port = " + std::to_string(port) + "\n");
    const std::string want = "{\"port\":" + std::to_string(port) + "}";
    std::string got;
    if (Eventually(
            [&] {
              v1::GetConfigResponse r;
              if (!daemon_->Get(name, &r, "", absl::Seconds(1)).ok()) return false;
              got = r.json();
              return got == want;
            },
            kReloadWithin)) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "promise broken: nothing can wedge the reload pipeline; after " << after
           << ", an edit of '" << name << "' was not served within " << kReloadWithin << " (still "
           << got << "); health says " << HealthName(daemon_->CheckHealth())
           << "\n--- log tail ---\n"
           << daemon_->log_tail();
  }

  void ExpectSigtermWithinGrace(const std::string& after) {
    const absl::Time start = absl::Now();
    daemon_->process().Signal(SIGTERM);
    const int code = daemon_->process().Wait(std::chrono::seconds(4));
    const absl::Duration took = absl::Now() - start;
    EXPECT_TRUE(code == 0 && took <= absl::Seconds(3))
        << "promise broken: after " << after << ", SIGTERM must exit within the grace (1 s); "
        << "exit code " << code << " after " << took << "\n--- log tail ---\n"
        << daemon_->log_tail();
  }

  TempDir root_;
  std::unique_ptr<HostileDaemon> daemon_;
};

TEST_F(FifoTest, FifoSchemaDoesNotWedgeReloads) {
  StartDaemon();
  const Served c = Capture(*daemon_, "c");
  ASSERT_EQ(mkfifo(root_.Path("a/_schema.json").c_str(), 0644), 0);
  root_.WriteAtomic("a/10-base.toml", "port = 81\n");  // a's rebuild opens the schema again
  // a's own rebuild is an error (its schema is not a regular file); the others keep reloading.
  EXPECT_TRUE(EditReloads("b", 91, "mkfifo a/_schema.json"));
  daemon_->process().Signal(SIGHUP);
  EXPECT_TRUE(daemon_->WaitServing(absl::Seconds(5)))
      << "promise broken: SIGHUP must rescan and keep serving with a FIFO in the tree";
  EXPECT_TRUE(EditReloads("b", 92, "mkfifo a/_schema.json and SIGHUP"));
  EXPECT_TRUE(daemon_->ServesCorrectly(c.name, c.json, c.etag));
  ExpectSigtermWithinGrace("mkfifo a/_schema.json");
}

TEST_F(FifoTest, FifoRenamedOverAConfigFileIsAnErrorAndKeepsTheLastGoodVersion) {
  StartDaemon();
  const Served a = Capture(*daemon_, "a");
  const Served c = Capture(*daemon_, "c");
  v1::WatchConfigsRequest req;
  req.add_names("a");
  WatchCollector watch(daemon_->stub(), req);
  ASSERT_TRUE(watch.Next(IsSnapshotEnd()));
  // Listed as a regular file, then swapped for a FIFO: the open must not block.
  ASSERT_EQ(mkfifo(root_.Path("a/.swap").c_str(), 0644), 0);
  ASSERT_EQ(std::rename(root_.Path("a/.swap").c_str(), root_.Path("a/10-base.toml").c_str()), 0);
  auto error = watch.Next(IsEvent(v1::WATCH_EVENT_TYPE_ERROR, "a"), kReloadWithin);
  EXPECT_TRUE(error.has_value()) << "promise broken: a FIFO renamed over a config file must be an "
                                    "error on that config (not a regular file), within "
                                 << kReloadWithin << "\n--- log tail ---\n"
                                 << daemon_->log_tail();
  EXPECT_TRUE(daemon_->ServesLastKnownGood(a.name, a.json, a.etag));
  EXPECT_TRUE(EditReloads("b", 91, "a FIFO renamed over a/10-base.toml"));
  daemon_->process().Signal(SIGHUP);
  EXPECT_TRUE(EditReloads("b", 92, "a FIFO renamed over a/10-base.toml and SIGHUP"));
  EXPECT_TRUE(daemon_->ServesCorrectly(c.name, c.json, c.etag));
  // Replacing the FIFO with a file again recovers the config.
  EXPECT_TRUE(EditReloads("a", 82, "the FIFO was replaced by a file"));
  ExpectSigtermWithinGrace("a FIFO renamed over a config file");
}

TEST_F(FifoTest, FifoPresentAtStartupDoesNotBlockServing) {
  ASSERT_EQ(mkfifo(root_.Path("a/_schema.json").c_str(), 0644), 0);
  ASSERT_EQ(mkfifo(root_.Path("c/20-pipe.json").c_str(), 0644), 0);
  daemon_ = std::make_unique<HostileDaemon>(root_.path());
  EXPECT_TRUE(daemon_->WaitServing(absl::Seconds(8)))
      << "promise broken: FIFOs in the tree at start-up must not keep hearthd from serving; "
      << daemon_->ExitDescription() << "\n--- log tail ---\n"
      << daemon_->log_tail();
  v1::GetConfigResponse r;
  EXPECT_TRUE(daemon_->Get("b", &r).ok() && r.json() == R"({"port":90})")
      << "promise broken: configs without FIFOs serve normally";
  EXPECT_TRUE(EditReloads("b", 91, "FIFOs at start-up"));
  ExpectSigtermWithinGrace("FIFOs at start-up");
}

TEST_F(FifoTest, RenderAndCheckReturnOnAFifo) {
  ASSERT_EQ(mkfifo(root_.Path("a/_schema.json").c_str(), 0644), 0);
  ASSERT_EQ(mkfifo(root_.Path("b/20-pipe.yaml").c_str(), 0644), 0);
  const std::string hearthd = BuildBinary("server/hearthd");
  for (const char* name : {"a", "b"}) {
    auto render =
        RunCommand({hearthd, "render", "--root", root_.path(), name}, std::chrono::seconds(3));
    EXPECT_EQ(render.exit_code, 1) << "promise broken: `hearthd render " << name
                                   << "` over a FIFO must fail with an error, not hang (-1 is a "
                                      "timeout): "
                                   << render.err;
  }
  auto check = RunCommand({hearthd, "check", "--root", root_.path()}, std::chrono::seconds(3));
  EXPECT_EQ(check.exit_code, 1) << "promise broken: `hearthd check` over FIFOs must report them "
                                   "and exit 1, not hang (-1 is a timeout)";
}

}  // namespace
}  // namespace hearth::robustness
