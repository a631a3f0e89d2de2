#include "server/watch/reload_coordinator.h"

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "server/core/config_engine.h"
#include "server/core/store/config_renderer.h"
#include "tests/fakes/fake_watcher.h"
#include "tests/fakes/temp_dir.h"

namespace hearth {
namespace {

constexpr absl::Duration kDeadline = absl::Seconds(10);

// Waits until `pred` holds, polling; false when the deadline passes first.
template <typename Pred>
bool Eventually(Pred pred, absl::Duration deadline = kDeadline) {
  const absl::Time end = absl::Now() + deadline;
  while (absl::Now() < end) {
    if (pred()) return true;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return pred();
}

std::string Json(const ConfigEngine& engine, const std::string& name) {
  auto r = ConfigRenderer(&engine.store(), {}).Render(name, "", "");
  if (!r.ok()) return std::string(r.status().message());
  return *r->doc->json;
}

// A real engine over a temp tree, a fake watcher driven by the test.
class ReloadCoordinatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_.Write("app/a.toml", "x = 1\n");
    root_.Write("db/a.toml", "y = 1\n");
    ConfigEngine::Options options;
    options.roots = {root_.path()};
    options.load_threads = 1;
    engine_ = std::make_unique<ConfigEngine>(options);
  }
  void TearDown() override { coordinator_.reset(); }

  void Start(ReloadCoordinator::Options options) {
    auto watcher = std::make_unique<FakeWatcher>();
    fake_ = watcher.get();
    fake_->set_start_status(start_status_);
    options.on_rebuild = [this](const ReloadCoordinator::RebuildSample& sample) {
      absl::MutexLock lock(&mu_);
      samples_.push_back(sample);
    };
    coordinator_ = std::make_unique<ReloadCoordinator>(engine_->options().roots, engine_.get(),
                                                       std::move(watcher), std::move(options));
    ASSERT_TRUE(coordinator_->Start().ok());
    engine_->ScanAll();
  }

  std::string Dir(const std::string& rel) const { return root_.Path(rel); }
  ReloadCoordinator::Stats Stats() const { return coordinator_->stats(); }
  bool Idle() const { return coordinator_->IdleForTest(); }
  std::vector<ReloadCoordinator::RebuildSample> Samples() {
    absl::MutexLock lock(&mu_);
    return samples_;
  }

  testing::TempDir root_;
  std::unique_ptr<ConfigEngine> engine_;
  absl::Status start_status_;
  FakeWatcher* fake_ = nullptr;  // owned by coordinator_
  std::unique_ptr<ReloadCoordinator> coordinator_;
  absl::Mutex mu_;
  std::vector<ReloadCoordinator::RebuildSample> samples_ ABSL_GUARDED_BY(mu_);
};

TEST_F(ReloadCoordinatorTest, StartsTheWatcherOnTheEngineRoots) {
  Start({});
  EXPECT_TRUE(fake_->started());
  EXPECT_EQ(fake_->roots(), std::vector<std::string>{root_.path()});
  EXPECT_TRUE(Stats().watching);
  EXPECT_FALSE(Stats().degraded);
  EXPECT_FALSE(coordinator_->Start().ok());
}

TEST_F(ReloadCoordinatorTest, RebuildsTheChangedConfigAndPublishes) {
  Start({});
  const uint64_t before = engine_->store().revision();
  root_.WriteAtomic("app/a.toml", "x = 2\n");
  ASSERT_TRUE(fake_->EmitChange({Dir("app")}));
  EXPECT_TRUE(Eventually([&] { return Json(*engine_, "app") == R"({"x":2})"; }));
  EXPECT_TRUE(Eventually([&] { return Idle(); }));
  const ReloadCoordinator::Stats stats = Stats();
  EXPECT_EQ(stats.dir_events, 1u);
  EXPECT_EQ(stats.rebuilds, 1u);
  EXPECT_EQ(stats.published, 1u);
  EXPECT_EQ(stats.latency_count, 1u);
  EXPECT_GE(stats.latency_max, ReloadCoordinator::Options().quiet);
  EXPECT_NE(stats.last_event, absl::InfinitePast());
  EXPECT_GT(engine_->store().revision(), before);
  const auto samples = Samples();
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].name, "app");
  EXPECT_TRUE(samples[0].published);
  EXPECT_FALSE(samples[0].failed);
}

