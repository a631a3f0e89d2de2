#include "server/core/store/config_store.h"

#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/store/config_renderer.h"
#include "tests/fakes/simple_version.h"

namespace hearth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::shared_ptr<ConfigVersion> MakeVersion(const std::string& name, int64_t value) {
  return MakeSimpleVersion(name, value);
}

// A clock a test sets.
class FixedClock final : public Clock {
 public:
  absl::Time Now() const override { return now; }
  absl::Time now = absl::FromUnixSeconds(1'700'000'000);
};

TEST(ConfigStoreTest, PublishAssignsIncreasingRevisions) {
  ConfigStore store({});
  EXPECT_EQ(store.revision(), 0u);
  EXPECT_EQ(store.Publish(MakeVersion("a", 1)), 1u);
  EXPECT_EQ(store.Publish(MakeVersion("b", 1)), 2u);
  EXPECT_EQ(store.Publish(MakeVersion("a", 2)), 3u);
  EXPECT_EQ(store.revision(), 3u);
  auto a = store.Get("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->version_revision, 3u);
  EXPECT_EQ(a->mod_revision, 3u);
  EXPECT_EQ(*a->version->variants[0].json, R"({"db":{"port":2},"v":2})");
}

TEST(ConfigStoreTest, SameContentIsNotRepublished) {
  ConfigStore store({});
  EXPECT_EQ(store.Publish(MakeVersion("a", 1)), 1u);
  EXPECT_EQ(store.Publish(MakeVersion("a", 1)), 0u);
  EXPECT_EQ(store.revision(), 1u);
}

TEST(ConfigStoreTest, ErrorKeepsLastKnownGood) {
  ConfigStore store({});
  store.Publish(MakeVersion("a", 1));
  EXPECT_EQ(store.RecordError("a", {"a/x.toml:3:1: bad"}), 2u);
  auto a = store.Get("a");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(a->version, nullptr);
  EXPECT_EQ(a->version_revision, 1u);
  EXPECT_EQ(a->mod_revision, 2u);
  EXPECT_THAT(a->errors, ElementsAre("a/x.toml:3:1: bad"));
  EXPECT_FALSE(a->ok());
  // The same error again is not a change.
  EXPECT_EQ(store.RecordError("a", {"a/x.toml:3:1: bad"}), 0u);
  // Serving continues from the last-known-good.
  auto r = ConfigRenderer(&store, {}).Render("a", "", "");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r->doc->json, R"({"db":{"port":1},"v":1})");
  // Republishing identical content clears the error (a change).
  EXPECT_EQ(store.Publish(MakeVersion("a", 1)), 3u);
  EXPECT_TRUE(store.Get("a")->ok());
}

TEST(ConfigStoreTest, ErrorWithoutVersionIsFailedPrecondition) {
  ConfigStore store({});
  store.RecordError("a", {"a/x.json:1:2: oops"});
  auto r = ConfigRenderer(&store, {}).Render("a", "", "");
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("a/x.json:1:2: oops"));
  EXPECT_EQ(store.counts().no_version, 1u);
}

