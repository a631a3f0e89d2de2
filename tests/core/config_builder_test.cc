#include "server/core/config_builder.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/format.h"

namespace hearth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

BuildFile File(const std::string& name, const std::string& content) {
  BuildFile f;
  f.meta.name = name;
  f.meta.path = "/root/" + name;
  f.meta.size = content.size();
  f.content = content;
  return f;
}

BuildInput Input(std::vector<BuildFile> files) {
  BuildInput in;
  in.name = "app";
  in.root = "/root";
  in.files = std::move(files);
  return in;
}

std::shared_ptr<const SchemaValidator> Schema(const std::string& json) {
  auto doc = ParseJson(json, SourceRef{"app/_schema.json", 0});
  EXPECT_TRUE(doc.ok()) << doc.status();
  auto v = SchemaValidator::Create(*doc, "app/_schema.json");
  EXPECT_TRUE(v.ok()) << v.status();
  return *v;
}

TEST(ConfigBuilderTest, ProfileAndFileClassification) {
  EXPECT_EQ(ConfigBuilder::ProfileOf("db.production.yaml"), "production");
  EXPECT_EQ(ConfigBuilder::ProfileOf("00-base.toml"), "");
  EXPECT_EQ(ConfigBuilder::ProfileOf(".env"), "");
  EXPECT_EQ(ConfigBuilder::ProfileOf("local.staging.env"), "staging");
  EXPECT_TRUE(ConfigBuilder::IsConfigFile("a.toml"));
  EXPECT_TRUE(ConfigBuilder::IsConfigFile("a.yml"));
  EXPECT_TRUE(ConfigBuilder::IsConfigFile(".env"));
  EXPECT_FALSE(ConfigBuilder::IsConfigFile("_schema.json"));
  EXPECT_FALSE(ConfigBuilder::IsConfigFile(".a.toml.swp"));
  EXPECT_FALSE(ConfigBuilder::IsConfigFile("README.md"));
  EXPECT_FALSE(ConfigBuilder::IsConfigFile("a.toml~"));
}

TEST(ConfigBuilderTest, LayersInLexicalOrderAcrossFormats) {
  BuildResult r =
      ConfigBuilder::Build(Input({File("app/20-x.json", R"({"db":{"port":6543},"tags":["b"]})"),
                                  File("app/00-base.toml",
                                       "name = \"app\"\n[db]\nhost = \"h\"\nport = 5432\n"
                                       "tags = [\"a\"]\n"),
                                  File("app/10-mid.yaml", "db:\n  host: mid\n  user: u\n"),
                                  File("app/local.env", "DB__USER=env-user\nEXTRA=1\n")}),
                           {});
  ASSERT_TRUE(r.ok()) << r.errors[0];
  EXPECT_EQ(*r.version->variants[0].json,
            R"({"db":{"host":"mid","port":6543,"tags":["a"],"user":"env-user"},)"
            R"("extra":"1","name":"app","tags":["b"]})");
  EXPECT_EQ(r.version->files.size(), 4u);
  EXPECT_EQ(r.version->files[0].name, "app/00-base.toml");
  EXPECT_EQ(r.version->files[3].name, "app/local.env");
  EXPECT_EQ(r.version->variants[0].etag.size(), 32u);
}

TEST(ConfigBuilderTest, ProfilesLayerAfterCommonFiles) {
  BuildResult r =
      ConfigBuilder::Build(Input({File("app/db.production.yaml", "db:\n  host: prod\n"),
                                  File("app/00-base.toml", "[db]\nhost = \"dev\"\nport = 1\n"),
                                  File("app/z.staging.json", R"({"db":{"port":2}})")}),
                           {});
  ASSERT_TRUE(r.ok()) << r.errors[0];
  const ConfigVersion& v = *r.version;
  EXPECT_THAT(v.Profiles(), ElementsAre("production", "staging"));
  EXPECT_EQ(*v.Variant("").json, R"({"db":{"host":"dev","port":1}})");
  EXPECT_EQ(*v.Variant("production").json, R"({"db":{"host":"prod","port":1}})");
  EXPECT_EQ(*v.Variant("staging").json, R"({"db":{"host":"dev","port":2}})");
  EXPECT_EQ(v.Variant("unknown").json, v.Variant("").json);
}

