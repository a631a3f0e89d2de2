#include "server/watch/inotify_watcher.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace hearth {
namespace {

namespace fs = std::filesystem;

constexpr absl::Duration kDeadline = absl::Seconds(10);

// Records what a watcher reports; waits for it with a deadline.
class Recorder {
 public:
  Watcher::Callbacks Callbacks() {
    return {[this](const std::vector<std::string>& dirs, const std::vector<std::string>& settled) {
              absl::MutexLock lock(&mu_);
              for (const std::string& d : dirs) dirs_.push_back(d);
              for (const std::string& d : settled) {
                // The contract: settled is a subset of dirs.
                if (std::find(dirs.begin(), dirs.end(), d) == dirs.end())
                  settled_not_in_dirs_ = true;
                settled_.push_back(d);
              }
            },
            [this](Watcher::Trouble trouble, const std::string&) {
              absl::MutexLock lock(&mu_);
              troubles_.push_back(trouble);
            }};
  }

  bool WaitForDir(const std::string& dir) {
    absl::MutexLock lock(&mu_);
    auto seen = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return std::find(dirs_.begin(), dirs_.end(), dir) != dirs_.end();
    };
    return mu_.AwaitWithTimeout(absl::Condition(&seen), kDeadline);
  }
  bool WaitForSettled(const std::string& dir) {
    absl::MutexLock lock(&mu_);
    auto seen = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return std::find(settled_.begin(), settled_.end(), dir) != settled_.end();
    };
    return mu_.AwaitWithTimeout(absl::Condition(&seen), kDeadline);
  }
  bool SawSettled(const std::string& dir) {
    absl::MutexLock lock(&mu_);
    return std::find(settled_.begin(), settled_.end(), dir) != settled_.end();
  }
  bool settled_not_in_dirs() {
    absl::MutexLock lock(&mu_);
    return settled_not_in_dirs_;
  }
  bool WaitForTrouble(Watcher::Trouble trouble) {
    absl::MutexLock lock(&mu_);
    auto seen = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return std::find(troubles_.begin(), troubles_.end(), trouble) != troubles_.end();
    };
    return mu_.AwaitWithTimeout(absl::Condition(&seen), kDeadline);
  }
  bool Saw(const std::string& dir) {
    absl::MutexLock lock(&mu_);
    return std::find(dirs_.begin(), dirs_.end(), dir) != dirs_.end();
  }
  bool SawUnder(const std::string& prefix) {
    absl::MutexLock lock(&mu_);
    for (const std::string& d : dirs_) {
      if (d.rfind(prefix, 0) == 0) return true;
    }
    return false;
  }
  void Clear() {
    absl::MutexLock lock(&mu_);
    dirs_.clear();
    settled_.clear();
    troubles_.clear();
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> dirs_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> settled_ ABSL_GUARDED_BY(mu_);
  bool settled_not_in_dirs_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<Watcher::Trouble> troubles_ ABSL_GUARDED_BY(mu_);
};

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  ASSERT_TRUE(out.good()) << path;
}

// Waits until `pred` holds, polling; for state that has no notification of its own.
template <typename Pred>
bool Eventually(Pred pred) {
  const absl::Time deadline = absl::Now() + kDeadline;
  while (absl::Now() < deadline) {
    if (pred()) return true;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return pred();
}

class InotifyWatcherTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = testing::TempDir();
    while (tmpl.size() > 1 && tmpl.back() == '/') tmpl.pop_back();
    tmpl += "/hearth_watch_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    base_ = tmpl;
    root_ = base_ + "/root";
    outside_ = base_ + "/outside";
    fs::create_directories(root_ + "/app");
    fs::create_directories(outside_);
  }
  void TearDown() override {
    watcher_.reset();
    std::error_code ec;
    fs::remove_all(base_, ec);
  }

  void StartWatcher(InotifyWatcher::Options options = {}) {
    watcher_ = std::make_unique<InotifyWatcher>(options);
    ASSERT_TRUE(watcher_->Start({root_}, recorder_.Callbacks()).ok());
  }

  // Events of one inotify instance are delivered in order: once a change made after the
  // operation under test is reported, everything that operation produced has been seen.
  void Barrier() {
    const std::string marker = root_ + "/barrier-" + std::to_string(barrier_++);
    fs::create_directory(marker);
    ASSERT_TRUE(recorder_.WaitForDir(marker));
  }

  std::string base_, root_, outside_;
  int barrier_ = 0;
  Recorder recorder_;
  std::unique_ptr<InotifyWatcher> watcher_;
};