TEST(ConfigStoreTest, RemoveLeavesTombstoneForWatchers) {
  ConfigStore store({});
  store.Publish(MakeVersion("a", 1));
  store.Publish(MakeVersion("b", 1));
  EXPECT_EQ(store.Remove("a"), 3u);
  EXPECT_EQ(store.Remove("a"), 0u);
  EXPECT_EQ(store.Get("a"), nullptr);
  EXPECT_EQ(store.List().size(), 1u);
  auto changed = store.ChangedSince(1);
  ASSERT_EQ(changed.size(), 2u);
  EXPECT_EQ(changed[0]->name, "b");
  EXPECT_EQ(changed[1]->name, "a");
  EXPECT_TRUE(changed[1]->deleted);
  EXPECT_EQ(ConfigRenderer(&store, {}).Render("a", "", "").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(ConfigStoreTest, TombstonesAreBoundedAndAdvanceCompaction) {
  ConfigStore store({.shards = 4, .tombstone_limit = 2});
  for (int i = 0; i < 5; ++i) store.Publish(MakeVersion("c" + std::to_string(i), i));
  for (int i = 0; i < 5; ++i) store.Remove("c" + std::to_string(i));
  // Five deletions at revisions 6..10; only the last two are remembered.
  EXPECT_EQ(store.compacted_revision(), 8u);
  EXPECT_EQ(store.ChangedSince(0).size(), 2u);
}

TEST(ConfigStoreTest, ListFiltersByPrefixAndSorts) {
  ConfigStore store({});
  for (const char* n : {"team-b/x", "payments", "team-a/billing", "team-a/search"}) {
    store.Publish(MakeVersion(n, 1));
  }
  std::vector<std::string> names;
  for (const auto& e : store.List("team-a/")) names.push_back(e->name);
  EXPECT_THAT(names, ElementsAre("team-a/billing", "team-a/search"));
  EXPECT_EQ(store.List().size(), 4u);
}

TEST(ConfigStoreTest, RevisionsAreStampedOnTheEntryNotTheVersion) {
  // One immutable version published into two stores gets each store's own revision.
  std::shared_ptr<const ConfigVersion> version = MakeVersion("a", 1);
  ConfigStore first({});
  ConfigStore second({});
  first.Publish(MakeVersion("x", 1));
  EXPECT_EQ(first.Publish(version), 2u);
  EXPECT_EQ(second.Publish(version), 1u);
  EXPECT_EQ(first.Get("a")->version_revision, 2u);
  EXPECT_EQ(second.Get("a")->version_revision, 1u);
  EXPECT_EQ(first.Get("a")->version.get(), second.Get("a")->version.get());
}

TEST(ConfigStoreTest, TimestampsComeFromTheInjectedClock) {
  FixedClock clock;
  ConfigStore store({.clock = &clock});
  auto version = MakeVersion("a", 1);
  version->built_at = absl::FromUnixSeconds(1'600'000'000);
  store.Publish(version);
  EXPECT_EQ(store.Get("a")->last_success, version->built_at);
  clock.now += absl::Seconds(30);
  store.RecordError("a", {"a/x.toml:1:1: bad"});
  EXPECT_EQ(store.Get("a")->last_attempt, clock.now);
  EXPECT_EQ(store.Get("a")->last_success, version->built_at);
  clock.now += absl::Seconds(30);
  store.Remove("a");
  ASSERT_EQ(store.ChangedSince(0).size(), 1u);
  EXPECT_EQ(store.ChangedSince(0)[0]->last_attempt, clock.now);
}

TEST(ConfigStoreTest, ListenersSeeChangesInRevisionOrder) {
  ConfigStore store({});
  std::vector<std::pair<ConfigStore::ChangeKind, uint64_t>> seen;
  int64_t id = store.AddListener(
      [&](const ConfigStore::Change& c) { seen.emplace_back(c.kind, c.revision); });
  store.Publish(MakeVersion("a", 1));
  store.RecordError("a", {"x"});
  store.Remove("a");
  store.RemoveListener(id);
  store.Publish(MakeVersion("b", 1));
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], std::make_pair(ConfigStore::ChangeKind::kUpdated, uint64_t{1}));
  EXPECT_EQ(seen[1], std::make_pair(ConfigStore::ChangeKind::kError, uint64_t{2}));
  EXPECT_EQ(seen[2], std::make_pair(ConfigStore::ChangeKind::kDeleted, uint64_t{3}));
}

TEST(ConfigStoreTest, ConcurrentReadersAndWriterAgree) {
  ConfigStore store({.shards = 8});
  const ConfigRenderer renderer(&store, {});
  store.Publish(MakeVersion("hot", 0));
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        auto r = renderer.Render("hot", "", "");
        if (!r.ok() || r->doc->json->empty()) bad.fetch_add(1);
      }
    });
  }
  for (int i = 1; i <= 2000; ++i) store.Publish(MakeVersion("hot", i));
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(store.revision(), 2001u);
}

}  // namespace
}  // namespace hearth
