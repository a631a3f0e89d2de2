#include "server/core/source/config_discovery.h"

#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/faulty_file_system.h"
#include "tests/fakes/temp_dir.h"

namespace hearth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using testing::TempDir;

bool IsJsonOrToml(std::string_view name) {
  return name.ends_with(".json") || name.ends_with(".toml");
}

ConfigDiscovery::Options OptionsFor(std::vector<std::string> roots) {
  return {.roots = std::move(roots), .is_config_file = &IsJsonOrToml};
}

std::vector<std::string> Names(const ConfigDiscovery::Scan& scan) {
  std::vector<std::string> out;
  for (const auto& [name, found] : scan.configs) out.push_back(name);
  return out;
}

std::vector<std::string> FileNames(const ConfigDiscovery::Found& found) {
  std::vector<std::string> out;
  for (const FileSystem::DirEntry& e : found.files) out.push_back(e.name);
  return out;
}

TEST(ConfigDiscoveryTest, WalkFindsConfigDirectoriesAndSkipsHiddenAndRootFiles) {
  TempDir root;
  root.Write("top.json", "{}");  // a file in the root itself is no config
  root.Write("app/00.json", "{}");
  root.Write("app/notes.txt", "not a config file");
  root.Write("team/a/x.toml", "");
  root.Write("team/readme.md", "");  // no config file: team itself is not a config
  root.Write(".git/config.json", "{}");
  root.Write("app/..data/y.json", "{}");  // Kubernetes internals belong to app, not a config
  testing::FaultyFileSystem fs;
  const ConfigDiscovery discovery(OptionsFor({root.path() + "/"}), &fs);
  const ConfigDiscovery::Scan scan = discovery.ScanAll();
  EXPECT_THAT(Names(scan), ElementsAre("app", "team/a"));
  EXPECT_THAT(FileNames(scan.configs.at("app")), ElementsAre("00.json"));
  EXPECT_EQ(scan.configs.at("team/a").dir, root.path() + "/team/a");
  EXPECT_THAT(scan.root_errors, IsEmpty());
  EXPECT_THAT(scan.skipped_dirs, IsEmpty());
}

TEST(ConfigDiscoveryTest, FindUsesTheWalksFileFilterAndTheLastRootWins) {
  TempDir first;
  TempDir second;
  first.Write("app/00.json", "{}");
  second.Write("app/10.toml", "");
  second.Write("app/sub/x.json", "{}");  // a subdirectory is never a file of app
  testing::FaultyFileSystem fs;
  const ConfigDiscovery discovery(OptionsFor({first.path(), second.path()}), &fs);
  const ConfigDiscovery::Lookup found = discovery.Find("app");
  ASSERT_TRUE(found.config.has_value());
  EXPECT_EQ(found.config->root, 1u);
  EXPECT_THAT(FileNames(*found.config), ElementsAre("10.toml"));
  EXPECT_EQ(discovery.ScanAll().configs.at("app").root, 1u);
  // The same filter in both: what the walk lists, Find finds, file for file.
  EXPECT_THAT(FileNames(discovery.ScanAll().configs.at("app")), ElementsAre("10.toml"));

  EXPECT_FALSE(discovery.Find("missing").config.has_value());
  EXPECT_THAT(discovery.Find("missing").unreadable, IsEmpty());
  for (const char* bad : {"../etc", "/abs", "", "a//b", ".hidden"}) {
    EXPECT_FALSE(discovery.Find(bad).config.has_value()) << bad;
  }
}

TEST(ConfigDiscoveryTest, UnreadableDirectoriesAreReportedNotDropped) {
  TempDir root;
  root.Write("team/a/x.json", "{}");
  root.Write("ok/x.json", "{}");
  testing::FaultyFileSystem fs;
  fs.FailList(root.path() + "/team", absl::PermissionDeniedError("cannot open: Permission denied"));
  const ConfigDiscovery discovery(OptionsFor({root.path()}), &fs);
  const ConfigDiscovery::Scan scan = discovery.ScanAll();
  EXPECT_THAT(Names(scan), ElementsAre("ok"));
  ASSERT_THAT(scan.unreadable, SizeIs(1));
  EXPECT_THAT(scan.unreadable.begin()->second, HasSubstr("team"));
  ASSERT_NE(ConfigDiscovery::UnreadableFor(scan.unreadable, "team/a"), nullptr);
  EXPECT_EQ(ConfigDiscovery::UnreadableFor(scan.unreadable, "teamwork"), nullptr);

  fs.FailList(root.path() + "/ok", absl::PermissionDeniedError("cannot open: Permission denied"));
  const ConfigDiscovery::Lookup lookup = discovery.Find("ok");
  EXPECT_FALSE(lookup.config.has_value());
  EXPECT_THAT(lookup.unreadable, HasSubstr("ok"));
}