TEST_F(ReloadCoordinatorTest, UnchangedContentIsNotRepublished) {
  Start({});
  const uint64_t before = engine_->store().revision();
  ASSERT_TRUE(fake_->EmitChange({Dir("app")}));
  EXPECT_TRUE(Eventually([&] { return Stats().rebuilds == 1 && Idle(); }));
  EXPECT_EQ(Stats().published, 0u);
  EXPECT_EQ(engine_->store().revision(), before);
}

TEST_F(ReloadCoordinatorTest, BurstForOneConfigCoalescesIntoOneRebuild) {
  ReloadCoordinator::Options options;
  options.quiet = absl::Milliseconds(500);  // far longer than the burst takes to emit
  options.max_delay = absl::Seconds(30);
  Start(options);
  root_.Write("app/a.toml", "x = 3\n");
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(fake_->EmitChange({Dir("app")}));
  EXPECT_TRUE(Eventually([&] { return Stats().rebuilds >= 1 && Idle(); }));
  const ReloadCoordinator::Stats stats = Stats();
  EXPECT_EQ(stats.rebuild_requests, 100u);
  EXPECT_EQ(stats.rebuilds, 1u);
  EXPECT_EQ(Json(*engine_, "app"), R"({"x":3})");
}

TEST_F(ReloadCoordinatorTest, SettledChangeIsRebuiltAtOnceOnTheLeadingEdge) {
  ReloadCoordinator::Options options;
  options.quiet = absl::Seconds(60);  // neither can trigger the rebuild within the deadline
  options.max_delay = absl::Seconds(60);
  Start(options);
  root_.WriteAtomic("app/a.toml", "x = 7\n");
  ASSERT_TRUE(fake_->EmitChange({Dir("app")}, {Dir("app")}));
  EXPECT_TRUE(Eventually([&] { return Json(*engine_, "app") == R"({"x":7})"; }));
  EXPECT_TRUE(Eventually([&] { return Stats().rebuilds == 1 && Idle(); }));
  EXPECT_EQ(Stats().leading_rebuilds, 1u);
  ASSERT_TRUE(Eventually([&] { return !Samples().empty(); }));
  EXPECT_LT(Samples()[0].latency, options.quiet);
}

TEST_F(ReloadCoordinatorTest, UnsettledChangeInTheSameBurstWaitsNoLonger) {
  // A directory reported settled once in a burst makes the whole burst settled.
  ReloadCoordinator::Options options;
  options.quiet = absl::Seconds(60);
  options.max_delay = absl::Seconds(60);
  Start(options);
  root_.Write("db/a.toml", "y = 8\n");
  ASSERT_TRUE(fake_->EmitChange({Dir("app"), Dir("db")}, {Dir("db")}));
  EXPECT_TRUE(Eventually([&] { return Json(*engine_, "db") == R"({"y":8})"; }));
  EXPECT_EQ(Stats().leading_rebuilds, 1u);
  EXPECT_EQ(Stats().rebuilds, 1u);  // app waits for quiet
}

TEST_F(ReloadCoordinatorTest, WithoutTheLeadingEdgeASettledChangeWaitsForTheDebounce) {
  ReloadCoordinator::Options options;
  options.leading_edge = false;
  options.quiet = absl::Seconds(60);
  options.max_delay = absl::Milliseconds(30);
  Start(options);
  root_.WriteAtomic("app/a.toml", "x = 9\n");
  ASSERT_TRUE(fake_->EmitChange({Dir("app")}, {Dir("app")}));
  EXPECT_TRUE(Eventually([&] { return Json(*engine_, "app") == R"({"x":9})"; }));
  ASSERT_TRUE(Eventually([&] { return !Samples().empty(); }));
  EXPECT_GE(Samples()[0].latency, absl::Milliseconds(30));
  EXPECT_EQ(Stats().leading_rebuilds, 0u);
}

