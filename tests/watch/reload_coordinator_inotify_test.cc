// End to end below the RPC layer: real files, real inotify, real engine. Every file operation of
// the "Watching" list must reach the store within a bounded time.

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/core/config_engine.h"
#include "server/core/store/config_renderer.h"
#include "server/watch/inotify_watcher.h"
#include "server/watch/reload_coordinator.h"
#include "tests/fakes/temp_dir.h"

namespace hearth {
namespace {

namespace fs = std::filesystem;

constexpr absl::Duration kDeadline = absl::Seconds(10);

template <typename Pred>
bool Eventually(Pred pred) {
  const absl::Time end = absl::Now() + kDeadline;
  while (absl::Now() < end) {
    if (pred()) return true;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return pred();
}

class ReloadCoordinatorInotifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_.Write("app/a.toml", "x = 1\n");
    root_.Write("db/a.toml", "y = 1\n");
  }
  void TearDown() override { coordinator_.reset(); }

  void Start() {
    ConfigEngine::Options options;
    options.roots = {root_.Path("root")};
    options.load_threads = 1;
    engine_ = std::make_unique<ConfigEngine>(options);
    InotifyWatcher::Options watcher_options;
    watcher_options.retry_interval = absl::Milliseconds(20);
    auto watcher = std::make_unique<InotifyWatcher>(watcher_options);
    watcher_ = watcher.get();
    ReloadCoordinator::Options coordinator_options;
    coordinator_options.degraded_poll_interval = absl::Milliseconds(20);
    coordinator_ = std::make_unique<ReloadCoordinator>(engine_->options().roots, engine_.get(),
                                                       std::move(watcher), coordinator_options);
    ASSERT_TRUE(coordinator_->Start().ok());
    engine_->ScanAll();
    ASSERT_TRUE(Stats().watching);
  }

  // Waits until config `name` renders to `json` ("" waits until it no longer exists).
  bool WaitFor(const std::string& name, const std::string& json) {
    return Eventually([&] {
      auto r = ConfigRenderer(&engine_->store(), {}).Render(name, "", "");
      if (json.empty()) return engine_->store().Get(name) == nullptr;
      return r.ok() && *r->doc->json == json;
    });
  }

  ReloadCoordinator::Stats Stats() const { return coordinator_->stats(); }

  // Files live under <tmp>/root; <tmp>/outside is for moves out of the root.
  struct Tree : testing::TempDir {
    void Write(std::string_view rel, std::string_view content) const {
      TempDir::Write("root/" + std::string(rel), content);
    }
    std::string In(std::string_view rel) const { return Path("root/" + std::string(rel)); }
  } root_;
  std::unique_ptr<ConfigEngine> engine_;
  InotifyWatcher* watcher_ = nullptr;  // owned by coordinator_
  std::unique_ptr<ReloadCoordinator> coordinator_;
};

TEST_F(ReloadCoordinatorInotifyTest, AtomicSave) {
  Start();
  ASSERT_TRUE(WaitFor("app", R"({"x":1})"));
  root_.WriteAtomic("root/app/a.toml", "x = 2\n");
  EXPECT_TRUE(WaitFor("app", R"({"x":2})"));
  EXPECT_EQ(Stats().rescans_poll, 0u);  // seen by the watcher, not by a poll
}

TEST_F(ReloadCoordinatorInotifyTest, InPlaceWrite) {
  Start();
  const int fd = open(root_.In("app/a.toml").c_str(), O_WRONLY | O_TRUNC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "x = 3\n", 6), 6);
  ASSERT_EQ(close(fd), 0);
  EXPECT_TRUE(WaitFor("app", R"({"x":3})"));
}

TEST_F(ReloadCoordinatorInotifyTest, CreateAndDeleteFiles) {
  Start();
  root_.Write("app/b.toml", "z = 1\n");
  EXPECT_TRUE(WaitFor("app", R"({"x":1,"z":1})"));
  root_.Remove("root/app/b.toml");
  EXPECT_TRUE(WaitFor("app", R"({"x":1})"));
  root_.Remove("root/app/a.toml");
  EXPECT_TRUE(WaitFor("app", ""));  // no files left: the config is gone
}

TEST_F(ReloadCoordinatorInotifyTest, NewDirectoryWithFilesWrittenRightAway) {
  Start();
  fs::create_directories(root_.In("team/billing"));
  root_.Write("team/billing/a.toml", "b = 1\n");
  root_.Write("team/billing/b.json", R"({"c": 2})");
  EXPECT_TRUE(WaitFor("team/billing", R"({"b":1,"c":2})"));
}

