#include "server/core/parse/json_syntax_locator.h"

#include <optional>
#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace hearth {
namespace {

TEST(JsonSyntaxLocatorTest, ValidDocumentsHaveNoError) {
  for (std::string_view text :
       {"{}", "[]", " {\"a\": [1, -2.5e3, true, false, null, \"\\u00e9\"]} ", "\"\\ud83d\\ude00\"",
        "0", "1e-400"}) {
    EXPECT_EQ(FindJsonSyntaxError(text, 64), std::nullopt) << text;
  }
}

TEST(JsonSyntaxLocatorTest, NamesTheOffsetOfTheFirstError) {
  struct Case {
    std::string_view text;
    size_t offset;
    std::string_view message;
  };
  const Case cases[] = {
      {"", 0, "empty JSON document (expected a value, e.g. {})"},
      {"{} x", 3, "unexpected content after the JSON value"},
      {"{\"a\": [1, 2}", 11, "unexpected '}', expected ',' or ']'"},
      {"[1, 2", 0, "'[' is never closed"},
      {"{\"a\" 1}", 5, "unexpected digit, expected ':'"},
      {"{'a': 1}", 1, "unexpected ''', expected a double-quoted object key"},
      {"[01]", 1, "invalid number"},
      {"[9223372036854775808]", 1,
       "integer out of range: JSON integers must fit in a signed 64-bit integer"},
      {"[-1e400]", 1, "number out of range: not representable in JSON as a finite double"},
      {"[\"a\\x\"]", 3, "invalid escape sequence in string"},
      {"[\"\\udc00\"]", 2, "unpaired UTF-16 low surrogate in \\u escape"},
      {"[tru]", 1, "invalid literal (expected true, false or null)"},
      {"[[[1]]]", 2, "nesting deeper than 2 levels"},
  };
  for (const Case& c : cases) {
    const int depth = c.message.starts_with("nesting") ? 2 : 64;
    std::optional<JsonSyntaxError> error = FindJsonSyntaxError(c.text, depth);
    ASSERT_TRUE(error.has_value()) << c.text;
    EXPECT_EQ(error->offset, c.offset) << c.text;
    EXPECT_EQ(error->message, c.message) << c.text;
  }
}

TEST(JsonSyntaxLocatorTest, HostileNestingIsIterative) {
  const std::string deep(1'000'000, '[');
  std::optional<JsonSyntaxError> error = FindJsonSyntaxError(deep, 64);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->offset, 64u);
  const std::string unclosed = std::string(60, '[');
  error = FindJsonSyntaxError(unclosed, 64);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->message, "'[' is never closed");
}

}  // namespace
}  // namespace hearth
