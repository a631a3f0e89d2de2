// RolloutTracker: what clients report they applied, classified against the served etag, with
// leases, and with every input bounded (a flood of ids or huge fields cannot grow memory).

#include "server/core/store/rollout_tracker.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace hearth {
namespace {

using Outcome = RolloutTracker::Outcome;
using State = RolloutTracker::ClientState;

class FixedClock final : public Clock {
 public:
  absl::Time Now() const override { return now; }
  absl::Time now = absl::FromUnixSeconds(1'700'000'000);
};

RolloutTracker::Report Applied(std::string etag, std::string name = "payments") {
  return {.name = std::move(name),
          .profile = "",
          .revision = 1,
          .etag = std::move(etag),
          .outcome = Outcome::kApplied,
          .reason = ""};
}

RolloutTracker::Report Rejected(std::string etag, std::string reason) {
  return {.name = "payments",
          .profile = "",
          .revision = 2,
          .etag = std::move(etag),
          .outcome = Outcome::kRejected,
          .reason = std::move(reason)};
}

class RolloutTrackerTest : public ::testing::Test {
 protected:
  RolloutTracker::Options Options() {
    RolloutTracker::Options options;
    options.lease = absl::Seconds(60);
    return options;
  }
  FixedClock clock_;
};

TEST_F(RolloutTrackerTest, ClassifiesClientsAgainstTheServedEtag) {
  RolloutTracker tracker(Options(), &clock_);
  ASSERT_TRUE(tracker.Record("web-0", {{"pod", "web-0"}}, {Applied("new")}).ok());
  ASSERT_TRUE(tracker.Record("web-1", {}, {Applied("old")}).ok());
  ASSERT_TRUE(tracker.Record("web-2", {}, {Rejected("new", "nginx -t failed")}).ok());
  ASSERT_TRUE(tracker.Record("other", {}, {Applied("x", "billing")}).ok());

  const RolloutTracker::Rollout rollout = tracker.RolloutOf("payments", "", "new");
  EXPECT_EQ(rollout.current, 1u);
  EXPECT_EQ(rollout.behind, 1u);
  EXPECT_EQ(rollout.rejected, 1u);
  ASSERT_EQ(rollout.clients.size(), 3u);  // not "other": it reported on billing only
  EXPECT_FALSE(rollout.truncated);
  // The ones to look at first: rejected, then behind, then current.
  EXPECT_EQ(rollout.clients[0].client_id, "web-2");
  EXPECT_EQ(rollout.clients[0].state, State::kRejected);
  EXPECT_EQ(rollout.clients[0].reason, "nginx -t failed");
  EXPECT_EQ(rollout.clients[1].client_id, "web-1");
  EXPECT_EQ(rollout.clients[1].state, State::kBehind);
  EXPECT_EQ(rollout.clients[2].client_id, "web-0");
  EXPECT_EQ(rollout.clients[2].state, State::kCurrent);
  EXPECT_EQ(rollout.clients[2].labels, (RolloutTracker::Labels{{"pod", "web-0"}}));

  // A bounded listing still counts everyone.
  const RolloutTracker::Rollout one = tracker.RolloutOf("payments", "", "new", 1);
  ASSERT_EQ(one.clients.size(), 1u);
  EXPECT_EQ(one.clients[0].client_id, "web-2");
  EXPECT_TRUE(one.truncated);
  EXPECT_EQ(one.current + one.behind + one.rejected, 3u);

  // The next version: the client that applied "new" is now behind, the rejection is history.
  const RolloutTracker::Rollout next = tracker.RolloutOf("payments", "", "newer");
  EXPECT_EQ(next.current, 0u);
  EXPECT_EQ(next.behind, 3u);
  EXPECT_TRUE(tracker.Rejected("web-2", "payments", "", "new"));
  EXPECT_FALSE(tracker.Rejected("web-2", "payments", "", "newer"));
  EXPECT_FALSE(tracker.Rejected("web-0", "payments", "", "new"));
}

TEST_F(RolloutTrackerTest, ProfilesAreSeparateRollouts) {
  RolloutTracker tracker(Options(), &clock_);
  RolloutTracker::Report prod = Applied("p");
  prod.profile = "production";
  ASSERT_TRUE(tracker.Record("a", {}, {Applied("b"), prod}).ok());
  EXPECT_EQ(tracker.RolloutOf("payments", "", "b").current, 1u);
  EXPECT_EQ(tracker.RolloutOf("payments", "production", "p").current, 1u);
  EXPECT_EQ(tracker.RolloutOf("payments", "staging", "p").clients.size(), 0u);
}

TEST_F(RolloutTrackerTest, ALaterReportReplacesOnlyTheConfigsItNames) {
  RolloutTracker tracker(Options(), &clock_);
  ASSERT_TRUE(tracker.Record("a", {}, {Applied("1"), Applied("9", "billing")}).ok());
  ASSERT_TRUE(tracker.Record("a", {{"pod", "a"}}, {Rejected("2", "bad")}).ok());
  EXPECT_EQ(tracker.RolloutOf("payments", "", "2").rejected, 1u);
  EXPECT_EQ(tracker.RolloutOf("billing", "", "9").current, 1u);
  EXPECT_EQ(tracker.RolloutOf("billing", "", "9").clients[0].labels.size(), 1u);
  // Applying after a rejection clears the reason.
  ASSERT_TRUE(tracker.Record("a", {}, {Applied("3")}).ok());
  EXPECT_EQ(tracker.RolloutOf("payments", "", "3").clients[0].reason, "");
}

TEST_F(RolloutTrackerTest, LeasesExpireAndHalfALeaseIsStale) {
  RolloutTracker tracker(Options(), &clock_);
  ASSERT_TRUE(tracker.Record("a", {}, {Applied("e")}).ok());
  ASSERT_TRUE(tracker.Record("b", {}, {Applied("e")}).ok());
  clock_.now += absl::Seconds(31);
  ASSERT_TRUE(tracker.Record("b", {}, {}).ok());  // a heartbeat renews the lease
  RolloutTracker::Rollout rollout = tracker.RolloutOf("payments", "", "e");
  ASSERT_EQ(rollout.clients.size(), 2u);
  EXPECT_TRUE(rollout.clients[0].stale);
  EXPECT_FALSE(rollout.clients[1].stale);
  EXPECT_EQ(rollout.stale, 1u);
  clock_.now += absl::Seconds(30);
  rollout = tracker.RolloutOf("payments", "", "e");
  ASSERT_EQ(rollout.clients.size(), 1u);
  EXPECT_EQ(rollout.clients[0].client_id, "b");
  EXPECT_EQ(tracker.client_count(), 1u);
  // An expired client that comes back starts over: its old reports are gone.
  ASSERT_TRUE(tracker.Record("a", {}, {Applied("e", "billing")}).ok());
  EXPECT_EQ(tracker.RolloutOf("payments", "", "e").clients.size(), 1u);
}

TEST_F(RolloutTrackerTest, ForgetDropsAClient) {
  RolloutTracker tracker(Options(), &clock_);
  ASSERT_TRUE(tracker.Record("a", {}, {Applied("e")}).ok());
  EXPECT_TRUE(tracker.Forget("a"));
  EXPECT_FALSE(tracker.Forget("a"));
  EXPECT_EQ(tracker.RolloutOf("payments", "", "e").clients.size(), 0u);
}

TEST_F(RolloutTrackerTest, TotalsCountEveryConfigOfEveryClient) {
  RolloutTracker tracker(Options(), &clock_);
  ASSERT_TRUE(tracker.Record("a", {}, {Applied("e"), Applied("x", "billing")}).ok());
  ASSERT_TRUE(tracker.Record("b", {}, {Rejected("e", "no")}).ok());
  const RolloutTracker::Totals totals = tracker.TotalsAgainst(
      [](std::string_view name, std::string_view) { return name == "payments" ? "e" : "y"; });
  EXPECT_EQ(totals.clients, 2u);
  EXPECT_EQ(totals.current, 1u);
  EXPECT_EQ(totals.behind, 1u);
  EXPECT_EQ(totals.rejected, 1u);
  EXPECT_EQ(totals.rejected_by_config.size(), 1u);
  EXPECT_EQ(totals.rejected_by_config.at("payments"), 1u);
  EXPECT_EQ(totals.applied_reports, 2u);
  EXPECT_EQ(totals.rejected_reports, 1u);
}

// --- bad input ---

TEST_F(RolloutTrackerTest, TheClientLimitRefusesNewClientsButNotKnownOnes) {
  RolloutTracker::Options options = Options();
  options.max_clients = 3;
  RolloutTracker tracker(options, &clock_);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(tracker.Record("c" + std::to_string(i), {}, {Applied("e")}).ok());
  }
  const absl::Status full = tracker.Record("c3", {}, {Applied("e")});
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted) << full;
  EXPECT_TRUE(tracker.Record("c0", {}, {Applied("f")}).ok());
  // Once leases run out, room is made for new clients.
  clock_.now += absl::Seconds(61);
  EXPECT_TRUE(tracker.Record("c3", {}, {Applied("e")}).ok());
  EXPECT_EQ(tracker.client_count(), 1u);
}

