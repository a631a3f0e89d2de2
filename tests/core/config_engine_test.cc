#include "server/core/config_engine.h"

#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/model/config_name.h"
#include "server/core/store/config_renderer.h"
#include "tests/fakes/faulty_file_system.h"
#include "tests/fakes/temp_dir.h"

namespace hearth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;
using testing::TempDir;
using ::testing::UnorderedElementsAre;

ConfigEngine::Options OptionsFor(std::vector<std::string> roots) {
  ConfigEngine::Options o;
  o.roots = std::move(roots);
  o.load_threads = 2;
  return o;
}

std::string Json(const ConfigEngine& engine, const std::string& name,
                 const std::string& profile = "") {
  auto r = ConfigRenderer(&engine.store(), {}).Render(name, profile, "");
  if (!r.ok()) return std::string(r.status().message());
  return *r->doc->json;
}

std::vector<std::string> Names(const ConfigEngine& engine) {
  std::vector<std::string> out;
  for (const auto& e : engine.store().List()) out.push_back(e->name);
  return out;
}

TEST(ConfigEngineTest, DiscoversNestedConfigsAndIgnoresUnknownFiles) {
  TempDir root;
  root.Write("payments/00-base.toml", "a = 1\n");
  root.Write("payments/README.md", "not config");
  root.Write("payments/.hidden.toml.swp", "garbage");
  root.Write("team-a/billing/app.yaml", "b: 2\n");
  root.Write("team-a/notes.txt", "team-a itself has no config files");
  root.Write("top.toml", "files directly in a root are not a config = 1");
  ConfigEngine engine(OptionsFor({root.path()}));
  ConfigEngine::Report report = engine.ScanAll();
  EXPECT_EQ(report.configs, 2u);
  EXPECT_EQ(report.published, 2u);
  EXPECT_THAT(Names(engine), ElementsAre("payments", "team-a/billing"));
  EXPECT_EQ(Json(engine, "payments"), R"({"a":1})");
  EXPECT_EQ(Json(engine, "team-a/billing"), R"({"b":2})");
}

TEST(ConfigEngineTest, BadConfigDoesNotStopOthersAndKeepsLastKnownGood) {
  TempDir root;
  root.Write("good/a.json", R"({"ok":true})");
  root.Write("bad/a.json", R"({"v":1})");
  ConfigEngine engine(OptionsFor({root.path()}));
  engine.ScanAll();
  root.Write("bad/a.json", "{\"v\": 2,\n  \"w\": }");
  root.Write("bad/b.yaml", "x: \xff\xfe\n");
  ConfigEngine::Report report = engine.ScanAll();
  EXPECT_EQ(report.failed, 1u);
  auto bad = engine.store().Get("bad");
  ASSERT_NE(bad, nullptr);
  ASSERT_EQ(bad->errors.size(), 2u);
  EXPECT_THAT(bad->errors[0], StartsWith("bad/a.json:2:"));
  EXPECT_THAT(bad->errors[1], StartsWith("bad/b.yaml:1:"));
  EXPECT_EQ(Json(engine, "bad"), R"({"v":1})");  // last-known-good
  EXPECT_EQ(Json(engine, "good"), R"({"ok":true})");
}

TEST(ConfigEngineTest, LaterRootOverridesEarlierForTheSameName) {
  TempDir base, overlay;
  base.Write("app/a.toml", "x = 1\n");
  base.Write("only-base/a.toml", "y = 1\n");
  overlay.Write("app/a.toml", "x = 2\n");
  ConfigEngine engine(OptionsFor({base.path(), overlay.path()}));
  engine.ScanAll();
  EXPECT_EQ(Json(engine, "app"), R"({"x":2})");
  EXPECT_EQ(Json(engine, "only-base"), R"({"y":1})");
  EXPECT_EQ(engine.store().Get("app")->version->root, overlay.path());
  // Rebuild follows the same rule.
  overlay.Write("app/a.toml", "x = 3\n");
  engine.Rebuild("app");
  EXPECT_EQ(Json(engine, "app"), R"({"x":3})");
  overlay.Remove("app");
  engine.Rebuild("app");
  EXPECT_EQ(Json(engine, "app"), R"({"x":1})");
}