TEST_F(ReloadCoordinatorInotifyTest, DirectoryMovedOutAndBackIn) {
  Start();
  root_.Write("app/sub/a.toml", "s = 1\n");
  ASSERT_TRUE(WaitFor("app/sub", R"({"s":1})"));
  fs::create_directories(root_.Path("outside"));
  ASSERT_EQ(rename(root_.In("app").c_str(), root_.Path("outside/app").c_str()), 0);
  EXPECT_TRUE(WaitFor("app", ""));
  EXPECT_TRUE(WaitFor("app/sub", ""));

  root_.TempDir::Write("outside/app/sub/a.toml", "s = 2\n");  // edited while outside
  ASSERT_EQ(rename(root_.Path("outside/app").c_str(), root_.In("app").c_str()), 0);
  EXPECT_TRUE(WaitFor("app", R"({"x":1})"));
  EXPECT_TRUE(WaitFor("app/sub", R"({"s":2})"));
}

TEST_F(ReloadCoordinatorInotifyTest, RmdirRemovesTheConfig) {
  Start();
  root_.Remove("root/db");
  EXPECT_TRUE(WaitFor("db", ""));
  EXPECT_TRUE(WaitFor("app", R"({"x":1})"));
}

// envoy's SymlinkAtomicRename, the way the kubelet updates a ConfigMap volume.
TEST_F(ReloadCoordinatorInotifyTest, KubernetesConfigMapSymlinkSwap) {
  const std::string cfg = root_.In("cfg");
  root_.Write("cfg/..2024_01_01_00_00_00.1/app.toml", "k = 1\n");
  root_.Write("cfg/..2024_01_01_00_00_00.1/team/t.toml", "t = 1\n");
  fs::create_directory_symlink("..2024_01_01_00_00_00.1", cfg + "/..data");
  fs::create_symlink("..data/app.toml", cfg + "/app.toml");
  fs::create_directory_symlink("..data/team", cfg + "/team");
  Start();
  ASSERT_TRUE(WaitFor("cfg", R"({"k":1})"));
  ASSERT_TRUE(WaitFor("cfg/team", R"({"t":1})"));

  root_.Write("cfg/..2024_01_01_00_01_00.2/app.toml", "k = 2\n");
  root_.Write("cfg/..2024_01_01_00_01_00.2/team/t.toml", "t = 2\n");
  fs::create_directory_symlink("..2024_01_01_00_01_00.2", cfg + "/..data_tmp");
  ASSERT_EQ(rename((cfg + "/..data_tmp").c_str(), (cfg + "/..data").c_str()), 0);
  root_.Remove("root/cfg/..2024_01_01_00_00_00.1");

  EXPECT_TRUE(WaitFor("cfg", R"({"k":2})"));
  EXPECT_TRUE(WaitFor("cfg/team", R"({"t":2})"));
  EXPECT_EQ(Stats().rescans_poll, 0u);
}

TEST_F(ReloadCoordinatorInotifyTest, InjectedOverflowRescans) {
  Start();
  watcher_->InjectOverflowForTest();
  EXPECT_TRUE(Eventually([&] { return Stats().rescans_overflow == 1; }));
  EXPECT_NE(Stats().last_full_scan, absl::InfinitePast());
  EXPECT_EQ(coordinator_->watcher_stats().overflows, 1u);
  root_.WriteAtomic("root/db/a.toml", "y = 2\n");  // and still watching afterwards
  EXPECT_TRUE(WaitFor("db", R"({"y":2})"));
}

TEST_F(ReloadCoordinatorInotifyTest, WatchLimitFallsBackToPollingThenRecovers) {
  Start();
  watcher_->SetWatchLimitForTest(watcher_->stats().watches);
  root_.Write("new/a.toml", "n = 1\n");  // its directory cannot be watched
  EXPECT_TRUE(Eventually([&] { return Stats().rescans_watch_failure >= 1; }));
  EXPECT_TRUE(WaitFor("new", R"({"n":1})"));
  root_.Write("new/a.toml", "n = 2\n");  // only a poll can see this one
  EXPECT_TRUE(WaitFor("new", R"({"n":2})"));

  watcher_->SetWatchLimitForTest(SIZE_MAX);
  EXPECT_TRUE(Eventually([&] { return !Stats().degraded; }));
  root_.Write("new/a.toml", "n = 3\n");
  EXPECT_TRUE(WaitFor("new", R"({"n":3})"));
}

TEST_F(ReloadCoordinatorInotifyTest, RequestRescan) {
  Start();
  coordinator_->RequestRescan();
  EXPECT_TRUE(Eventually([&] { return Stats().rescans_signal == 1; }));
}

}  // namespace
}  // namespace hearth