TEST_F(RolloutTrackerTest, OversizedOrMalformedFieldsAreRefusedWithoutQuotingThem) {
  RolloutTracker::Options options = Options();
  options.max_labels = 2;
  options.max_configs_per_client = 2;
  RolloutTracker tracker(options, &clock_);
  const std::string secret = "hunter2-secret-value";
  struct Case {
    std::string what;
    std::string id;
    RolloutTracker::Labels labels;
    std::vector<RolloutTracker::Report> reports;
  };
  RolloutTracker::Report no_etag = Applied("");
  RolloutTracker::Report bad_name = Applied("e", std::string(300, 'n'));
  RolloutTracker::Report nul_profile = Applied("e");
  nul_profile.profile = std::string("a\0b", 3);
  RolloutTracker::Report bad_reason = Rejected("e", secret + "\xff");
  const std::vector<Case> cases = {
      {"empty id", "", {}, {Applied("e")}},
      {"long id", std::string(254, 'x'), {}, {Applied("e")}},
      {"non-UTF-8 id", "ab\xc3", {}, {Applied("e")}},
      {"too many labels", "a", {{"a", "1"}, {"b", "2"}, {"c", "3"}}, {}},
      {"empty label key", "a", {{"", secret}}, {}},
      {"long label value", "a", {{"k", secret + std::string(300, 'v')}}, {}},
      {"too many configs", "a", {}, {Applied("1", "x"), Applied("2", "y"), Applied("3", "z")}},
      {"no etag", "a", {}, {no_etag}},
      {"long config name", "a", {}, {bad_name}},
      {"NUL in profile", "a", {}, {nul_profile}},
      {"non-UTF-8 reason", "a", {}, {bad_reason}},
  };
  for (const Case& c : cases) {
    const absl::Status status = tracker.Record(c.id, c.labels, c.reports);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.what << ": " << status;
    EXPECT_EQ(std::string(status.message()).find(secret), std::string::npos) << c.what;
  }
  EXPECT_EQ(tracker.client_count(), 0u);
  // Configs per client count across reports, not only within one.
  ASSERT_TRUE(tracker.Record("a", {}, {Applied("1", "x"), Applied("2", "y")}).ok());
  EXPECT_EQ(tracker.Record("a", {}, {Applied("3", "z")}).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(tracker.Record("a", {}, {Applied("4", "x")}).ok());  // a known one is fine
}

TEST_F(RolloutTrackerTest, LongReasonsAreCutAtACharacterBoundary) {
  RolloutTracker::Options options = Options();
  options.max_reason_bytes = 10;
  RolloutTracker tracker(options, &clock_);
  // "ééééé..." is two bytes per character: 10 bytes fit five, 11 must not split the sixth.
  std::string reason;
  for (int i = 0; i < 20; ++i) reason += "\xc3\xa9";
  ASSERT_TRUE(tracker.Record("a", {}, {Rejected("e", "x" + reason)}).ok());
  const std::string kept = tracker.RolloutOf("payments", "", "e").clients[0].reason;
  EXPECT_EQ(kept, "x" + reason.substr(0, 8));
}

}  // namespace
}  // namespace hearth
