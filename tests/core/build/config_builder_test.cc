#include "server/core/build/config_builder.h"

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/parse/parse_document.h"
#include "tests/fakes/build_file.h"

namespace hearth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

BuildFile File(const std::string& name, const std::string& content) {
  return MakeBuildFile(name, content);
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

// Issue 7's 757-byte request, scaled: a doubling chain of references in a common file (each
// variant expands it) plus `profiles` tiny profile files (each adds a variant).
std::vector<BuildFile> ChainWithProfiles(int levels, int profiles) {
  std::string toml = absl::StrCat("l0 = \"", std::string(100, 'x'), "\"\n");
  for (int i = 1; i <= levels; ++i)
    absl::StrAppend(&toml, "l", i, " = \"${l", i - 1, "}${l", i - 1, "}\"\n");
  std::vector<BuildFile> files = {File("app/x.toml", toml)};
  for (int p = 0; p < profiles; ++p) {
    files.push_back(File(absl::StrCat("app/x.p", p, ".toml"), "a = 1\n"));
  }
  return files;
}

// A slow validation: uniqueItems compares every pair of a long array's items.
std::shared_ptr<const SchemaValidator> UniqueItemsSchema() {
  return Schema(R"({"properties":{"items":{"type":"array","uniqueItems":true}}})");
}
std::string LongArrayJson(int items) {
  std::string json = R"({"items":[)";
  for (int i = 0; i < items; ++i) absl::StrAppend(&json, i ? "," : "", i);
  return json + "]}";
}

TEST(ConfigBuilderTest, InterpolationAcrossProfilesIsChargedOnce) {
  BuildOptions options;
  options.budget.max_bytes = 64 << 20;
  BuildBudget budget(options.budget);
  const absl::Time start = absl::Now();
  // 15 levels: ~6.5 MB of text per variant, 51 variants: 330 MB without a per-build budget.
  BuildResult r = ConfigBuilder::Build(Input(ChainWithProfiles(15, 50)), options, &budget);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.version, nullptr);
  ASSERT_EQ(r.errors.size(), 1u) << ::testing::PrintToString(r.errors);
  EXPECT_THAT(r.errors[0], StartsWith("app/x.toml:"));
  EXPECT_THAT(r.errors[0], HasSubstr("--max-build-bytes"));
  EXPECT_THAT(r.errors[0], HasSubstr("[profile p"));  // the base variant fitted
  EXPECT_EQ(budget.exhausted(), BuildBudget::Reason::kBytes);
  EXPECT_LE(budget.used(), options.budget.max_bytes);
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST(ConfigBuilderTest, TheIssuesRequestFailsWithinTheDefaultBudget) {
  // The 757-byte request itself: 18 levels (26 MB strings), 50 profiles.
  std::vector<BuildFile> files = ChainWithProfiles(18, 50);
  size_t request_bytes = 0;
  for (const BuildFile& f : files) request_bytes += f.content.size();
  EXPECT_LT(request_bytes, 1200u);
  BuildOptions options;
  BuildBudget budget(options.budget);
  BuildResult r = ConfigBuilder::Build(Input(std::move(files)), options, &budget);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.errors.back(), HasSubstr("--max-build-bytes"));
  EXPECT_LE(budget.used(), options.budget.max_bytes);
}

