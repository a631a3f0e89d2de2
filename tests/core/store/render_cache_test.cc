#include "server/core/store/render_cache.h"

#include "gtest/gtest.h"

namespace hearth {
namespace {

std::shared_ptr<const RenderedDocument> Doc(size_t bytes) {
  auto d = std::make_shared<RenderedDocument>();
  d->json = std::make_shared<const std::string>(bytes, 'x');
  return d;
}

TEST(RenderCacheTest, MissThenHit) {
  RenderCache cache(1 << 20);
  EXPECT_EQ(cache.Lookup("k"), nullptr);
  auto d = Doc(10);
  cache.Insert("k", d);
  EXPECT_EQ(cache.Lookup("k"), d);
  auto s = cache.stats();
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.entries, 1u);
  EXPECT_GT(s.bytes, 10u);
}

TEST(RenderCacheTest, EvictsLeastRecentlyUsedWithinBudget) {
  RenderCache cache(3500);  // three ~1 KB entries fit, four do not
  cache.Insert("a", Doc(800));
  cache.Insert("b", Doc(800));
  ASSERT_NE(cache.Lookup("a"), nullptr);  // a is now more recent than b
  cache.Insert("c", Doc(800));
  cache.Insert("d", Doc(800));
  EXPECT_NE(cache.Lookup("a"), nullptr);
  EXPECT_EQ(cache.Lookup("b"), nullptr);
  EXPECT_GE(cache.stats().evictions, 1u);
  EXPECT_LE(cache.stats().bytes, 3500u);
}

TEST(RenderCacheTest, OversizedEntryIsNotCached) {
  RenderCache cache(1000);
  cache.Insert("big", Doc(5000));
  EXPECT_EQ(cache.Lookup("big"), nullptr);
  EXPECT_EQ(cache.stats().bytes, 0u);
}

TEST(RenderCacheTest, ReplacingAKeyKeepsAccountingRight) {
  RenderCache cache(1 << 20);
  cache.Insert("k", Doc(100));
  uint64_t one = cache.stats().bytes;
  cache.Insert("k", Doc(100));
  EXPECT_EQ(cache.stats().bytes, one);
  EXPECT_EQ(cache.stats().entries, 1u);
}

TEST(RenderCacheTest, KeysSeparateAllParts) {
  EXPECT_NE(RenderCache::Key("a", 1, "p", "x", "json"), RenderCache::Key("a", 1, "", "px", "json"));
  EXPECT_NE(RenderCache::Key("a", 1, "p", "x", "json"), RenderCache::Key("a", 2, "p", "x", "json"));
  EXPECT_NE(RenderCache::Key("a", 1, "p", "x", "json"), RenderCache::Key("a", 1, "p", "x", "yaml"));
  EXPECT_NE(RenderCache::Key("a", 1, "p", "", "yaml"), RenderCache::Key("a", 1, "p", "yaml", ""));
}

}  // namespace
}  // namespace hearth
