#include "server/core/store/config_renderer.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/simple_version.h"

namespace hearth {
namespace {

TEST(ConfigRendererTest, WholeDocumentRenderSharesThePreRenderedBuffer) {
  ConfigStore store({});
  const ConfigRenderer renderer(&store, {});
  store.Publish(MakeSimpleVersion("a", 7));
  auto r1 = renderer.Render("a", "", "");
  auto r2 = renderer.Render("a", "no-such-profile", "");
  ASSERT_TRUE(r1.ok());
  ASSERT_TRUE(r2.ok());
  // Same buffer, not a copy: the pointer identity is the zero-copy contract.
  EXPECT_EQ(r1->doc->json.get(), r2->doc->json.get());
  EXPECT_EQ(r1->doc->json.get(), store.Get("a")->version->variants[0].json.get());
}

TEST(ConfigRendererTest, PathRenderIsCachedPerRevision) {
  ConfigStore store({});
  const ConfigRenderer renderer(&store, {});
  store.Publish(MakeSimpleVersion("a", 7));
  auto r1 = renderer.Render("a", "", "db");
  ASSERT_TRUE(r1.ok()) << r1.status();
  EXPECT_EQ(*r1->doc->json, R"({"port":7})");
  auto before = renderer.cache_stats();
  auto r2 = renderer.Render("a", "", "db");
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r1->doc.get(), r2->doc.get());
  EXPECT_EQ(renderer.cache_stats().hits, before.hits + 1);
  store.Publish(MakeSimpleVersion("a", 8));
  auto r3 = renderer.Render("a", "", "db.port");
  ASSERT_TRUE(r3.ok());
  EXPECT_EQ(*r3->doc->json, "8");
  EXPECT_EQ(renderer.Render("a", "", "db.nope").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(renderer.Render("a", "", "db\x1f").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ConfigRendererTest, FormatsAreRenderedOncePerVersionWithTheirOwnEtag) {
  ConfigStore store({});
  const ConfigRenderer renderer(&store, {});
  store.Publish(MakeSimpleVersion("a", 7));
  auto json = renderer.Render("a", "", "");
  auto yaml = renderer.Render("a", "", "", OutputFormat::kYaml);
  ASSERT_TRUE(yaml.ok()) << yaml.status();
  EXPECT_EQ(*yaml->doc->content, "db:\n  port: 7\nv: 7\n");
  EXPECT_EQ(yaml->doc->json, nullptr);
  EXPECT_NE(yaml->doc->etag, json->doc->etag);
  auto again = renderer.Render("a", "", "", OutputFormat::kYaml);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->doc.get(), yaml->doc.get());  // from the cache
  auto env = renderer.Render("a", "", "db", OutputFormat::kEnv);
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(*env->doc->content, "PORT=7\n");
  // A sub-tree that is a scalar has no TOML form: INVALID_ARGUMENT naming the config.
  auto toml = renderer.Render("a", "", "db.port", OutputFormat::kToml);
  EXPECT_EQ(toml.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(toml.status().message(), testing::HasSubstr("config 'a': toml needs a table"));
}

TEST(ConfigRendererTest, CacheIsBoundedByBytes) {
  ConfigStore store({});
  // Room for a few small sub-tree renderings (each a few hundred bytes with its overhead).
  const ConfigRenderer renderer(&store, {.cache_bytes = 2000});
  for (int i = 0; i < 20; ++i) {
    const std::string name = "c" + std::to_string(i);
    store.Publish(MakeSimpleVersion(name, i));
    ASSERT_TRUE(renderer.Render(name, "", "db").ok());
  }
  const RenderCache::Stats stats = renderer.cache_stats();
  EXPECT_LE(stats.bytes, 2000u);
  EXPECT_GE(stats.entries, 1u);
  EXPECT_LT(stats.entries, 20u);
  EXPECT_EQ(stats.evictions, 20u - stats.entries);
  EXPECT_EQ(stats.misses, 20u);
}

}  // namespace
}  // namespace hearth