TEST_F(InotifyWatcherTest, CreatingAFileReportsItsDirectoryNotTheFile) {
  StartWatcher();
  WriteFile(root_ + "/app/a.toml", "x = 1\n");
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/app"));
  EXPECT_FALSE(recorder_.Saw(root_ + "/app/a.toml"));
  const Watcher::Stats stats = watcher_->stats();
  EXPECT_GT(stats.events, 0u);
  EXPECT_GT(stats.changes_reported, 0u);
  EXPECT_NE(stats.last_event, absl::InfinitePast());
  EXPECT_EQ(stats.watches, 2u);  // root, root/app
  EXPECT_FALSE(watcher_->degraded());
}

TEST_F(InotifyWatcherTest, AtomicSaveByRenameIsReported) {
  WriteFile(root_ + "/app/a.toml", "x = 1\n");
  WriteFile(root_ + "/app/.a.toml.tmp", "x = 2\n");  // written before watching: only the rename
  StartWatcher();
  ASSERT_EQ(rename((root_ + "/app/.a.toml.tmp").c_str(), (root_ + "/app/a.toml").c_str()), 0);
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/app"));
}

TEST_F(InotifyWatcherTest, InPlaceWriteIsReported) {
  WriteFile(root_ + "/app/a.toml", "x = 1\n");
  StartWatcher();
  const int fd = open((root_ + "/app/a.toml").c_str(), O_WRONLY | O_TRUNC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "x = 2\n", 6), 6);
  ASSERT_EQ(close(fd), 0);
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/app"));
}

TEST_F(InotifyWatcherTest, DeletingAFileIsReported) {
  WriteFile(root_ + "/app/a.toml", "x = 1\n");
  StartWatcher();
  ASSERT_TRUE(fs::remove(root_ + "/app/a.toml"));
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/app"));
}

TEST_F(InotifyWatcherTest, ChmodIsReported) {
  WriteFile(root_ + "/app/a.toml", "x = 1\n");
  StartWatcher();
  fs::permissions(root_ + "/app/a.toml", fs::perms::owner_read);
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/app"));
}

TEST_F(InotifyWatcherTest, NewDirectoryTreeIsWatchedAndReportedWhole) {
  StartWatcher();
  // Files written right after mkdir may precede the watch on the new directory: the directory
  // itself is reported regardless, so the receiver reads it from disk.
  fs::create_directories(root_ + "/team/billing/eu");
  WriteFile(root_ + "/team/billing/eu/a.toml", "x = 1\n");
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/team"));
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/team/billing"));
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/team/billing/eu"));
  EXPECT_TRUE(Eventually([&] { return watcher_->stats().watches == 5; }));

  // Now watched: a later write is an event of its own.
  recorder_.Clear();
  WriteFile(root_ + "/team/billing/eu/b.toml", "y = 1\n");
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/team/billing/eu"));
}

