#include "server/core/build/config_blame.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/build/config_builder.h"
#include "tests/fakes/build_file.h"

namespace hearth {
namespace {

using ::testing::SizeIs;

BuildFile File(const std::string& name, const std::string& content) {
  return MakeBuildFile(name, content);
}

std::shared_ptr<const ConfigVersion> Build(std::vector<BuildFile> files) {
  BuildInput in;
  in.name = "app";
  in.root = "/root";
  in.files = std::move(files);
  BuildResult result = ConfigBuilder::Build(std::move(in), BuildOptions{});
  EXPECT_TRUE(result.ok()) << (result.errors.empty() ? "" : result.errors[0]);
  return result.version;
}

const BlameEntry* Find(const std::vector<BlameEntry>& entries, const std::string& path) {
  for (const BlameEntry& e : entries) {
    if (e.path == path) return &e;
  }
  return nullptr;
}

TEST(ConfigBlameTest, NamesTheLayerThatSetEachLeafAndWhatItOverrode) {
  auto version = Build({File("app/00-base.toml", "port = 80\nhost = \"a\"\n"),
                        File("app/10-db.json", "{\n  \"port\": 81\n}\n"),
                        File("app/20-db.prod.yaml", "port: 82\n")});
  ASSERT_NE(version, nullptr);
  absl::StatusOr<std::vector<BlameEntry>> base = BlameConfig(*version, "");
  ASSERT_TRUE(base.ok()) << base.status();
  ASSERT_THAT(*base, SizeIs(2));
  const BlameEntry* port = Find(*base, "port");
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(version->Sources()[port->origin.file], "app/10-db.json");
  EXPECT_EQ(port->origin.line, 2u);
  ASSERT_THAT(port->overrode, SizeIs(1));
  EXPECT_EQ(version->Sources()[port->overrode[0].file], "app/00-base.toml");
  EXPECT_EQ(port->overrode[0].line, 1u);

  // The profile variant blames its own file; an unknown profile is the base.
  absl::StatusOr<std::vector<BlameEntry>> prod = BlameConfig(*version, "prod");
  ASSERT_TRUE(prod.ok()) << prod.status();
  port = Find(*prod, "port");
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(version->Sources()[port->origin.file], "app/20-db.prod.yaml");
  EXPECT_THAT(port->overrode, SizeIs(2));
  absl::StatusOr<std::vector<BlameEntry>> other = BlameConfig(*version, "nope");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(version->Sources()[Find(*other, "port")->origin.file], "app/10-db.json");
}

TEST(ConfigBlameTest, SourceTextThatNoLongerParsesIsAnErrorNotACrash) {
  auto built = Build({File("app/00.json", "{\"a\": 1}")});
  ASSERT_NE(built, nullptr);
  ConfigVersion version = *built;
  // As if the kept text were damaged.
  version.contents = PackedTexts::Pack(std::vector<std::string>{"{\"a\": "});
  absl::StatusOr<std::vector<BlameEntry>> blamed = BlameConfig(version, "");
  EXPECT_FALSE(blamed.ok());
  EXPECT_THAT(std::string(blamed.status().message()), ::testing::HasSubstr("app/00.json"));
}

TEST(ConfigBlameTest, KeptTextForFewerFilesThanTheVersionIsAnError) {
  auto built = Build({File("app/00.json", "{\"a\": 1}"), File("app/10.json", "{\"b\": 2}")});
  ASSERT_NE(built, nullptr);
  ConfigVersion version = *built;
  version.contents = PackedTexts::Pack(std::vector<std::string>{"{\"a\": 1}"});
  EXPECT_FALSE(BlameConfig(version, "").ok());
}

// The version keeps no tree: blame merges and interpolates the kept text again. References keep
// the position of the string that held them, copied subtrees their own, and an environment value
// (never read by blame) its reference's.
TEST(ConfigBlameTest, InterpolatedValuesPointWhereTheBuildPutThem) {
  BuildInput in;
  in.name = "app";
  in.root = "/root";
  in.files = {File("app/00.toml", "[db]\nhost = \"h\"\nport = 5\n"),
              File("app/10.toml",
                   "copy = \"${db}\"\nurl = \"x-${db.host}\"\n"
                   "token = \"${env:HEARTH_T}\"\n")};
  BuildOptions options;
  options.env_allow_prefixes = {"HEARTH_"};
  options.getenv = [](std::string_view) { return std::optional<std::string>("secret"); };
  BuildResult result = ConfigBuilder::Build(std::move(in), options);
  ASSERT_TRUE(result.ok()) << result.errors[0];
  absl::StatusOr<std::vector<BlameEntry>> blamed = BlameConfig(*result.version, "");
  ASSERT_TRUE(blamed.ok()) << blamed.status();
  const std::vector<std::string> sources = result.version->Sources();
  std::vector<std::string> lines;
  for (const BlameEntry& e : *blamed) {
    lines.push_back(e.path + " " + sources[e.origin.file] + ":" + std::to_string(e.origin.line));
  }
  EXPECT_THAT(lines, ::testing::ElementsAre("copy.host app/00.toml:2", "copy.port app/00.toml:3",
                                            "db.host app/00.toml:2", "db.port app/00.toml:3",
                                            "token app/10.toml:3", "url app/10.toml:2"));
}

}  // namespace
}  // namespace hearth
