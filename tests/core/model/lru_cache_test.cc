#include "server/core/model/lru_cache.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace hearth {
namespace {

std::shared_ptr<const int> Int(int i) { return std::make_shared<const int>(i); }

TEST(LruCacheTest, MissHitAndStats) {
  LruCache<int> cache({.max_bytes = 100});
  EXPECT_EQ(cache.Lookup("a"), nullptr);
  auto one = Int(1);
  cache.Insert("a", one, 10);
  EXPECT_EQ(cache.Lookup("a"), one);  // the same shared value, not a copy
  const auto s = cache.stats();
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.entries, 1u);
  EXPECT_EQ(s.bytes, 10u);
}

TEST(LruCacheTest, EvictsLeastRecentlyUsedByBytesAndByEntries) {
  LruCache<int> by_bytes({.max_bytes = 30});
  by_bytes.Insert("a", Int(1), 10);
  by_bytes.Insert("b", Int(2), 10);
  by_bytes.Insert("c", Int(3), 10);
  ASSERT_NE(by_bytes.Lookup("a"), nullptr);  // a is now the most recent
  by_bytes.Insert("d", Int(4), 10);
  EXPECT_EQ(by_bytes.Lookup("b"), nullptr);
  EXPECT_NE(by_bytes.Lookup("a"), nullptr);
  EXPECT_EQ(by_bytes.stats().evictions, 1u);
  EXPECT_EQ(by_bytes.stats().bytes, 30u);

  LruCache<int> by_entries({.max_bytes = 1000, .max_entries = 2});
  by_entries.Insert("a", Int(1), 1);
  by_entries.Insert("b", Int(2), 1);
  by_entries.Insert("c", Int(3), 1);
  EXPECT_EQ(by_entries.Lookup("a"), nullptr);
  EXPECT_EQ(by_entries.stats().entries, 2u);
}

TEST(LruCacheTest, ReplacingAKeyKeepsTheBytesRight) {
  LruCache<int> cache({.max_bytes = 100});
  cache.Insert("a", Int(1), 40);
  cache.Insert("a", Int(2), 25);
  EXPECT_EQ(*cache.Lookup("a"), 2);
  EXPECT_EQ(cache.stats().bytes, 25u);
  EXPECT_EQ(cache.stats().entries, 1u);
}

TEST(LruCacheTest, OversizedEntriesAndZeroLimitsKeepNothing) {
  LruCache<int> small({.max_bytes = 10});
  small.Insert("big", Int(1), 11);
  EXPECT_EQ(small.Lookup("big"), nullptr);
  LruCache<int> off({.max_bytes = 0});
  off.Insert("a", Int(1), 0);
  EXPECT_EQ(off.stats().entries, 1u);  // a zero-byte entry fits a zero-byte limit
  LruCache<int> no_entries({.max_bytes = 100, .max_entries = 0});
  no_entries.Insert("a", Int(1), 1);
  EXPECT_EQ(no_entries.Lookup("a"), nullptr);
}

TEST(LruCacheTest, AFloodOfDistinctKeysStaysWithinTheBound) {
  LruCache<int> cache({.max_bytes = 1000});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 5000; ++i) {
        const std::string key = std::to_string(t) + ":" + std::to_string(i);
        cache.Insert(key, Int(i), 7);
        cache.Lookup(key);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  const auto s = cache.stats();
  EXPECT_LE(s.bytes, 1000u);
  EXPECT_EQ(s.entries, s.bytes / 7);
  EXPECT_EQ(s.evictions, 20000u - s.entries);
}

}  // namespace
}  // namespace hearth