TEST(ConfigBuilderTest, NullDeletesAndInterpolationResolves) {
  BuildResult r = ConfigBuilder::Build(
      Input({File("app/a.json", R"({"host":"h","port":80,"old":1,"url":"http://${host}:${port}"})"),
             File("app/b.json", R"({"old":null,"copy":"${port}"})")}),
      {});
  ASSERT_TRUE(r.ok()) << r.errors[0];
  EXPECT_EQ(*r.version->variants[0].json,
            R"({"copy":80,"host":"h","port":80,"url":"http://h:80"})");
}

TEST(ConfigBuilderTest, CollectsEveryParseErrorWithLocation) {
  BuildResult r =
      ConfigBuilder::Build(Input({File("app/a.toml", "x = \n"), File("app/b.json", "{\"a\": }"),
                                  File("app/c.yaml", "ok: 1\n")}),
                           {});
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_THAT(r.errors[0], StartsWith("app/a.toml:1:"));
  EXPECT_THAT(r.errors[1], StartsWith("app/b.json:1:"));
  EXPECT_EQ(r.version, nullptr);
}

TEST(ConfigBuilderTest, TopLevelMustBeAnObject) {
  BuildResult r = ConfigBuilder::Build(Input({File("app/a.json", "[1,2]")}), {});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0], HasSubstr("top level must be a table/object"));
  EXPECT_THAT(r.errors[0], StartsWith("app/a.json:1:1"));
}

TEST(ConfigBuilderTest, SchemaCoercesEnvStringsAndRejectsViolations) {
  BuildInput in = Input({File("app/00.toml", "[db]\nport = 5432\n"),
                         File("app/local.env", "DB__POOL=12\nDEBUG=true\n")});
  in.schema = Schema(R"({"type":"object","properties":{
      "db":{"type":"object","properties":{"pool":{"type":"integer","maximum":100},
                                          "port":{"type":"integer"}}},
      "debug":{"type":"boolean"}}})");
  in.schema_name = "app/_schema.json";
  BuildResult r = ConfigBuilder::Build(in, {});
  ASSERT_TRUE(r.ok()) << r.errors[0];
  EXPECT_EQ(*r.version->variants[0].json, R"({"db":{"pool":12,"port":5432},"debug":true})");
  EXPECT_EQ(r.version->schema, "app/_schema.json");

  in.files[1] = File("app/local.env", "DB__POOL=500\n");
  BuildResult bad = ConfigBuilder::Build(in, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.errors[0], StartsWith("app/local.env:1:"));
  EXPECT_THAT(bad.errors[0], HasSubstr("/db/pool"));
}

TEST(ConfigBuilderTest, ProfileErrorsNameTheProfile) {
  BuildResult r = ConfigBuilder::Build(
      Input({File("app/a.json", R"({"x":1})"), File("app/b.prod.json", R"({"y":"${nope}"})")}), {});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.errors[0], StartsWith("app/b.prod.json:1:"));
  EXPECT_THAT(r.errors[0], HasSubstr("[profile prod]"));
}

TEST(ConfigBuilderTest, SchemaErrorFailsTheBuild) {
  BuildInput in = Input({File("app/a.json", "{}")});
  in.schema_error = "app/_schema.json:1:1: not a schema";
  BuildResult r = ConfigBuilder::Build(in, {});
  EXPECT_THAT(r.errors, ElementsAre("app/_schema.json:1:1: not a schema"));
}

TEST(ConfigBuilderTest, ContentHashIsStableAndSensitive) {
  auto build = [](const std::string& content) {
    BuildResult r = ConfigBuilder::Build(Input({File("app/a.json", content)}), {});
    EXPECT_TRUE(r.ok());
    return r.version->content_hash;
  };
  EXPECT_EQ(build(R"({"a":1,"b":2})"), build(R"({ "b": 2, "a": 1 })"));
  EXPECT_NE(build(R"({"a":1})"), build(R"({"a":1.0})"));
}

}  // namespace
}  // namespace hearth