TEST_F(ReloadCoordinatorTest, ChangesDuringALeadingRebuildGatherIntoOneTrailingRebuild) {
  ReloadCoordinator::Options options;
  options.quiet = absl::Milliseconds(20);
  options.max_delay = absl::Seconds(60);
  Start(options);
  root_.WriteAtomic("app/a.toml", "x = 10\n");
  ASSERT_TRUE(fake_->EmitChange({Dir("app")}, {Dir("app")}));
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(fake_->EmitChange({Dir("app")}));
  root_.WriteAtomic("app/a.toml", "x = 11\n");
  ASSERT_TRUE(fake_->EmitChange({Dir("app")}));
  EXPECT_TRUE(Eventually([&] { return Json(*engine_, "app") == R"({"x":11})" && Idle(); }));
  const ReloadCoordinator::Stats stats = Stats();
  EXPECT_EQ(stats.rebuild_requests, 52u);
  EXPECT_EQ(stats.leading_rebuilds, 1u);
  // The leading rebuild, then (unless all of it came before the worker woke) one trailing one.
  EXPECT_GE(stats.rebuilds, 1u);
  EXPECT_LE(stats.rebuilds, 2u);
}

TEST_F(ReloadCoordinatorTest, DistinctConfigsAreRebuiltSeparately) {
  Start({});
  ASSERT_TRUE(fake_->EmitChange({Dir("app"), Dir("db"), Dir("app")}));
  EXPECT_TRUE(Eventually([&] { return Stats().rebuilds >= 2 && Idle(); }));
  EXPECT_EQ(Stats().rebuilds, 2u);
  std::set<std::string> names;
  for (const auto& s : Samples()) names.insert(s.name);
  EXPECT_EQ(names, (std::set<std::string>{"app", "db"}));
}

TEST_F(ReloadCoordinatorTest, MaxDelayCapsAContinuousStream) {
  ReloadCoordinator::Options options;
  options.quiet = absl::Seconds(60);  // never reached: only the cap can trigger the rebuild
  options.max_delay = absl::Milliseconds(30);
  Start(options);
  root_.Write("app/a.toml", "x = 4\n");
  const bool rebuilt = Eventually([&] {
    fake_->EmitChange({Dir("app")});
    return Stats().rebuilds >= 1;
  });
  EXPECT_TRUE(rebuilt);
  EXPECT_EQ(Json(*engine_, "app"), R"({"x":4})");
  ASSERT_TRUE(Eventually([&] { return !Samples().empty(); }));  // reported after the stats
  EXPECT_GE(Samples()[0].latency, absl::Milliseconds(30));
}

TEST_F(ReloadCoordinatorTest, NewAndRemovedDirectoriesAddAndRemoveConfigs) {
  Start({});
  root_.Write("team/billing/a.toml", "z = 1\n");
  ASSERT_TRUE(fake_->EmitChange({Dir("team"), Dir("team/billing")}));
  EXPECT_TRUE(Eventually([&] { return Json(*engine_, "team/billing") == R"({"z":1})"; }));
  EXPECT_EQ(engine_->store().Get("team"), nullptr);  // no files of its own: not a config

  root_.Remove("app");
  ASSERT_TRUE(fake_->EmitChange({Dir("app")}));
  EXPECT_TRUE(Eventually([&] { return engine_->store().Get("app") == nullptr; }));
}

TEST_F(ReloadCoordinatorTest, FailedRebuildIsCountedAndKeepsLastKnownGood) {
  Start({});
  root_.Write("app/a.toml", "x = = broken\n");
  ASSERT_TRUE(fake_->EmitChange({Dir("app")}));
  EXPECT_TRUE(Eventually([&] { return Stats().failed == 1 && Idle(); }));
  EXPECT_EQ(Json(*engine_, "app"), R"({"x":1})");
  auto entry = engine_->store().Get("app");
  ASSERT_NE(entry, nullptr);
  EXPECT_FALSE(entry->errors.empty());
}