TEST(ConfigBuilderTest, AliasBombFailsTheBuild) {
  std::string yaml = absl::StrCat("big: &a \"", std::string(300000, 'x'), "\"\nlist:\n");
  for (int i = 0; i < 2000; ++i) yaml += "  - *a\n";
  BuildOptions options;
  options.budget.max_bytes = 8 << 20;  // below the per-file cap: the build budget trips first
  const absl::Time start = absl::Now();
  BuildResult r = ConfigBuilder::Build(Input({File("app/a.yaml", yaml)}), options);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_THAT(r.errors[0], StartsWith("app/a.yaml:"));
  EXPECT_THAT(r.errors[0], HasSubstr("--max-build-bytes"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(ConfigBuilderTest, DepthIsCheckedOnTheServedDocument) {
  // Each link copies the previous array one level deeper; 70 links pass --max-depth 64 even
  // though every file parses within it.
  std::string json = R"({"a00":[1])";
  for (int i = 1; i <= 70; ++i) {
    absl::StrAppend(&json, ",\"a", absl::Dec(i, absl::kZeroPad2), "\":[\"${a",
                    absl::Dec(i - 1, absl::kZeroPad2), "}\"]");
  }
  json += "}";
  BuildResult r = ConfigBuilder::Build(Input({File("app/a.json", json)}), {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.version, nullptr);
  ASSERT_EQ(r.errors.size(), 1u) << ::testing::PrintToString(r.errors);
  EXPECT_THAT(r.errors[0], StartsWith("app/a.json:1:"));
  EXPECT_THAT(r.errors[0], HasSubstr("deeper than 64 levels"));
}

TEST(ConfigBuilderTest, RenderingsLargerThanTheLimitAreErrors) {
  BuildOptions options;
  options.max_render_bytes = 1000;
  std::string big = absl::StrCat(R"({"pad":")", std::string(2000, 'p'), R"("})");
  BuildResult r = ConfigBuilder::Build(
      Input({File("app/a.json", R"({"a":1})"), File("app/b.big.json", big)}), options);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.errors.size(), 1u) << ::testing::PrintToString(r.errors);
  EXPECT_THAT(r.errors[0], HasSubstr("the rendered document is 2016 bytes, more than the 1000"));
  EXPECT_THAT(r.errors[0], StartsWith("app/b.big.json:1:1: "));
  EXPECT_THAT(r.errors[0], HasSubstr("--max-render-bytes"));
  EXPECT_THAT(r.errors[0], HasSubstr("[profile big]"));
  EXPECT_THAT(r.errors[0], Not(HasSubstr("ppp")));
}

TEST(ConfigBuilderTest, DeadlineStopsASlowValidation) {
  BuildInput in = Input({File("app/a.json", LongArrayJson(40000))});
  in.schema = UniqueItemsSchema();
  BuildOptions options;
  options.budget.timeout = absl::Milliseconds(200);
  const absl::Time start = absl::Now();
  BuildResult r = ConfigBuilder::Build(std::move(in), options);
  const absl::Duration took = absl::Now() - start;
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.errors.size(), 1u) << ::testing::PrintToString(r.errors);
  EXPECT_THAT(r.errors[0], StartsWith("app/a.json:1:1: schema validation stopped: "));
  EXPECT_THAT(r.errors[0], HasSubstr("--build-timeout"));
  EXPECT_FALSE(r.cancelled);
  EXPECT_LT(took, absl::Seconds(2));
}

TEST(ConfigBuilderTest, CancellationStopsABuildInFlight) {
  BuildInput in = Input({File("app/a.json", LongArrayJson(40000))});
  in.schema = UniqueItemsSchema();
  BuildOptions options;
  std::atomic<bool> cancel{false};
  BuildBudget budget(options.budget, &cancel);
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(100));  // let the validation start
    cancel.store(true);
  });
  const absl::Time start = absl::Now();
  BuildResult r = ConfigBuilder::Build(std::move(in), options, &budget);
  const absl::Duration took = absl::Now() - start;
  canceller.join();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.cancelled);
  EXPECT_THAT(r.errors[0], HasSubstr("cancelled"));
  EXPECT_LT(took, absl::Seconds(2));
  // A cancelled budget stops the next build at once.
  BuildResult next = ConfigBuilder::Build(Input({File("app/a.json", "{}")}), options, &budget);
  EXPECT_TRUE(next.cancelled);
}

TEST(ConfigBuilderTest, RealConfigsFitTheDefaultBudgetEasily) {
  // The example configs, as shipped.
  const std::string dir = std::string(HEARTH_SOURCE_DIR) + "/docs/examples/configs/payments/";
  std::vector<BuildFile> files;
  for (const char* name :
       {"00-base.toml", "10-features.yaml", "20-limits.json", "db.production.yaml", "local.env"}) {
    std::ifstream in(dir + name);
    std::stringstream text;
    text << in.rdbuf();
    files.push_back(File(absl::StrCat("payments/", name), text.str()));
  }
  BuildOptions options;
  BuildBudget budget(options.budget);
  BuildResult r = ConfigBuilder::Build(Input(std::move(files)), options, &budget);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(r.errors);
  EXPECT_LT(budget.used(), 64u << 10) << budget.used();
  ::testing::Test::RecordProperty("example_build_bytes", std::to_string(budget.used()));

  // A large config: a 1 MiB JSON file of small members (the worst tree-to-text ratio) with four
  // profiles, each variant a full copy.
  std::string json = "{";
  for (int i = 0; json.size() < (1 << 20); ++i)
    absl::StrAppend(&json, i ? "," : "", "\"k", i, "\":", i);
  json += "}";
  std::vector<BuildFile> large = {File("app/00.json", json)};
  for (const char* p : {"dev", "prod", "staging", "test"}) {
    large.push_back(File(absl::StrCat("app/01.", p, ".json"), R"({"k1":"x"})"));
  }
  BuildBudget large_budget(options.budget);
  r = ConfigBuilder::Build(Input(std::move(large)), options, &large_budget);
  ASSERT_TRUE(r.ok()) << ::testing::PrintToString(r.errors);
  EXPECT_LT(large_budget.used(), options.budget.max_bytes / 2) << large_budget.used();
  ::testing::Test::RecordProperty("large_build_bytes", std::to_string(large_budget.used()));
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
