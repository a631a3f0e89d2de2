#include "server/core/model/config_name.h"

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/config_engine.h"
#include "tests/fakes/temp_dir.h"

namespace hearth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(ConfigNameTest, TheRule) {
  for (const std::string& good :
       std::vector<std::string>{"app", "team-a/billing", "a.b/c_d", "\xC3\xA9t\xC3\xA9"}) {
    EXPECT_TRUE(ValidateConfigName(good).ok()) << good;
  }
  for (const std::string& bad : std::vector<std::string>{
           "", "/a", "a/", "a//b", ".a", "a/..", "a/./b", "a\nb", "a\tb", "a\\b", "a\x7f",
           std::string("a\0b", 3), "\xC3\x28", "\xED\xA0\x80", std::string(1025, 'n')}) {
    EXPECT_FALSE(ValidateConfigName(bad).ok()) << bad;
  }
  EXPECT_TRUE(ValidateConfigName(std::string(1024, 'n')).ok());
  // Messages escape what they cannot print.
  EXPECT_THAT(std::string(ValidateConfigName("a\nb").message()), Not(HasSubstr("\n")));
}

TEST(ConfigNameTest, Prefixes) {
  for (const std::string& good : std::vector<std::string>{"", "team-a/", "team-", "a"}) {
    EXPECT_TRUE(ValidateConfigNamePrefix(good).ok()) << good;
  }
  for (const std::string& bad : std::vector<std::string>{"/", "../", ".", "a//", "a\n", "a\\"}) {
    EXPECT_FALSE(ValidateConfigNamePrefix(bad).ok()) << bad;
  }
}

TEST(ConfigNameTest, SourceFileNames) {
  for (const std::string& good : std::vector<std::string>{
           "10-db.yaml", "a", "\xC3\xA9t\xC3\xA9.toml", std::string(255, 'n')}) {
    EXPECT_TRUE(ValidateSourceFileName(good).ok()) << good;
  }
  for (const std::string& bad :
       std::vector<std::string>{"", ".", "..", "a/b.toml", std::string("a\0b", 3),
                                std::string(256, 'n'), "\xFF.toml", "\xC3\x28.toml"}) {
    EXPECT_FALSE(ValidateSourceFileName(bad).ok()) << bad;
  }
  // Bytes that are not UTF-8 are not quoted back.
  const std::string message(ValidateSourceFileName("s3cr3t-\xFF.toml").message());
  EXPECT_THAT(message, HasSubstr("valid UTF-8"));
  EXPECT_THAT(message, Not(HasSubstr("s3cr3t")));
}

TEST(ConfigNameTest, DirectoriesThatBreakTheRuleAreReportedNotPublished) {
  testing::TempDir root;
  root.Write("good/app.toml", "v = 1\n");
  root.Write("bad\nname/app.toml", "v = 2\n");
  root.Write("tab\there/app.toml", "v = 3\n");
  root.Write("back\\slash/sub/app.toml", "v = 4\n");
  ConfigEngine::Options options;
  options.roots = {root.path()};
  options.load_threads = 1;
  ConfigEngine engine(options);
  ConfigEngine::Report report = engine.ScanAll();
  std::vector<std::string> names;
  for (const auto& entry : engine.store().List()) names.push_back(entry->name);
  EXPECT_EQ(names, std::vector<std::string>{"good"});
  ASSERT_EQ(report.skipped_dirs.size(), 3u) << ::testing::PrintToString(report.skipped_dirs);
  for (const std::string& e : report.skipped_dirs) {
    EXPECT_THAT(e, Not(HasSubstr("\n")));
    EXPECT_THAT(e, Not(HasSubstr("\t")));
    EXPECT_THAT(e, Not(HasSubstr(root.path())));  // relative to the root
  }
  EXPECT_TRUE(report.root_errors.empty());  // a bad name must not block removals elsewhere
  // A rebuild asked for such a name (e.g. by the watcher) publishes nothing.
  engine.Rebuild("bad\nname");
  EXPECT_EQ(engine.store().Get("bad\nname"), nullptr);
}

}  // namespace
}  // namespace hearth