TEST_F(InotifyWatcherTest, DirectoryMovedOutAndBackIn) {
  fs::create_directories(root_ + "/app/sub");
  StartWatcher();
  ASSERT_EQ(watcher_->stats().watches, 3u);

  ASSERT_EQ(rename((root_ + "/app").c_str(), (outside_ + "/app").c_str()), 0);
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/app"));
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/app/sub"));
  EXPECT_TRUE(Eventually([&] { return watcher_->stats().watches == 1; }));

  // Outside the root: no longer watched, nothing reported under any name.
  recorder_.Clear();
  WriteFile(outside_ + "/app/sub/x.toml", "x = 1\n");
  Barrier();
  EXPECT_FALSE(recorder_.SawUnder(outside_));
  EXPECT_FALSE(recorder_.SawUnder(root_ + "/app"));

  recorder_.Clear();
  ASSERT_EQ(rename((outside_ + "/app").c_str(), (root_ + "/app").c_str()), 0);
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/app"));
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/app/sub"));

  recorder_.Clear();
  WriteFile(root_ + "/app/sub/y.toml", "y = 1\n");
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/app/sub"));
}

TEST_F(InotifyWatcherTest, RenameWithinTheRootFollowsTheDirectory) {
  fs::create_directories(root_ + "/old/sub");
  StartWatcher();
  ASSERT_EQ(rename((root_ + "/old").c_str(), (root_ + "/new").c_str()), 0);
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/old/sub"));
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/new/sub"));

  recorder_.Clear();
  WriteFile(root_ + "/new/sub/a.toml", "x = 1\n");
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/new/sub"));
  Barrier();
  EXPECT_FALSE(recorder_.SawUnder(root_ + "/old"));
  EXPECT_EQ(watcher_->stats().watches, 5u);  // root, app, new, new/sub, barrier
}

TEST_F(InotifyWatcherTest, RmdirIsReportedAndUnwatched) {
  fs::create_directories(root_ + "/app/sub");
  WriteFile(root_ + "/app/sub/a.toml", "x = 1\n");
  StartWatcher();
  fs::remove_all(root_ + "/app");
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/app/sub"));
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/app"));
  EXPECT_TRUE(Eventually([&] { return watcher_->stats().watches == 1; }));
}

// `settled` (Watcher::Callbacks::on_change): a directory is settled by a batch that completed a
// config file in it (closed after writing, or renamed in) while no other config file there is
// known to be mid-write; other changes are reported but not settled.
TEST_F(InotifyWatcherTest, ClosingAWrittenFileSettlesItsDirectory) {
  StartWatcher();
  WriteFile(root_ + "/app/a.toml", "x = 1\n");
  EXPECT_TRUE(recorder_.WaitForSettled(root_ + "/app"));
  EXPECT_FALSE(recorder_.settled_not_in_dirs());
}

TEST_F(InotifyWatcherTest, RenameInSettlesButRenameAwayAndDeleteDoNot) {
  WriteFile(root_ + "/app/a.toml", "x = 1\n");
  WriteFile(root_ + "/app/.a.toml.tmp", "x = 2\n");
  StartWatcher();
  ASSERT_EQ(rename((root_ + "/app/a.toml").c_str(), (outside_ + "/a.toml").c_str()), 0);
  ASSERT_TRUE(fs::remove(root_ + "/app/.a.toml.tmp"));
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/app"));
  Barrier();
  EXPECT_FALSE(recorder_.SawSettled(root_ + "/app"));

  ASSERT_EQ(rename((outside_ + "/a.toml").c_str(), (root_ + "/app/a.toml").c_str()), 0);
  EXPECT_TRUE(recorder_.WaitForSettled(root_ + "/app"));
}

TEST_F(InotifyWatcherTest, AFileStillOpenForWritingHoldsItsDirectoryUnsettled) {
  StartWatcher();
  const int fd = open((root_ + "/app/b.toml").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "y = ", 4), 4);
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/app"));
  // Another file completed beside it: the directory is still not whole.
  WriteFile(root_ + "/app/a.toml", "x = 1\n");
  Barrier();
  EXPECT_FALSE(recorder_.SawSettled(root_ + "/app"));

  ASSERT_EQ(write(fd, "1\n", 2), 2);
  ASSERT_EQ(close(fd), 0);
  EXPECT_TRUE(recorder_.WaitForSettled(root_ + "/app"));
}