TEST_F(ReloadCoordinatorTest, OverflowTriggersAFullRescan) {
  Start({});
  root_.Write("db/a.toml", "y = 2\n");  // no change event for it: only a rescan can see it
  ASSERT_TRUE(fake_->EmitTrouble(Watcher::Trouble::kOverflow));
  EXPECT_TRUE(Eventually([&] { return Json(*engine_, "db") == R"({"y":2})"; }));
  EXPECT_TRUE(Eventually([&] { return Stats().rescans_overflow == 1 && Idle(); }));
  EXPECT_NE(Stats().last_full_scan, absl::InfinitePast());
  EXPECT_EQ(Stats().rescans_poll, 0u);
}

TEST_F(ReloadCoordinatorTest, TooManyQueuedDirectoriesBecomeARescan) {
  ReloadCoordinator::Options options;
  options.max_queued_dirs = 4;
  Start(options);
  std::vector<std::string> dirs;
  for (int i = 0; i < 10; ++i) dirs.push_back(Dir("d" + std::to_string(i)));
  ASSERT_TRUE(fake_->EmitChange(dirs));
  EXPECT_TRUE(Eventually([&] { return Stats().rescans_overflow == 1 && Idle(); }));
  EXPECT_EQ(Stats().rebuilds, 0u);
}

TEST_F(ReloadCoordinatorTest, RequestRescanIsCountedAsSignal) {
  Start({});
  root_.Write("db/a.toml", "y = 3\n");
  coordinator_->RequestRescan();
  EXPECT_TRUE(Eventually([&] { return Json(*engine_, "db") == R"({"y":3})"; }));
  EXPECT_TRUE(Eventually([&] { return Stats().rescans_signal == 1 && Idle(); }));
}

TEST_F(ReloadCoordinatorTest, WatchFailureRescansAndDegradedWatcherIsPolled) {
  ReloadCoordinator::Options options;
  options.degraded_poll_interval = absl::Milliseconds(10);
  Start(options);
  fake_->set_degraded(true);
  ASSERT_TRUE(fake_->EmitTrouble(Watcher::Trouble::kWatchLimit));
  EXPECT_TRUE(Eventually([&] { return Stats().rescans_watch_failure == 1; }));
  EXPECT_TRUE(Stats().degraded);
  // Changes nobody reports are found by the poll.
  root_.Write("db/a.toml", "y = 4\n");
  EXPECT_TRUE(Eventually([&] { return Json(*engine_, "db") == R"({"y":4})"; }));
  EXPECT_TRUE(Eventually([&] { return Stats().rescans_poll >= 2; }));
}

TEST_F(ReloadCoordinatorTest, PollIntervalRescansWhileHealthy) {
  ReloadCoordinator::Options options;
  options.poll_interval = absl::Milliseconds(10);
  Start(options);
  root_.Write("db/a.toml", "y = 5\n");
  EXPECT_TRUE(Eventually([&] { return Json(*engine_, "db") == R"({"y":5})"; }));
  EXPECT_TRUE(Eventually([&] { return Stats().rescans_poll >= 2; }));
  EXPECT_FALSE(Stats().degraded);
}

TEST_F(ReloadCoordinatorTest, NoPollingWhenHealthyAndPollIntervalIsZero) {
  ReloadCoordinator::Options options;
  options.degraded_poll_interval = absl::Milliseconds(1);  // would show up at once if misused
  Start(options);
  ASSERT_TRUE(fake_->EmitChange({Dir("app")}));
  EXPECT_TRUE(Eventually([&] { return Stats().rebuilds == 1 && Idle(); }));
  EXPECT_EQ(Stats().rescans_poll, 0u);
}

TEST_F(ReloadCoordinatorTest, WatcherThatCannotStartFallsBackToPolling) {
  start_status_ = absl::UnavailableError("inotify_init1: Too many open files");
  ReloadCoordinator::Options options;
  options.degraded_poll_interval = absl::Milliseconds(10);
  Start(options);
  EXPECT_FALSE(Stats().watching);
  EXPECT_TRUE(Stats().degraded);
  root_.Write("app/a.toml", "x = 6\n");
  EXPECT_TRUE(Eventually([&] { return Json(*engine_, "app") == R"({"x":6})"; }));
  EXPECT_TRUE(Eventually([&] { return Stats().rescans_poll >= 1; }));  // counted after the scan
}