TEST(ConfigDiscoveryTest, MissingRootIsARootErrorAndFindSaysSo) {
  TempDir parent;
  const std::string root = parent.Path("not-there");
  testing::FaultyFileSystem fs;
  const ConfigDiscovery discovery(OptionsFor({root}), &fs);
  const ConfigDiscovery::Scan scan = discovery.ScanAll();
  EXPECT_THAT(scan.configs, IsEmpty());
  ASSERT_THAT(scan.root_errors, SizeIs(1));
  EXPECT_THAT(discovery.Find("app").unreadable, HasSubstr("is missing"));
}

TEST(ConfigDiscoveryTest, BadNamesAreSkippedWithTheirSubtree) {
  TempDir root;
  root.Write("good/x.json", "{}");
  root.Write("bad\\name/x.json", "{}");
  root.Write("bad\\name/below/x.json", "{}");
  testing::FaultyFileSystem fs;
  const ConfigDiscovery discovery(OptionsFor({root.path()}), &fs);
  const ConfigDiscovery::Scan scan = discovery.ScanAll();
  EXPECT_THAT(Names(scan), ElementsAre("good"));
  ASSERT_THAT(scan.skipped_dirs, SizeIs(1));
  EXPECT_THAT(scan.skipped_dirs[0], HasSubstr("backslash"));
}

TEST(ConfigDiscoveryTest, SymlinkLoopsAreWalkedOnceAndDepthIsBounded) {
  TempDir root;
  root.Write("a/x.json", "{}");
  ASSERT_EQ(symlink("..", root.Path("a/loop").c_str()), 0);  // a/loop -> root
  std::string deep = "d";
  for (int i = 0; i < 40; ++i) deep += "/d";
  root.Write(deep + "/x.json", "{}");    // 41 levels down: beyond max_depth
  root.Write("d/d/d/d/d/x.json", "{}");  // 5 levels down: found
  testing::FaultyFileSystem fs;
  ConfigDiscovery::Options options = OptionsFor({root.path()});
  options.max_depth = 8;
  const ConfigDiscovery discovery(options, &fs);
  const ConfigDiscovery::Scan scan = discovery.ScanAll();  // terminates
  std::vector<std::string> names = Names(scan);
  EXPECT_EQ(names.front(), "a");
  EXPECT_NE(std::find(names.begin(), names.end(), "d/d/d/d/d"), names.end());
  for (const std::string& name : names) {
    EXPECT_LE(std::count(name.begin(), name.end(), '/'), 8) << name;
  }
}

TEST(ConfigDiscoveryTest, NameForDirectoryMapsBackToConfigNames) {
  TempDir root;
  root.Write("team/a/x.json", "{}");
  testing::FaultyFileSystem fs;
  const ConfigDiscovery discovery(OptionsFor({root.path()}), &fs);
  EXPECT_EQ(discovery.NameForDirectory(root.Path("team/a")), "team/a");
  EXPECT_EQ(discovery.NameForDirectory(root.Path("team/a/")), "team/a");
  EXPECT_EQ(discovery.NameForDirectory(root.Path("team/a/..data")), "team/a");
  EXPECT_EQ(discovery.NameForDirectory(root.Path("team/a/..2026_11_24_00_01_00.2")), "team/a");
  EXPECT_EQ(discovery.NameForDirectory(root.path()), "");
  EXPECT_EQ(discovery.NameForDirectory(root.Path(".git/objects")), std::nullopt);
  EXPECT_EQ(discovery.NameForDirectory("/elsewhere"), std::nullopt);
  EXPECT_EQ(discovery.NameForDirectory(root.path() + "-sibling/app"), std::nullopt);
  EXPECT_TRUE(discovery.HasFile("team/a", "x.json"));
  EXPECT_FALSE(discovery.HasFile("team/a", "y.json"));
  EXPECT_TRUE(discovery.DirectoryExists("team"));
  EXPECT_FALSE(discovery.DirectoryExists("nope"));
}

}  // namespace
}  // namespace hearth
