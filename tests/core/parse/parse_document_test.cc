#include "server/core/parse/parse_document.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hearth {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(ParseDocumentTest, ParseDocumentDispatches) {
  const SourceRef src{"x", 1};
  struct Case {
    Format format;
    std::string_view text;
  };
  const Case cases[] = {
      {Format::kToml, "[db]\nport = 5432\n"},
      {Format::kJson, R"({"db": {"port": 5432}})"},
      {Format::kYaml, "db:\n  port: 5432\n"},
  };
  for (const Case& c : cases) {
    absl::StatusOr<Value> v = ParseDocument(c.format, c.text, src);
    ASSERT_TRUE(v.ok()) << FormatName(c.format) << ": " << v.status();
    const Value* port = v->FindPath("db.port");
    ASSERT_NE(port, nullptr);
    EXPECT_EQ(port->AsInt(), 5432);
    EXPECT_EQ(port->origin().file, 1u);
    EXPECT_GT(port->origin().line, 0u);
  }
  absl::StatusOr<Value> env = ParseDocument(Format::kEnv, "DB__PORT=5432\n", src);
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->FindPath("db.port")->AsString(), "5432");

  absl::StatusOr<Value> unknown = ParseDocument(Format::kUnknown, "{}", src);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(std::string(unknown.status().message()), "x: unsupported file format");
}

TEST(ParseDocumentTest, ValidateUtf8AcceptsValidText) {
  const SourceRef src{"f", 0};
  EXPECT_TRUE(ValidateUtf8("", src).ok());
  EXPECT_TRUE(ValidateUtf8("plain ascii, long enough to take the eight-byte path\n", src).ok());
  // 2-, 3- and 4-byte sequences, including the boundaries U+0080, U+07FF, U+FFFF, U+10FFFF.
  EXPECT_TRUE(ValidateUtf8("\xC2\x80 \xDF\xBF \xE0\xA0\x80 \xEF\xBF\xBF \xF0\x90\x80\x80 "
                           "\xF4\x8F\xBF\xBF caf\xC3\xA9",
                           src)
                  .ok());
  EXPECT_TRUE(ValidateUtf8(std::string_view("nul\0byte", 8), src).ok());
}

TEST(ParseDocumentTest, ValidateUtf8NamesTheFirstBadByte) {
  const SourceRef src{"dir/f.yaml", 0};
  struct Case {
    std::string_view text;
    std::string_view error;
  };
  const Case cases[] = {
      {"\x80", "dir/f.yaml:1:1: invalid UTF-8 (byte 0x80); files must be UTF-8 encoded"},
      {"ok\nab\xC0\x80", "dir/f.yaml:2:3: invalid UTF-8 (byte 0xC0); files must be UTF-8 encoded"},
      {"\xE0\x80\x80", "dir/f.yaml:1:1: invalid UTF-8 (byte 0xE0); files must be UTF-8 encoded"},
      {"x\xED\xA0\x80", "dir/f.yaml:1:2: invalid UTF-8 (byte 0xED); files must be UTF-8 encoded"},
      {"\xF4\x90\x80\x80",
       "dir/f.yaml:1:1: invalid UTF-8 (byte 0xF4); files must be UTF-8 encoded"},
      {"\xF0\x80\x80\x80",
       "dir/f.yaml:1:1: invalid UTF-8 (byte 0xF0); files must be UTF-8 encoded"},
      {"abc\xC3", "dir/f.yaml:1:4: invalid UTF-8 (byte 0xC3); files must be UTF-8 encoded"},
      {"abc\xE2\x82", "dir/f.yaml:1:4: invalid UTF-8 (byte 0xE2); files must be UTF-8 encoded"},
      {"\xC3\x28", "dir/f.yaml:1:1: invalid UTF-8 (byte 0xC3); files must be UTF-8 encoded"},
      {"12345678\n12345678\xFE",
       "dir/f.yaml:2:9: invalid UTF-8 (byte 0xFE); files must be UTF-8 "
       "encoded"},
  };
  for (const Case& c : cases) {
    absl::Status status = ValidateUtf8(c.text, src);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(std::string(status.message()), c.error);
  }
}

// Properties every front end shares.
class AllFormatsTest : public ::testing::TestWithParam<Format> {};

TEST_P(AllFormatsTest, RejectsInvalidUtf8) {
  const SourceRef src{"bad", 0};
  std::string text;
  switch (GetParam()) {
    case Format::kToml:
      text = "a = \"\xFF\"\n";
      break;
    case Format::kJson:
      text = "{\"a\": \"\xFF\"}";
      break;
    case Format::kYaml:
      text = "a: \xFF\n";
      break;
    default:
      text = "A=\xFF\n";
      break;
  }
  absl::StatusOr<Value> v = ParseDocument(GetParam(), text, src);
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(std::string(v.status().message()), StartsWith("bad:1:"));
  EXPECT_THAT(std::string(v.status().message()), HasSubstr("invalid UTF-8"));
}

TEST_P(AllFormatsTest, StripsUtf8Bom) {
  const SourceRef src{"bom", 0};
  std::string text = "\xEF\xBB\xBF";
  switch (GetParam()) {
    case Format::kToml:
      text += "a = \"x\"\n";
      break;
    case Format::kJson:
      text += "{\"a\": \"x\"}";
      break;
    case Format::kYaml:
      text += "a: x\n";
      break;
    default:
      text += "A=x\n";
      break;
  }
  absl::StatusOr<Value> v = ParseDocument(GetParam(), text, src);
  ASSERT_TRUE(v.ok()) << v.status();
  ASSERT_NE(v->Find("a"), nullptr);
  EXPECT_EQ(v->Find("a")->AsString(), "x");
}

TEST_P(AllFormatsTest, NeverCrashesOnGarbage) {
  const SourceRef src{"junk", 0};
  const std::string inputs[] = {
      std::string(200000, '['),
      std::string(200000, '{'),
      std::string(100000, '"'),
      std::string(100000, '\''),
      std::string(50000, '-') + " ",
      std::string(30000, '\n'),
      std::string("\0\0\0", 3),
      "a = [",
      "- - - - [{",
      "&a *a",
      "!!binary x",
  };
  for (const std::string& text : inputs) {
    absl::StatusOr<Value> v = ParseDocument(GetParam(), text, src);
    (void)v;  // any result is fine; reaching here without a crash is the test
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, AllFormatsTest,
                         ::testing::Values(Format::kToml, Format::kJson, Format::kYaml,
                                           Format::kEnv),
                         [](const ::testing::TestParamInfo<Format>& info) {
                           return std::string(FormatName(info.param));
                         });

}  // namespace
}  // namespace hearth
