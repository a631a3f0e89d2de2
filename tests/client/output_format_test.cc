#include "client/output_format.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hearthctl {
namespace {

using ::testing::HasSubstr;

JsonNode Parse(std::string_view text) {
  JsonNode node;
  std::string error;
  EXPECT_TRUE(ParseJson(text, &node, &error)) << error;
  return node;
}

TEST(OutputFormatTest, PrettyJsonIndentsTwoSpaces) {
  EXPECT_EQ(ToPrettyJson(Parse(R"({"a":{"b":[1,2.0]},"c":{},"d":[]})")),
            "{\n  \"a\": {\n    \"b\": [\n      1,\n      2.0\n    ]\n  },\n  \"c\": {},\n"
            "  \"d\": []\n}\n");
}

TEST(OutputFormatTest, CompactJsonIsOneLine) {
  const std::string text = R"({"a":{"b":[1,2.0,"x\n"]},"c":null,"d":true})";
  EXPECT_EQ(ToCompactJson(Parse(text)), text);
}

TEST(OutputFormatTest, YamlQuotesStringsThatWouldReadAsOtherTypes) {
  const std::string yaml =
      ToYaml(Parse(R"({"t":"true","num":"1.5","z":"null","e":"","plain":"db.internal","b":true})"));
  EXPECT_THAT(yaml, HasSubstr("t: \"true\"\n"));
  EXPECT_THAT(yaml, HasSubstr("num: \"1.5\"\n"));
  EXPECT_THAT(yaml, HasSubstr("z: \"null\"\n"));
  EXPECT_THAT(yaml, HasSubstr("e: \"\"\n"));
  EXPECT_THAT(yaml, HasSubstr("plain: db.internal\n"));
  EXPECT_THAT(yaml, HasSubstr("b: true\n"));
}

TEST(OutputFormatTest, YamlQuotesKeysThatYaml11ReadsAsBooleans) {
  EXPECT_EQ(ToYaml(Parse(R"({"n":"x","on":1})")), "\"n\": x\n\"on\": 1\n");
}

TEST(OutputFormatTest, YamlNestsBlocks) {
  EXPECT_EQ(ToYaml(Parse(R"({"a":{"b":1},"l":[1,{"c":2}]})")), "a:\n  b: 1\nl:\n  - 1\n  - c: 2\n");
}

TEST(OutputFormatTest, TomlNeedsAnObject) {
  absl::StatusOr<std::string> toml = ToToml(Parse("[1,2]"));
  EXPECT_FALSE(toml.ok());
  EXPECT_EQ(toml.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(OutputFormatTest, TomlWritesTablesAfterScalars) {
  absl::StatusOr<std::string> toml = ToToml(Parse(R"({"db":{"port":5432},"name":"x"})"));
  ASSERT_TRUE(toml.ok()) << toml.status();
  EXPECT_THAT(*toml, HasSubstr("name = \"x\"\n"));
  EXPECT_THAT(*toml, HasSubstr("[db]\nport = 5432\n"));
  EXPECT_LT(toml->find("name"), toml->find("[db]"));
}

TEST(OutputFormatTest, TomlRefusesNullInsideAnArray) {
  EXPECT_FALSE(ToToml(Parse(R"({"a":[1,null]})")).ok());
}

}  // namespace
}  // namespace hearthctl