TEST(ConfigEngineTest, RescanRemovesVanishedConfigsAndSkipsUnchanged) {
  TempDir root;
  root.Write("a/x.json", "{}");
  root.Write("b/x.json", "{}");
  ConfigEngine engine(OptionsFor({root.path()}));
  engine.ScanAll();
  uint64_t rev = engine.store().revision();
  ConfigEngine::Report again = engine.ScanAll();
  EXPECT_EQ(again.unchanged, 2u);
  EXPECT_EQ(engine.store().revision(), rev);
  root.Remove("b");
  ConfigEngine::Report after = engine.ScanAll();
  EXPECT_EQ(after.removed, 1u);
  EXPECT_THAT(Names(engine), ElementsAre("a"));
}

TEST(ConfigEngineTest, SchemaFromNearestAncestorApplies) {
  TempDir root;
  root.Write("_schema.json", R"({"type":"object","required":["owner"]})");
  root.Write("team/_schema.json",
             R"({"type":"object","properties":{"replicas":{"type":"integer"}}})");
  root.Write("team/svc/a.env", "REPLICAS=3\n");
  root.Write("other/a.json", R"({"owner":"x"})");
  root.Write("orphan/a.json", R"({"nobody":1})");
  ConfigEngine engine(OptionsFor({root.path()}));
  engine.ScanAll();
  EXPECT_EQ(Json(engine, "team/svc"), R"({"replicas":3})");
  EXPECT_EQ(engine.store().Get("team/svc")->version->schema, "team/_schema.json");
  EXPECT_EQ(Json(engine, "other"), R"({"owner":"x"})");
  auto orphan = engine.store().Get("orphan");
  ASSERT_EQ(orphan->errors.size(), 1u);
  EXPECT_THAT(orphan->errors[0], HasSubstr("owner"));
  EXPECT_THAT(orphan->errors[0], HasSubstr("_schema.json"));
}

TEST(ConfigEngineTest, BrokenSchemaFailsOnlyItsConfigs) {
  TempDir root;
  root.Write("a/_schema.json", "{ not json");
  root.Write("a/x.json", "{}");
  root.Write("b/x.json", "{}");
  ConfigEngine engine(OptionsFor({root.path()}));
  engine.ScanAll();
  auto a = engine.store().Get("a");
  ASSERT_FALSE(a->errors.empty());
  EXPECT_THAT(a->errors[0], StartsWith("a/_schema.json:1:"));
  EXPECT_TRUE(engine.store().Get("b")->ok());
}

TEST(ConfigEngineTest, SymlinksLeavingTheRootAreRefusedUnlessAllowed) {
  TempDir root, outside;
  outside.Write("secret.toml", "password = \"hunter2\"\n");
  root.Write("app/a.toml", "x = 1\n");
  ASSERT_EQ(symlink(outside.Path("secret.toml").c_str(), root.Path("app/b.toml").c_str()), 0);
  {
    ConfigEngine engine(OptionsFor({root.path()}));
    engine.ScanAll();
    auto app = engine.store().Get("app");
    ASSERT_EQ(app->errors.size(), 1u);
    EXPECT_THAT(app->errors[0], StartsWith("app/b.toml: symlink resolves outside the root"));
  }
  ConfigEngine::Options allow = OptionsFor({root.path()});
  allow.allow_external_symlinks = true;
  ConfigEngine engine(allow);
  engine.ScanAll();
  EXPECT_EQ(Json(engine, "app"), R"({"password":"hunter2","x":1})");
}

