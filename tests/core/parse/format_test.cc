#include "server/core/parse/format.h"

#include <string>

#include "gtest/gtest.h"

namespace hearth {
namespace {

TEST(FormatTest, FormatFromFileName) {
  EXPECT_EQ(FormatFromFileName("app.toml"), Format::kToml);
  EXPECT_EQ(FormatFromFileName("app.json"), Format::kJson);
  EXPECT_EQ(FormatFromFileName("app.yaml"), Format::kYaml);
  EXPECT_EQ(FormatFromFileName("app.yml"), Format::kYaml);
  EXPECT_EQ(FormatFromFileName("prod.env"), Format::kEnv);
  EXPECT_EQ(FormatFromFileName(".env"), Format::kEnv);
  EXPECT_EQ(FormatFromFileName("conf.d/10-base.toml"), Format::kToml);
  EXPECT_EQ(FormatFromFileName("conf.d/.env"), Format::kEnv);
  EXPECT_EQ(FormatFromFileName("APP.JSON"), Format::kJson);  // extensions ignore case
  EXPECT_EQ(FormatFromFileName("app.Yml"), Format::kYaml);
  // Editor droppings and unknown extensions are ignored, never fatal.
  for (std::string_view name : {"app.json.swp", "app.toml~", ".app.yaml.tmp", "README", "", "json",
                                "app.jsonx", ".env.local", "toml.d/readme.txt"}) {
    EXPECT_EQ(FormatFromFileName(name), Format::kUnknown) << name;
  }
}

TEST(FormatTest, FormatName) {
  EXPECT_EQ(FormatName(Format::kToml), "toml");
  EXPECT_EQ(FormatName(Format::kJson), "json");
  EXPECT_EQ(FormatName(Format::kYaml), "yaml");
  EXPECT_EQ(FormatName(Format::kEnv), "env");
  EXPECT_EQ(FormatName(Format::kUnknown), "unknown");
}

}  // namespace
}  // namespace hearth
