// Unreadable directories (issue 7, item 4), with hearthd running as an unprivileged user (uid
// 65534 via setpriv; root would read through the permissions). Only ENOENT means a config is gone.
// Promise: EACCES on a config directory keeps its last-known-good (GetConfig OK, no DELETED to
// watchers) with an error recorded; fixing the permissions recovers it; an unreadable root turns
// health NOT_SERVING, and back to SERVING once readable.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/robustness/robustness_fixture.h"

namespace hearth::robustness {
namespace {

using testing::TempDir;

class UnreadableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to run hearthd as uid 65534";
    root_.Write("keep/a.toml", "x = 1\n");
    root_.Write("locked/a.toml", "secret = false\n");
    root_.Write("team/locked/a.toml", "nested = true\n");
    OpenUpForOthers(root_.path());
    DaemonOptions o;
    o.unprivileged = true;
    daemon_ = std::make_unique<HostileDaemon>(root_.path(), o);
    ASSERT_TRUE(daemon_->WaitServing()) << daemon_->log_tail();
    keep_ = Capture(*daemon_, "keep");
  }
  void TearDown() override {
    // TempDir's cleanup runs as root, but restore modes anyway so nothing is left unreadable.
    chmod(root_.path().c_str(), 0755);
    chmod(root_.Path("locked").c_str(), 0755);
    chmod(root_.Path("team/locked").c_str(), 0755);
  }

  // chmod 000 `dir`, then checks the LKG survives (even across a SIGHUP rescan) with an error.
  void ExpectLockedDirectoryKeepsLastKnownGood(const std::string& dir) {
    const Served before = Capture(*daemon_, dir);
    v1::WatchConfigsRequest req;
    req.add_names(dir);
    WatchCollector watch(daemon_->stub(), req);
    ASSERT_TRUE(watch.Next(IsSnapshotEnd()));
    ASSERT_EQ(chmod(root_.Path(dir).c_str(), 0), 0);
    // A change inside (root writes through the mode) makes the daemon re-list the directory,
    // and a full rescan (SIGHUP) meets the EACCES too.
    root_.Write(dir + "/b.toml", "extra = 1\n");
    absl::SleepFor(absl::Milliseconds(200));
    daemon_->process().Signal(SIGHUP);
    std::string last;
    EXPECT_TRUE(Eventually(
        [&] {
          v1::GetConfigResponse r;
          grpc::Status s = daemon_->Get(dir, &r, "", absl::Seconds(1));
          last = s.ok() ? absl::StrCat("OK with ", r.errors_size(), " errors") : Describe(s);
          return s.ok() && r.errors_size() > 0;
        },
        absl::Seconds(5)))
        << "promise broken: an unreadable config directory keeps its last-known-good with an "
           "error naming the directory; GetConfig("
        << dir << ") gives " << last << "\n"
        << daemon_->log_tail();
    // Another rescan must not delete it either.
    daemon_->process().Signal(SIGHUP);
    absl::SleepFor(absl::Milliseconds(500));
    EXPECT_TRUE(daemon_->ServesLastKnownGood(dir, before.json, before.etag));
    for (const auto& e : watch.All()) {
      EXPECT_NE(e.type(), v1::WATCH_EVENT_TYPE_DELETED)
          << "promise broken: only a config that is really gone (ENOENT) is deleted; watchers "
             "got DELETED for unreadable '"
          << dir << "'";
    }
    if (auto list = daemon_->List()) {
      bool listed = false;
      for (const auto& c : *list) listed |= c.name() == dir;
      EXPECT_TRUE(listed) << "promise broken: unreadable '" << dir << "' vanished from List";
    }
    // Readable again: the config recovers, with the file added meanwhile.
    ASSERT_EQ(chmod(root_.Path(dir).c_str(), 0755), 0);
    daemon_->process().Signal(SIGHUP);
    EXPECT_TRUE(Eventually(
        [&] {
          v1::GetConfigResponse r;
          return daemon_->Get(dir, &r, "", absl::Seconds(1)).ok() && r.errors_size() == 0 &&
                 r.json().find("\"extra\":1") != std::string::npos;
        },
        absl::Seconds(5)))
        << "promise broken: fixing the permissions must recover '" << dir << "'\n"
        << daemon_->log_tail();
    EXPECT_TRUE(daemon_->ServesCorrectly(keep_.name, keep_.json, keep_.etag));
  }

  TempDir root_;
  std::unique_ptr<HostileDaemon> daemon_;
  Served keep_;
};

TEST_F(UnreadableTest, UnreadableConfigDirectoryKeepsItsLastKnownGood) {
  ExpectLockedDirectoryKeepsLastKnownGood("locked");
}

TEST_F(UnreadableTest, UnreadableNestedConfigDirectoryKeepsItsLastKnownGood) {
  ExpectLockedDirectoryKeepsLastKnownGood("team/locked");
}

TEST_F(UnreadableTest, UnreadableFileKeepsItsLastKnownGood) {
  // Already promised before issue 7; kept here as the control for the directory cases.
  const Served before = Capture(*daemon_, "locked");
  ASSERT_EQ(chmod(root_.Path("locked/a.toml").c_str(), 0), 0);
  root_.Write("locked/b.toml", "y = 2\n");  // an event in the directory
  EXPECT_TRUE(Eventually(
      [&] {
        v1::GetConfigResponse r;
        return daemon_->Get("locked", &r, "", absl::Seconds(1)).ok() && r.errors_size() > 0;
      },
      absl::Seconds(5)))
      << "promise broken: an unreadable file is an error on its config";
  EXPECT_TRUE(daemon_->ServesLastKnownGood("locked", before.json, before.etag));
  chmod(root_.Path("locked/a.toml").c_str(), 0644);
}

TEST_F(UnreadableTest, UnreadableRootTurnsHealthNotServingAndKeepsServing) {
  ASSERT_EQ(chmod(root_.path().c_str(), 0), 0);
  daemon_->process().Signal(SIGHUP);
  EXPECT_TRUE(daemon_->WaitHealth(Health::kNotServing, absl::Seconds(5)))
      << "promise broken: readiness reflects an unreadable root; health says "
      << HealthName(daemon_->CheckHealth()) << "\n"
      << daemon_->log_tail();
  // The documents already loaded keep serving while the root is unreadable.
  v1::GetConfigResponse r;
  EXPECT_TRUE(daemon_->Get("keep", &r).ok() && r.etag() == keep_.etag)
      << "promise broken: an unreadable root must not delete its configs (LKG keeps serving)";
  ASSERT_EQ(chmod(root_.path().c_str(), 0755), 0);
  daemon_->process().Signal(SIGHUP);
  EXPECT_TRUE(daemon_->WaitHealth(Health::kServing, absl::Seconds(5)))
      << "promise broken: a root readable again must turn health back to SERVING";
  EXPECT_TRUE(daemon_->ServesCorrectly(keep_.name, keep_.json, keep_.etag));
}

}  // namespace
}  // namespace hearth::robustness