TEST_F(ReloadCoordinatorTest, StopStopsTheWatcherFirstAndIsIdempotent) {
  Start({});
  coordinator_->Stop();
  EXPECT_TRUE(fake_->stopped());
  EXPECT_FALSE(fake_->EmitChange({Dir("app")}));
  coordinator_->Stop();
}

// A filesystem whose reads hang while blocked, as open() on a FIFO did before O_NONBLOCK: stands
// for anything that could still wedge a rebuild.
class HangingFileSystem : public FileSystem {
 public:
  HangingFileSystem() : real_(NewPosixFileSystem()) {}
  void set_blocked(bool blocked) {
    absl::MutexLock lock(&mu_);
    blocked_ = blocked;
  }
  bool hanging() const {
    absl::MutexLock lock(&mu_);
    return hanging_ > 0;
  }
  absl::StatusOr<std::vector<DirEntry>> ListDir(const std::string& root, std::string_view rel,
                                                bool allow_external) const override {
    return real_->ListDir(root, rel, allow_external);
  }
  absl::StatusOr<FileData> ReadFile(const std::string& root, std::string_view rel,
                                    uint64_t max_bytes, bool allow_external) const override {
    {
      absl::MutexLock lock(&mu_);
      ++hanging_;
      mu_.Await(absl::Condition(
          +[](bool* b) { return !*b; }, &blocked_));
      --hanging_;
    }
    return real_->ReadFile(root, rel, max_bytes, allow_external);
  }
  absl::StatusOr<std::string> RealPath(const std::string& path) const override {
    return real_->RealPath(path);
  }

 private:
  FileSystemPtr real_;
  mutable absl::Mutex mu_;
  mutable bool blocked_ ABSL_GUARDED_BY(mu_) = false;
  mutable int hanging_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST(ReloadCoordinatorStallTest, AWedgedRebuildIsReportedAsStalledAndClearsWhenItMoves) {
  testing::TempDir root;
  root.Write("app/a.toml", "x = 1\n");
  auto owned = std::make_unique<HangingFileSystem>();
  HangingFileSystem* fs = owned.get();
  ConfigEngine::Options engine_options;
  engine_options.roots = {root.path()};
  engine_options.load_threads = 1;
  ConfigEngine engine(engine_options, std::move(owned));
  engine.ScanAll();
  auto watcher = std::make_unique<FakeWatcher>();
  FakeWatcher* fake = watcher.get();
  ReloadCoordinator::Options options;
  options.stall_threshold = absl::Milliseconds(300);
  ReloadCoordinator coordinator(engine.options().roots, &engine, std::move(watcher), options);
  ASSERT_TRUE(coordinator.Start().ok());

  // Idle for longer than the threshold: not stalled (no work waiting).
  absl::SleepFor(absl::Milliseconds(400));
  EXPECT_FALSE(coordinator.stats().stalled);
  EXPECT_EQ(coordinator.stats().stalled_for, absl::ZeroDuration());

  fs->set_blocked(true);
  ASSERT_TRUE(fake->EmitChange({root.Path("app")}));
  ASSERT_TRUE(Eventually([&] { return fs->hanging(); }));
  // Work pending behind the hung rebuild: stalled once the threshold has passed, not before.
  EXPECT_FALSE(coordinator.stats().stalled);
  ASSERT_TRUE(Eventually([&] { return coordinator.stats().stalled; }));
  EXPECT_GE(coordinator.stats().stalled_for, absl::Milliseconds(300));
  fs->set_blocked(false);
  ASSERT_TRUE(Eventually([&] { return !coordinator.stats().stalled; }));
  EXPECT_GT(coordinator.stats().last_progress, absl::Now() - absl::Seconds(5));
  coordinator.Stop();
}

}  // namespace
}  // namespace hearth