TEST(ConfigEngineTest, KubernetesConfigMapLayoutIsOneConfig) {
  TempDir root;
  root.Write("app/..2026_11_24_00_00_00.1/app.yaml", "v: 1\n");
  ASSERT_EQ(symlink("..2026_11_24_00_00_00.1", root.Path("app/..data").c_str()), 0);
  ASSERT_EQ(symlink("..data/app.yaml", root.Path("app/app.yaml").c_str()), 0);
  ConfigEngine engine(OptionsFor({root.path()}));
  engine.ScanAll();
  EXPECT_THAT(Names(engine), ElementsAre("app"));
  EXPECT_EQ(Json(engine, "app"), R"({"v":1})");
  // kubelet's update: new timestamped dir, ..data swapped by rename.
  root.Write("app/..2026_11_24_00_01_00.2/app.yaml", "v: 2\n");
  ASSERT_EQ(symlink("..2026_11_24_00_01_00.2", root.Path("app/..data_tmp").c_str()), 0);
  ASSERT_EQ(rename(root.Path("app/..data_tmp").c_str(), root.Path("app/..data").c_str()), 0);
  EXPECT_THAT(engine.ConfigsUnder(root.Path("app")), ElementsAre("app"));
  EXPECT_THAT(engine.ConfigsUnder(root.Path("app/..2026_11_24_00_01_00.2")), ElementsAre("app"));
  engine.Rebuild("app");
  EXPECT_EQ(Json(engine, "app"), R"({"v":2})");
}

TEST(ConfigEngineTest, OversizedAndUnreadableFilesAreReported) {
  TempDir root;
  root.Write("big/a.json", "{\"x\":\"" + std::string(2000, 'a') + "\"}");
  root.Write("locked/a.json", "{}");
  root.Write("fine/a.json", "{}");
  auto fs = std::make_unique<testing::FaultyFileSystem>();
  fs->FailRead(root.Path("locked/a.json"), absl::PermissionDeniedError("permission denied"));
  ConfigEngine::Options o = OptionsFor({root.path()});
  o.max_file_bytes = 1000;
  ConfigEngine engine(o, std::move(fs));
  engine.ScanAll();
  EXPECT_THAT(engine.store().Get("big")->errors[0], HasSubstr("--max-file-bytes"));
  EXPECT_THAT(engine.store().Get("locked")->errors[0],
              StartsWith("locked/a.json: permission denied"));
  EXPECT_TRUE(engine.store().Get("fine")->ok());
}

TEST(ConfigEngineTest, ConfigsUnderFindsAffectedNames) {
  TempDir root;
  root.Write("team/_schema.json", R"({"type":"object"})");
  root.Write("team/a/x.json", "{}");
  root.Write("team/b/x.json", "{}");
  root.Write("solo/x.json", "{}");
  ConfigEngine engine(OptionsFor({root.path()}));
  engine.ScanAll();
  EXPECT_THAT(engine.ConfigsUnder(root.Path("solo")), ElementsAre("solo"));
  // The schema in team/ may have changed: both configs under it.
  EXPECT_THAT(engine.ConfigsUnder(root.Path("team")),
              UnorderedElementsAre("team", "team/a", "team/b"));
  EXPECT_THAT(engine.ConfigsUnder("/elsewhere"), IsEmpty());
  root.Remove("solo");
  EXPECT_THAT(engine.ConfigsUnder(root.path()), ElementsAre("solo"));
}

