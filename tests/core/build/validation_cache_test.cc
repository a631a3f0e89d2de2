#include "server/core/build/validation_cache.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace hearth {
namespace {

std::shared_ptr<const BuildResult> Failed(std::string error) {
  auto result = std::make_shared<BuildResult>();
  result->errors.push_back(std::move(error));
  return result;
}

std::string Key(std::initializer_list<std::string_view> fields) {
  std::string key;
  for (std::string_view f : fields) ValidationCache::AppendKeyField(&key, f);
  return key;
}

TEST(ValidationCacheTest, MissThenHitSharesTheResult) {
  ValidationCache cache({.max_bytes = 1 << 20, .max_entries = 16});
  const std::string key = Key({"app", "candidate"});
  EXPECT_EQ(cache.Lookup(key), nullptr);
  auto result = Failed("app/a.json:1:1: bad");
  cache.Insert(key, result);
  EXPECT_EQ(cache.Lookup(key), result);
  ValidationCache::Stats s = cache.stats();
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.entries, 1u);
  EXPECT_EQ(s.bytes, ValidationCache::BytesOf(key, *result));
  EXPECT_EQ(s.evictions, 0u);
}

TEST(ValidationCacheTest, KeyFieldsAreUnambiguous) {
  EXPECT_NE(Key({"ab", "c"}), Key({"a", "bc"}));
  EXPECT_NE(Key({"a", ""}), Key({"a"}));
  EXPECT_NE(Key({"1:a"}), Key({"1", "a"}));
}

TEST(ValidationCacheTest, EvictsLeastRecentlyUsedPastTheEntryBound) {
  ValidationCache cache({.max_bytes = 1 << 20, .max_entries = 2});
  cache.Insert("a", Failed("a"));
  cache.Insert("b", Failed("b"));
  ASSERT_NE(cache.Lookup("a"), nullptr);  // b is now the least recently used
  cache.Insert("c", Failed("c"));
  EXPECT_NE(cache.Lookup("a"), nullptr);
  EXPECT_EQ(cache.Lookup("b"), nullptr);
  EXPECT_NE(cache.Lookup("c"), nullptr);
  EXPECT_EQ(cache.stats().entries, 2u);
  EXPECT_EQ(cache.stats().evictions, 1u);
}

TEST(ValidationCacheTest, ReplacingAKeyKeepsTheAccountRight) {
  ValidationCache cache({.max_bytes = 1 << 20, .max_entries = 16});
  cache.Insert("a", Failed("short"));
  auto longer = Failed(std::string(1000, 'x'));
  cache.Insert("a", longer);
  EXPECT_EQ(cache.Lookup("a"), longer);
  EXPECT_EQ(cache.stats().entries, 1u);
  EXPECT_EQ(cache.stats().bytes, ValidationCache::BytesOf("a", *longer));
}

TEST(ValidationCacheTest, ZeroDisables) {
  for (ValidationCache::Options o :
       {ValidationCache::Options{.max_bytes = 0, .max_entries = 16},
        ValidationCache::Options{.max_bytes = 1 << 20, .max_entries = 0}}) {
    ValidationCache cache(o);
    EXPECT_FALSE(cache.enabled());
    cache.Insert("a", Failed("a"));
    EXPECT_EQ(cache.Lookup("a"), nullptr);
    EXPECT_EQ(cache.stats().entries, 0u);
    EXPECT_EQ(cache.stats().bytes, 0u);
  }
}

TEST(ValidationCacheTest, AnEntryLargerThanTheBudgetIsNotCached) {
  ValidationCache cache({.max_bytes = 4096, .max_entries = 16});
  cache.Insert("small", Failed("s"));
  cache.Insert(std::string(8192, 'k'), Failed("big key"));
  cache.Insert("big result", Failed(std::string(8192, 'e')));
  EXPECT_NE(cache.Lookup("small"), nullptr);  // not evicted to make room for what cannot fit
  EXPECT_EQ(cache.stats().entries, 1u);
  EXPECT_EQ(cache.stats().evictions, 0u);
}

// A client sending a flood of distinct 2 KB candidates (every one a miss) cannot grow the cache
// past its byte bound, whatever the entry bound.
TEST(ValidationCacheTest, AFloodOfDistinctKeysStaysWithinTheByteBound) {
  constexpr size_t kBudget = 256 << 10;
  ValidationCache cache({.max_bytes = kBudget, .max_entries = 1 << 20});
  const std::string candidate(2048, 'c');
  for (int i = 0; i < 20000; ++i) {
    std::string key = Key({"app", absl::StrCat(i), candidate});
    ASSERT_EQ(cache.Lookup(key), nullptr);
    cache.Insert(std::move(key), Failed("app/c.json:1:1: not valid"));
    ASSERT_LE(cache.stats().bytes, kBudget);
  }
  ValidationCache::Stats s = cache.stats();
  EXPECT_GT(s.entries, 50u);
  EXPECT_LT(s.entries, 130u);  // about kBudget / 2 KB
  EXPECT_EQ(s.evictions, 20000u - s.entries);
  EXPECT_EQ(s.misses, 20000u);
}

TEST(ValidationCacheTest, ConcurrentUseStaysConsistent) {
  ValidationCache cache({.max_bytes = 64 << 10, .max_entries = 64});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 2000; ++i) {
        std::string key = absl::StrCat("k", (i * 7 + t) % 200);
        if (std::shared_ptr<const BuildResult> hit = cache.Lookup(key)) {
          ASSERT_EQ(hit->errors[0], key);  // never another key's result
        } else {
          cache.Insert(key, Failed(key));
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ValidationCache::Stats s = cache.stats();
  EXPECT_EQ(s.hits + s.misses, 8000u);
  EXPECT_LE(s.entries, 64u);
  EXPECT_LE(s.bytes, size_t{64} << 10);
}

}  // namespace
}  // namespace hearth