TEST_F(InotifyWatcherTest, OnlyConfigFilesSettleOrHoldADirectory) {
  InotifyWatcher::Options options;
  options.is_config_file = [](std::string_view name) { return name.ends_with(".toml"); };
  StartWatcher(options);
  // vim's probe file `4913` and an editor's swap file: neither completes nor holds anything.
  const int fd = open((root_ + "/app/.a.toml.swp").c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  WriteFile(root_ + "/app/4913", "");
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/app"));
  Barrier();
  EXPECT_FALSE(recorder_.SawSettled(root_ + "/app"));

  WriteFile(root_ + "/app/a.toml", "x = 1\n");  // the swap file still open does not matter
  EXPECT_TRUE(recorder_.WaitForSettled(root_ + "/app"));
  ASSERT_EQ(close(fd), 0);
}

TEST_F(InotifyWatcherTest, AFileNeverClosedStopsHoldingItsDirectoryAfterMaxWriteTime) {
  InotifyWatcher::Options options;
  options.max_write_time = absl::Milliseconds(1);
  StartWatcher(options);
  const int fd = open((root_ + "/app/b.toml").c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/app"));
  absl::SleepFor(absl::Milliseconds(5));  // past max_write_time (a duration under test)
  WriteFile(root_ + "/app/a.toml", "x = 1\n");
  EXPECT_TRUE(recorder_.WaitForSettled(root_ + "/app"));
  ASSERT_EQ(close(fd), 0);
}

// Hostile: many config files created and never closed for writing (opened read-only with
// O_CREAT, so no IN_CLOSE_WRITE ever comes). The watcher tracks a bounded number per directory;
// past it the directory simply stays unsettled (debounced, as every change was before) until the
// entries age out.
TEST_F(InotifyWatcherTest, ManyFilesNeverClosedAreBoundedAndAgeOut) {
  InotifyWatcher::Options options;
  options.max_write_time = absl::Seconds(1);
  StartWatcher(options);
  for (int i = 0; i < 1000; ++i) {
    const std::string path = root_ + "/app/held-" + std::to_string(i) + ".toml";
    const int fd = open(path.c_str(), O_RDONLY | O_CREAT, 0644);
    ASSERT_GE(fd, 0) << path;
    ASSERT_EQ(close(fd), 0);
  }
  Barrier();
  WriteFile(root_ + "/app/a.toml", "x = 1\n");
  Barrier();
  EXPECT_FALSE(recorder_.SawSettled(root_ + "/app"));
  // Past max_write_time every entry (the overflow marker included) is dropped.
  absl::SleepFor(absl::Milliseconds(1100));
  WriteFile(root_ + "/app/a.toml", "x = 2\n");
  EXPECT_TRUE(recorder_.WaitForSettled(root_ + "/app"));
}

// The Kubernetes ConfigMap volume (envoy's SymlinkAtomicRename): the kubelet writes a new
// `..TIMESTAMP` directory, points `..data_tmp` at it, renames it over `..data` and removes the
// old directory. The visible files are symlinks `name -> ..data/name`.
TEST_F(InotifyWatcherTest, KubernetesConfigMapSymlinkSwap) {
  const std::string cfg = root_ + "/cfg";
  fs::create_directories(cfg + "/..2024_01_01_00_00_00.1/team");
  WriteFile(cfg + "/..2024_01_01_00_00_00.1/app.toml", "x = 1\n");
  WriteFile(cfg + "/..2024_01_01_00_00_00.1/team/t.toml", "t = 1\n");
  fs::create_directory_symlink("..2024_01_01_00_00_00.1", cfg + "/..data");
  fs::create_symlink("..data/app.toml", cfg + "/app.toml");
  fs::create_directory_symlink("..data/team", cfg + "/team");  // a projected `team/t.toml` item
  StartWatcher();
  EXPECT_EQ(watcher_->stats().watches, 3u);  // root, app, cfg: not the kubelet's data dirs

  fs::create_directories(cfg + "/..2024_01_01_00_00_01.2/team");
  WriteFile(cfg + "/..2024_01_01_00_00_01.2/app.toml", "x = 2\n");
  WriteFile(cfg + "/..2024_01_01_00_00_01.2/team/t.toml", "t = 2\n");
  Barrier();
  recorder_.Clear();
  fs::create_directory_symlink("..2024_01_01_00_00_01.2", cfg + "/..data_tmp");
  ASSERT_EQ(rename((cfg + "/..data_tmp").c_str(), (cfg + "/..data").c_str()), 0);
  fs::remove_all(cfg + "/..2024_01_01_00_00_00.1");

  EXPECT_TRUE(recorder_.WaitForDir(cfg));
  EXPECT_TRUE(recorder_.WaitForDir(cfg + "/team"));
  // The swap is one rename that replaces every file at once: settled, projected dirs included.
  EXPECT_TRUE(recorder_.WaitForSettled(cfg));
  EXPECT_TRUE(recorder_.WaitForSettled(cfg + "/team"));
  Barrier();
  EXPECT_FALSE(recorder_.SawUnder(cfg + "/.."));
  EXPECT_EQ(watcher_->stats().watches, 5u);  // + 2 barriers
}

// `ln -s .releases/v1 rel`: the link's target is watched under the link's name; re-pointing the
// link (rename of a fresh one) moves the watch to the new target.
TEST_F(InotifyWatcherTest, SymlinkedDirectoryIsWatchedThroughAndRepointed) {
  fs::create_directories(root_ + "/.releases/v1");
  fs::create_directories(root_ + "/.releases/v2");
  WriteFile(root_ + "/.releases/v1/x.toml", "v = 1\n");
  WriteFile(root_ + "/.releases/v2/x.toml", "v = 2\n");
  fs::create_directory_symlink(".releases/v1", root_ + "/old");  // present at start
  StartWatcher();
  recorder_.Clear();
  WriteFile(root_ + "/.releases/v1/x.toml", "v = 11\n");
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/old"));

  fs::create_directory_symlink(".releases/v1", root_ + "/rel");  // created while running
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/rel"));
  Barrier();
  recorder_.Clear();
  fs::create_directory_symlink(".releases/v2", root_ + "/rel.tmp");
  ASSERT_EQ(rename((root_ + "/rel.tmp").c_str(), (root_ + "/rel").c_str()), 0);
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/rel"));
  Barrier();
  recorder_.Clear();
  WriteFile(root_ + "/.releases/v2/x.toml", "v = 22\n");
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/rel"));
  EXPECT_FALSE(recorder_.SawUnder(root_ + "/.releases"));

  // A link loop is not followed for ever.
  fs::create_directory_symlink("..", root_ + "/app/loop");
  Barrier();
  EXPECT_LT(watcher_->stats().watches, 20u);
}

// The root itself is a symlink swapped to a new tree (`ln -sfn v2 root-link` by rename).
TEST_F(InotifyWatcherTest, SymlinkedRootSwapWatchesTheNewTree) {
  fs::create_directories(base_ + "/v1/app");
  fs::create_directories(base_ + "/v2/app");
  const std::string link = base_ + "/current";
  fs::create_directory_symlink("v1", link);
  watcher_ = std::make_unique<InotifyWatcher>();
  ASSERT_TRUE(watcher_->Start({link}, recorder_.Callbacks()).ok());
  WriteFile(base_ + "/v1/app/a.toml", "x = 1\n");
  EXPECT_TRUE(recorder_.WaitForDir(link + "/app"));

  recorder_.Clear();
  fs::create_directory_symlink("v2", base_ + "/current.tmp");
  ASSERT_EQ(rename((base_ + "/current.tmp").c_str(), link.c_str()), 0);
  EXPECT_TRUE(recorder_.WaitForTrouble(Watcher::Trouble::kFailure));
  EXPECT_TRUE(recorder_.WaitForDir(link + "/app"));
  recorder_.Clear();
  WriteFile(base_ + "/v2/app/a.toml", "x = 2\n");
  EXPECT_TRUE(recorder_.WaitForDir(link + "/app"));
  EXPECT_FALSE(watcher_->degraded());
}

TEST_F(InotifyWatcherTest, InjectedOverflowIsReportedAsTrouble) {
  StartWatcher();
  watcher_->InjectOverflowForTest();
  EXPECT_TRUE(recorder_.WaitForTrouble(Watcher::Trouble::kOverflow));
  EXPECT_EQ(watcher_->stats().overflows, 1u);
  EXPECT_FALSE(watcher_->degraded());
  // Still watching afterwards.
  WriteFile(root_ + "/app/a.toml", "x = 1\n");
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/app"));
}

TEST_F(InotifyWatcherTest, WatchLimitDegradesThenRecovers) {
  InotifyWatcher::Options options;
  options.retry_interval = absl::Milliseconds(20);
  StartWatcher(options);
  watcher_->SetWatchLimitForTest(2);  // exactly what root + app use
  fs::create_directory(root_ + "/new");
  EXPECT_TRUE(recorder_.WaitForTrouble(Watcher::Trouble::kWatchLimit));
  EXPECT_TRUE(watcher_->degraded());
  EXPECT_GE(watcher_->stats().watch_limit_failures, 1u);
  EXPECT_TRUE(watcher_->stats().degraded);

  recorder_.Clear();
  watcher_->SetWatchLimitForTest(SIZE_MAX);
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/new"));  // reported once watched
  EXPECT_TRUE(Eventually([&] { return !watcher_->degraded(); }));
  recorder_.Clear();
  WriteFile(root_ + "/new/a.toml", "x = 1\n");
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/new"));
}

TEST_F(InotifyWatcherTest, MissingRootIsDegradedUntilItAppears) {
  InotifyWatcher::Options options;
  options.retry_interval = absl::Milliseconds(20);
  watcher_ = std::make_unique<InotifyWatcher>(options);
  const std::string later = base_ + "/later";
  ASSERT_TRUE(watcher_->Start({later + "/"}, recorder_.Callbacks()).ok());
  EXPECT_TRUE(watcher_->degraded());
  EXPECT_TRUE(recorder_.WaitForTrouble(Watcher::Trouble::kFailure));

  fs::create_directories(later + "/app");
  EXPECT_TRUE(recorder_.WaitForDir(later + "/app"));  // trailing '/' of the root dropped
  EXPECT_TRUE(Eventually([&] { return !watcher_->degraded(); }));
  recorder_.Clear();
  WriteFile(later + "/app/a.toml", "x = 1\n");
  EXPECT_TRUE(recorder_.WaitForDir(later + "/app"));
}

TEST_F(InotifyWatcherTest, DeletedRootIsReportedAndDegrades) {
  InotifyWatcher::Options options;
  options.retry_interval = absl::Milliseconds(20);
  StartWatcher(options);
  fs::remove_all(root_);
  EXPECT_TRUE(recorder_.WaitForDir(root_));
  EXPECT_TRUE(recorder_.WaitForTrouble(Watcher::Trouble::kFailure));
  EXPECT_TRUE(watcher_->degraded());
  EXPECT_EQ(watcher_->stats().watches, 0u);

  recorder_.Clear();
  fs::create_directories(root_ + "/app");
  EXPECT_TRUE(recorder_.WaitForDir(root_ + "/app"));
  EXPECT_TRUE(Eventually([&] { return !watcher_->degraded(); }));
}

TEST_F(InotifyWatcherTest, StopIsIdempotentAndStartTwiceFails) {
  StartWatcher();
  EXPECT_FALSE(watcher_->Start({root_}, recorder_.Callbacks()).ok());
  watcher_->Stop();
  watcher_->Stop();
  recorder_.Clear();
  WriteFile(root_ + "/app/a.toml", "x = 1\n");
  EXPECT_FALSE(recorder_.Saw(root_ + "/app"));
}

}  // namespace
}  // namespace hearth