TEST(ConfigEngineTest, ValidateIsADryRun) {
  TempDir root;
  root.Write("app/00.toml", "port = 80\n");
  root.Write("app/_schema.json",
             R"({"type":"object","properties":{"port":{"type":"integer","maximum":1000}}})");
  ConfigEngine engine(OptionsFor({root.path()}));
  engine.ScanAll();
  uint64_t rev = engine.store().revision();

  auto ok = engine.Validate("app", {{"10-over.json", R"({"port": 443})"}}, false);
  ASSERT_TRUE(ok.ok()) << ok.status();
  ASSERT_TRUE(ok->ok()) << ok->errors[0];
  EXPECT_EQ(*ok->version->variants[0].json, R"({"port":443})");

  auto bad = engine.Validate("app", {{"10-over.json", "{\"port\":\n 5000}"}}, false);
  ASSERT_TRUE(bad.ok());
  ASSERT_FALSE(bad->ok());
  EXPECT_THAT(bad->errors[0], StartsWith("app/10-over.json:2:"));

  auto replaced = engine.Validate("app", {{"only.yaml", "port: 7\n"}}, true);
  ASSERT_TRUE(replaced.ok());
  EXPECT_EQ(*replaced->version->variants[0].json, R"({"port":7})");

  EXPECT_EQ(engine.Validate("../etc", {}, false).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(engine.Validate("app", {{"../x.json", "{}"}}, false).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(engine.store().revision(), rev);
  EXPECT_EQ(Json(engine, "app"), R"({"port":80})");
}

TEST(ConfigEngineTest, ConfigNameRuleRejectsEscapes) {
  for (const char* bad : {"", "/abs", "a/../b", "..", ".", "a//b", "a/", ".hidden", "a\\b"}) {
    EXPECT_FALSE(ValidateConfigName(bad).ok()) << bad;
  }
  for (const char* good : {"payments", "team-a/billing", "a.b/c_d"}) {
    EXPECT_TRUE(ValidateConfigName(good).ok()) << good;
  }
}

TEST(ConfigEngineTest, UnreadableRootIsReportedAndKeepsServing) {
  TempDir root;
  root.Write("a/x.json", "{}");
  ConfigEngine::Options o = OptionsFor({root.path(), root.Path("missing")});
  ConfigEngine engine(o);
  ConfigEngine::Report r = engine.ScanAll();
  ASSERT_EQ(r.root_errors.size(), 1u);
  EXPECT_THAT(r.root_errors[0], HasSubstr("missing"));
  EXPECT_THAT(Names(engine), ElementsAre("a"));
}

TEST(ConfigEngineTest, UnreadableConfigDirectoryKeepsTheLastKnownGood) {
  TempDir root;
  root.Write("team/a/x.json", R"({"v":1})");
  root.Write("solo/x.json", R"({"s":1})");
  auto owned = std::make_unique<testing::FaultyFileSystem>();
  testing::FaultyFileSystem* fs = owned.get();
  ConfigEngine engine(OptionsFor({root.path()}), std::move(owned));
  engine.ScanAll();
  ASSERT_EQ(Json(engine, "team/a"), R"({"v":1})");
  std::vector<ConfigStore::ChangeKind> changes;
  engine.store().AddListener([&](const ConfigStore::Change& c) { changes.push_back(c.kind); });

  // EACCES on the config's directory (Rebuild) and on its parent (ScanAll): kept, with an error
  // naming the directory relative to the root, never deleted.
  fs->FailList(root.Path("team/a"), absl::PermissionDeniedError("cannot open: Permission denied"));
  ConfigEngine::Report r = engine.Rebuild("team/a");
  EXPECT_EQ(r.removed, 0u);
  ASSERT_NE(engine.store().Get("team/a"), nullptr);
  EXPECT_EQ(Json(engine, "team/a"), R"({"v":1})");
  ASSERT_EQ(engine.store().Get("team/a")->errors.size(), 1u);
  EXPECT_THAT(engine.store().Get("team/a")->errors[0],
              StartsWith("team/a: cannot open: Permission denied"));
  EXPECT_THAT(engine.store().Get("team/a")->errors[0], Not(HasSubstr(root.path())));
  fs->Clear();
  fs->FailList(root.Path("team"), absl::InternalError("cannot open: Input/output error"));
  r = engine.ScanAll();
  EXPECT_EQ(r.removed, 0u);
  ASSERT_EQ(r.dir_errors.size(), 1u);
  EXPECT_THAT(r.dir_errors[0], StartsWith("team: cannot open: Input/output error"));
  EXPECT_THAT(engine.store().Get("team/a")->errors[0], StartsWith("team: "));
  EXPECT_EQ(Json(engine, "team/a"), R"({"v":1})");
  EXPECT_THAT(changes, Not(::testing::Contains(ConfigStore::ChangeKind::kDeleted)));

  // Readable again: recovers. Really gone (ENOENT): deleted.
  fs->Clear();
  engine.ScanAll();
  EXPECT_TRUE(engine.store().Get("team/a")->ok());
  root.Remove("solo");
  engine.Rebuild("solo");
  EXPECT_EQ(engine.store().Get("solo"), nullptr);
}

TEST(ConfigEngineTest, SchemaSymlinkOutsideTheRootIsRefusedAndFifoDoesNotBlock) {
  TempDir root, outside;
  outside.Write("env", "SECRET_TOKEN=abc\n");
  root.Write("b/x.json", "{}");
  root.Write("c/x.json", "{}");
  ASSERT_EQ(symlink(outside.Path("env").c_str(), root.Path("b/_schema.json").c_str()), 0);
  ASSERT_EQ(mkfifo(root.Path("c/_schema.json").c_str(), 0644), 0);
  ConfigEngine engine(OptionsFor({root.path()}));
  engine.ScanAll();
  ASSERT_NE(engine.store().Get("b"), nullptr);
  ASSERT_FALSE(engine.store().Get("b")->errors.empty());
  EXPECT_THAT(engine.store().Get("b")->errors[0], HasSubstr("outside the root"));
  EXPECT_THAT(engine.store().Get("b")->errors[0], HasSubstr("b/_schema.json"));
  EXPECT_THAT(engine.store().Get("b")->errors[0], Not(HasSubstr("SECRET")));
  EXPECT_THAT(engine.store().Get("b")->errors[0], Not(HasSubstr(outside.path())));
  ASSERT_FALSE(engine.store().Get("c")->errors.empty());
  EXPECT_THAT(engine.store().Get("c")->errors[0], HasSubstr("not a regular file"));
}

TEST(ConfigEngineTest, SymlinkedConfigDirectoryIsFoundAndRepointed) {
  TempDir root;
  root.Write(".releases/v1/x.json", R"({"v":1})");
  root.Write(".releases/v2/x.json", R"({"v":2})");
  ConfigEngine engine(OptionsFor({root.path()}));
  engine.ScanAll();
  ASSERT_EQ(symlink(".releases/v1", root.Path("rel").c_str()), 0);
  EXPECT_THAT(engine.ConfigsUnder(root.Path("rel")), ElementsAre("rel"));
  engine.Rebuild("rel");
  EXPECT_EQ(Json(engine, "rel"), R"({"v":1})");
  ASSERT_EQ(symlink(".releases/v2", root.Path("rel.tmp").c_str()), 0);
  ASSERT_EQ(rename(root.Path("rel.tmp").c_str(), root.Path("rel").c_str()), 0);
  engine.Rebuild("rel");
  EXPECT_EQ(Json(engine, "rel"), R"({"v":2})");
}

TEST(ConfigEngineTest, RebuildAfterTheRootVanishedKeepsTheLastKnownGood) {
  TempDir parent;
  parent.Write("root/a/x.json", R"({"a":1})");
  ConfigEngine engine(OptionsFor({parent.Path("root")}));
  engine.ScanAll();
  parent.Remove("root");
  EXPECT_EQ(engine.Rebuild("a").removed, 0u);
  EXPECT_EQ(Json(engine, "a"), R"({"a":1})");
  EXPECT_THAT(engine.store().Get("a")->errors[0], HasSubstr("is missing"));
  parent.Write("root/a/x.json", R"({"a":2})");
  engine.Rebuild("a");
  EXPECT_EQ(Json(engine, "a"), R"({"a":2})");
}

TEST(ConfigEngineTest, BudgetErrorsKeepTheLastKnownGood) {
  TempDir root;
  root.Write("app/a.json", R"({"v":1})");
  ConfigEngine::Options options = OptionsFor({root.path()});
  options.build.budget.max_bytes = 1 << 20;
  ConfigEngine engine(options);
  engine.ScanAll();
  ASSERT_EQ(Json(engine, "app"), R"({"v":1})");
  // 2 KB of text that expands past 1 MiB.
  std::string toml = "l0 = \"" + std::string(100, 'x') + "\"\n";
  for (int i = 1; i <= 14; ++i) {
    toml += "l" + std::to_string(i) + " = \"${l" + std::to_string(i - 1) + "}${l" +
            std::to_string(i - 1) + "}\"\n";
  }
  root.Write("app/b.toml", toml);
  ConfigEngine::Report report = engine.Rebuild("app");
  EXPECT_EQ(report.failed, 1u);
  EXPECT_EQ(Json(engine, "app"), R"({"v":1})");
  std::shared_ptr<const ConfigEntry> entry = engine.store().Get("app");
  ASSERT_NE(entry, nullptr);
  ASSERT_EQ(entry->errors.size(), 1u);
  EXPECT_THAT(entry->errors[0], StartsWith("app/b.toml:"));
  EXPECT_THAT(entry->errors[0], HasSubstr("--max-build-bytes"));
}

TEST(ConfigEngineTest, CancelledBuildsLeaveTheStoreAlone) {
  TempDir root;
  root.Write("app/a.json", R"({"v":1})");
  ConfigEngine engine(OptionsFor({root.path()}));
  engine.ScanAll();
  const uint64_t revision = engine.store().revision();
  engine.CancelBuilds();
  root.Write("app/a.json", R"({"v":2})");
  ConfigEngine::Report report = engine.Rebuild("app");
  EXPECT_EQ(report.published, 0u);
  EXPECT_EQ(report.failed, 0u);
  EXPECT_EQ(engine.store().revision(), revision);
  EXPECT_EQ(Json(engine, "app"), R"({"v":1})");
  EXPECT_THAT(engine.store().Get("app")->errors, IsEmpty());
  // Dry runs say they were cancelled.
  absl::StatusOr<BuildResult> dry = engine.Validate("app", {{"b.json", "{}"}}, false);
  ASSERT_TRUE(dry.ok());
  EXPECT_TRUE(dry->cancelled);
}

TEST(ConfigEngineTest, ValidateLimitsCandidateSizes) {
  TempDir root;
  ConfigEngine::Options options = OptionsFor({root.path()});
  options.max_file_bytes = 10;
  options.max_candidate_bytes = 15;
  ConfigEngine engine(options);
  EXPECT_EQ(engine.Validate("app", {{"a.json", R"({"abcdefgh":1})"}}, false).status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<BuildResult> together = engine.Validate(
      "app", {{"a.json", R"({"a":1})"}, {"b.json", R"({"b":2})"}, {"c.json", "{}"}}, false);
  EXPECT_EQ(together.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(together.status().message()), HasSubstr("16 bytes together"));
  EXPECT_TRUE(engine.Validate("app", {{"a.json", R"({"a":1})"}}, false).ok());
}

// The dry-run cache: a hit is the result a fresh build gives, and any change to what the build
// reads (a file's bytes, the schema, a candidate, the replace flag) is a miss.
TEST(ConfigEngineTest, ValidateCachesIdenticalDryRuns) {
  TempDir root;
  root.Write("app/00.toml", "port = 80\n");
  root.Write("app/_schema.json",
             R"({"type":"object","properties":{"port":{"type":"integer","maximum":1000}}})");
  ConfigEngine engine(OptionsFor({root.path()}));
  engine.ScanAll();
  const std::vector<DryRunCandidate> candidate = {{"10-c.json", R"({"host":"a"})"}};
  auto stats = [&] { return engine.validation_cache().stats(); };

  absl::StatusOr<BuildResult> first = engine.Validate("app", candidate, false);
  ASSERT_TRUE(first.ok() && first->ok());
  EXPECT_EQ(stats().misses, 1u);
  absl::StatusOr<BuildResult> again = engine.Validate("app", candidate, false);
  ASSERT_TRUE(again.ok() && again->ok());
  EXPECT_EQ(stats().hits, 1u);
  EXPECT_EQ(again->version, first->version);  // the same immutable result, not rebuilt
  EXPECT_EQ(stats().entries, 1u);

  // Same size, likely the same mtime: the content decides, not the stat.
  root.Write("app/00.toml", "port = 81\n");
  absl::StatusOr<BuildResult> edited = engine.Validate("app", candidate, false);
  ASSERT_TRUE(edited.ok() && edited->ok());
  EXPECT_EQ(*edited->version->variants[0].json, R"({"host":"a","port":81})");
  EXPECT_EQ(stats().hits, 1u);

  // The schema changes: the cached valid answer must not be reused.
  root.Write("app/_schema.json",
             R"({"type":"object","properties":{"port":{"type":"integer","maximum":50}}})");
  absl::StatusOr<BuildResult> schema_changed = engine.Validate("app", candidate, false);
  ASSERT_TRUE(schema_changed.ok());
  EXPECT_FALSE(schema_changed->ok());
  EXPECT_EQ(stats().hits, 1u);

  // Failed builds are deterministic and cached too.
  absl::StatusOr<BuildResult> failed_again = engine.Validate("app", candidate, false);
  ASSERT_TRUE(failed_again.ok());
  EXPECT_EQ(failed_again->errors, schema_changed->errors);
  EXPECT_EQ(stats().hits, 2u);

  // Another candidate, another file name, the replace flag: each its own entry.
  const uint64_t misses = stats().misses;
  ASSERT_TRUE(engine.Validate("app", {{"10-c.json", R"({"host":"b"})"}}, false).ok());
  ASSERT_TRUE(engine.Validate("app", {{"20-c.json", R"({"host":"a"})"}}, false).ok());
  absl::StatusOr<BuildResult> replaced = engine.Validate("app", candidate, true);
  ASSERT_TRUE(replaced.ok() && replaced->ok());
  EXPECT_EQ(*replaced->version->variants[0].json, R"({"host":"a"})");
  EXPECT_EQ(stats().misses, misses + 3);

  // A new file on disk is a miss; removing it again gives the inputs of the failed build above,
  // whose answer is then reused.
  root.Write("app/05.toml", "port = 7\n");
  absl::StatusOr<BuildResult> added = engine.Validate("app", candidate, false);
  ASSERT_TRUE(added.ok() && added->ok());
  EXPECT_EQ(*added->version->variants[0].json, R"({"host":"a","port":7})");
  EXPECT_EQ(stats().misses, misses + 4);
  root.Remove("app/05.toml");
  absl::StatusOr<BuildResult> removed = engine.Validate("app", candidate, false);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(removed->errors, schema_changed->errors);
  EXPECT_EQ(stats().hits, 3u);
}

TEST(ConfigEngineTest, ValidateSeesASchemaAppearingInAParentDirectory) {
  TempDir root;
  root.Write("team/app/00.toml", "port = 80\n");
  ConfigEngine engine(OptionsFor({root.path()}));
  engine.ScanAll();
  const std::vector<DryRunCandidate> candidate = {{"10-c.json", R"({"port":5000})"}};
  absl::StatusOr<BuildResult> before = engine.Validate("team/app", candidate, false);
  ASSERT_TRUE(before.ok() && before->ok());
  root.Write("team/_schema.json",
             R"({"type":"object","properties":{"port":{"type":"integer","maximum":1000}}})");
  absl::StatusOr<BuildResult> after = engine.Validate("team/app", candidate, false);
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->ok());
  EXPECT_EQ(engine.validation_cache().stats().hits, 0u);
}

// ${env:...} reads the environment, which is not part of the key: such builds are never cached.
TEST(ConfigEngineTest, ValidateDoesNotCacheBuildsThatReadTheEnvironment) {
  TempDir root;
  root.Write("app/00.toml", "port = 80\n");
  ConfigEngine::Options options = OptionsFor({root.path()});
  options.build.env_allow_prefixes = {"APP_"};
  auto value = std::make_shared<std::string>("one");
  options.build.getenv = [value](std::string_view) { return std::optional<std::string>(*value); };
  ConfigEngine engine(options);
  engine.ScanAll();
  // Escaped, so a scan of the text for "${env:" would not see it.
  const std::vector<DryRunCandidate> candidate = {{"10-c.json", R"({"v":"\u0024{env:APP_V}"})"}};
  absl::StatusOr<BuildResult> first = engine.Validate("app", candidate, false);
  ASSERT_TRUE(first.ok() && first->ok()) << (first.ok() ? first->errors[0] : "");
  EXPECT_EQ(*first->version->variants[0].json, R"({"port":80,"v":"one"})");
  *value = "two";
  absl::StatusOr<BuildResult> second = engine.Validate("app", candidate, false);
  ASSERT_TRUE(second.ok() && second->ok());
  EXPECT_EQ(*second->version->variants[0].json, R"({"port":80,"v":"two"})");
  EXPECT_EQ(engine.validation_cache().stats().hits, 0u);
  EXPECT_EQ(engine.validation_cache().stats().entries, 0u);
  // A build that reads no variable is cached as usual, env access allowed or not.
  ASSERT_TRUE(engine.Validate("app", {{"10-c.json", R"({"v":1})"}}, false).ok());
  ASSERT_TRUE(engine.Validate("app", {{"10-c.json", R"({"v":1})"}}, false).ok());
  EXPECT_EQ(engine.validation_cache().stats().hits, 1u);
}

TEST(ConfigEngineTest, ValidateCacheStaysWithinItsBoundsUnderAFlood) {
  TempDir root;
  root.Write("app/00.toml", "port = 80\n");
  ConfigEngine::Options options = OptionsFor({root.path()});
  options.validation_cache_bytes = 256 << 10;
  ConfigEngine engine(options);
  engine.ScanAll();
  const std::string padding(2000, 'x');
  for (int i = 0; i < 2000; ++i) {
    std::string content = absl::StrCat(R"({"i":)", i, R"(,"pad":")", padding, R"("})");
    ASSERT_TRUE(engine.Validate("app", {{"10-c.json", content}}, false).ok());
    ASSERT_LE(engine.validation_cache().stats().bytes, options.validation_cache_bytes);
  }
  ValidationCache::Stats s = engine.validation_cache().stats();
  EXPECT_EQ(s.misses, 2000u);
  EXPECT_GT(s.evictions, 1000u);
  EXPECT_GT(s.entries, 0u);
}

TEST(ConfigEngineTest, ValidateCacheCanBeDisabled) {
  TempDir root;
  root.Write("app/00.toml", "port = 80\n");
  ConfigEngine::Options options = OptionsFor({root.path()});
  options.validation_cache_bytes = 0;
  ConfigEngine engine(options);
  engine.ScanAll();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(engine.Validate("app", {}, false).ok());
  EXPECT_EQ(engine.validation_cache().stats().hits, 0u);
  EXPECT_EQ(engine.validation_cache().stats().entries, 0u);
}

TEST(ConfigEngineTest, ValidateAfterCancelAnswersCancelledEvenWhenCached) {
  TempDir root;
  root.Write("app/a.json", R"({"v":1})");
  ConfigEngine engine(OptionsFor({root.path()}));
  engine.ScanAll();
  ASSERT_TRUE(engine.Validate("app", {{"b.json", "{}"}}, false).ok());
  engine.CancelBuilds();
  absl::StatusOr<BuildResult> dry = engine.Validate("app", {{"b.json", "{}"}}, false);
  ASSERT_TRUE(dry.ok());
  EXPECT_TRUE(dry->cancelled);
}

}  // namespace
}  // namespace hearth
