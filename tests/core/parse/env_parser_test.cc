#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/parse/parse_document.h"

namespace hearth {
namespace {

using ::testing::HasSubstr;

constexpr uint32_t kFileId = 9;
const SourceRef kSrc{"prod.env", kFileId};

Value Parse(std::string_view text, const ParseLimits& limits = {}) {
  absl::StatusOr<Value> v = ParseEnv(text, kSrc, limits);
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *std::move(v) : Value();
}

std::string Error(std::string_view text, const ParseLimits& limits = {}) {
  absl::StatusOr<Value> v = ParseEnv(text, kSrc, limits);
  EXPECT_FALSE(v.ok()) << "parsed: " << text;
  if (v.ok()) return "";
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(v.status().message());
}

std::string Str(const Value& root, std::string_view path) {
  const Value* v = root.FindPath(path);
  if (v == nullptr) return "<missing>";
  if (!v->is_string()) return "<not a string>";
  return v->AsString();
}

void ExpectAt(const Value* v, uint32_t line, uint32_t column) {
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->origin().file, kFileId);
  EXPECT_EQ(v->origin().line, line);
  EXPECT_EQ(v->origin().column, column);
}

TEST(EnvParserTest, BasicAssignmentsAreUntypedStrings) {
  Value v = Parse("PORT=8080\nDEBUG=true\nNAME=hearth\n");
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.AsObject().size(), 3u);
  for (std::string_view key : {"port", "debug", "name"}) {
    const Value* x = v.Find(key);
    ASSERT_NE(x, nullptr) << key;
    EXPECT_TRUE(x->is_string());
    EXPECT_TRUE(x->origin().untyped);
  }
  EXPECT_EQ(Str(v, "port"), "8080");
  EXPECT_EQ(Str(v, "debug"), "true");
  EXPECT_FALSE(v.origin().untyped);
}

TEST(EnvParserTest, ExportCommentsBlankLinesAndWhitespace) {
  Value v = Parse(
      "# leading comment\n"
      "\n"
      "export A=1\n"
      "   export\tB = two words  \n"
      "  # indented comment\n"
      "C=value # trailing comment\n"
      "D=no#comment\n"
      "E=\n"
      "F= # only a comment\n"
      "export=x\n"
      "G=a=b\n");
  EXPECT_EQ(Str(v, "a"), "1");
  EXPECT_EQ(Str(v, "b"), "two words");
  EXPECT_EQ(Str(v, "c"), "value");
  EXPECT_EQ(Str(v, "d"), "no#comment");
  EXPECT_EQ(Str(v, "e"), "");
  EXPECT_EQ(Str(v, "f"), "");
  EXPECT_EQ(Str(v, "export"), "x");
  EXPECT_EQ(Str(v, "g"), "a=b");
  ExpectAt(v.Find("a"), 3, 10);
  ExpectAt(v.Find("b"), 4, 15);
  ExpectAt(v.Find("e"), 8, 3);
}

TEST(EnvParserTest, Quoting) {
  Value v = Parse(
      "S='literal \\n $HOME # not a comment'\n"
      "D=\"tab\\tnl\\nquote\\\" backslash\\\\ cr\\r\"\n"
      "H=\"has # hash\"  # comment after quotes\n"
      "E=''\n"
      "Q=\"it's\"\n");
  EXPECT_EQ(Str(v, "s"), "literal \\n $HOME # not a comment");
  EXPECT_EQ(Str(v, "d"), "tab\tnl\nquote\" backslash\\ cr\r");
  EXPECT_EQ(Str(v, "h"), "has # hash");
  EXPECT_EQ(Str(v, "e"), "");
  EXPECT_EQ(Str(v, "q"), "it's");
  ExpectAt(v.Find("d"), 2, 3);
}

TEST(EnvParserTest, MultiLineQuotedValues) {
  Value v = Parse(
      "KEY=\"-----BEGIN-----\n"
      "abc\n"
      "-----END-----\"\n"
      "NEXT=1\n"
      "LIT='a\n"
      "b'\n");
  EXPECT_EQ(Str(v, "key"), "-----BEGIN-----\nabc\n-----END-----");
  ExpectAt(v.Find("key"), 1, 5);
  ExpectAt(v.Find("next"), 4, 6);
  EXPECT_EQ(Str(v, "lit"), "a\nb");
  ExpectAt(v.Find("lit"), 5, 5);
}

TEST(EnvParserTest, CrlfLineEndings) {
  Value v = Parse("A=1\r\nB=\"x\r\ny\"\r\nC=three \r\n# c\r\nD='z'\r\n");
  EXPECT_EQ(Str(v, "a"), "1");
  EXPECT_EQ(Str(v, "b"), "x\ny");
  EXPECT_EQ(Str(v, "c"), "three");
  EXPECT_EQ(Str(v, "d"), "z");
  ExpectAt(v.Find("c"), 4, 3);
  ExpectAt(v.Find("d"), 6, 3);
}

TEST(EnvParserTest, DoubleUnderscoreNestsAndKeysAreLowerCased) {
  Value v = Parse("DB__POOL__MAX=9\nDB__HOST=h\nDb__Pool__Min=1\nSINGLE_UNDERSCORE=x\n");
  EXPECT_EQ(Str(v, "db.pool.max"), "9");
  EXPECT_EQ(Str(v, "db.pool.min"), "1");
  EXPECT_EQ(Str(v, "db.host"), "h");
  EXPECT_EQ(Str(v, "single_underscore"), "x");
  const Value* pool = v.FindPath("db.pool");
  ASSERT_TRUE(pool->is_object());
  EXPECT_FALSE(pool->origin().untyped);
  ExpectAt(pool, 1, 1);
  ExpectAt(v.FindPath("db.pool.max"), 1, 15);
  EXPECT_TRUE(v.FindPath("db.pool.max")->origin().untyped);
}

TEST(EnvParserTest, DuplicatesAndConflictsNameBothLines) {
  EXPECT_EQ(Error("A=1\nB=2\nA=3\n"),
            "prod.env:3:1: duplicate variable 'A' (first defined at line 1)");
  EXPECT_EQ(Error("db=1\n\nDB=2\n"),
            "prod.env:3:1: duplicate variable 'DB' (first defined at line 1)");
  EXPECT_EQ(
      Error("DB__HOST=1\nDB=2\n"),
      "prod.env:2:1: variable 'DB' conflicts with nested variables under it (first at line 1)");
  EXPECT_EQ(Error("DB=1\n  export DB__HOST=2\n"),
            "prod.env:2:10: variable 'DB__HOST' needs 'DB' to be a group, but it is a plain "
            "variable defined at line 1");
}

TEST(EnvParserTest, MalformedLines) {
  EXPECT_EQ(Error("A=1\nJUSTAKEY\n"), "prod.env:2:9: expected '=' after 'JUSTAKEY'");
  EXPECT_EQ(Error("1A=1\n"),
            "prod.env:1:1: expected a variable name (letters, digits and '_', not starting with a "
            "digit)");
  EXPECT_EQ(Error("A.B=1\n"), "prod.env:1:2: unexpected character '.' in variable name 'A'");
  EXPECT_EQ(Error("=1\n"),
            "prod.env:1:1: expected a variable name (letters, digits and '_', not starting with a "
            "digit)");
  EXPECT_EQ(Error("A=1\nB=\"open\nC=2\n"), "prod.env:2:3: unterminated double-quoted value");
  EXPECT_EQ(Error("B='open\n"), "prod.env:1:3: unterminated single-quoted value");
  EXPECT_THAT(Error("B=\"a\\qb\"\n"), testing::StartsWith("prod.env:1:5: unknown escape sequence"));
  EXPECT_EQ(Error("B=\"a\" tail\n"), "prod.env:1:7: unexpected text after the closing quote");
  EXPECT_EQ(Error("A____B=1\n"),
            "prod.env:1:1: variable name 'A____B' has an empty segment ('__' separates nested "
            "keys)");
  EXPECT_THAT(Error("A__=1\n"), HasSubstr("empty segment"));
  EXPECT_THAT(Error("__A=1\n"), HasSubstr("empty segment"));
}

TEST(EnvParserTest, DepthLimit) {
  ParseLimits limits;
  limits.max_depth = 3;
  Parse("A__B__C=1\n", limits);  // root, a, b: three levels of objects
  EXPECT_EQ(Error("A__B__C__D=1\n", limits),
            "prod.env:1:1: 'A__B__C__D' nests deeper than 3 levels");
  std::string deep = "A";
  for (int i = 0; i < 100000; ++i) deep += "__A";
  EXPECT_THAT(Error(deep + "=1\n"), HasSubstr("nests deeper than 64 levels"));
}

TEST(EnvParserTest, EmptyFileIsEmptyObject) {
  for (std::string_view text : {"", "\n", "# nothing\n\n", "\xEF\xBB\xBF"}) {
    Value v = Parse(text);
    ASSERT_TRUE(v.is_object());
    EXPECT_TRUE(v.AsObject().empty());
  }
}

TEST(EnvParserTest, BomAndUtf8) {
  Value v = Parse("\xEF\xBB\xBFNAME=caf\xC3\xA9\n");
  EXPECT_EQ(Str(v, "name"), "caf\xC3\xA9");
  ExpectAt(v.Find("name"), 1, 6);
  EXPECT_EQ(Error("A=1\nB=\xED\xA0\x80\n"),
            "prod.env:2:3: invalid UTF-8 (byte 0xED); files must be UTF-8 encoded");
}

TEST(EnvParserTest, NoTrailingNewline) {
  Value v = Parse("A=1\nB='x'");
  EXPECT_EQ(Str(v, "b"), "x");
}

}  // namespace
}  // namespace hearth
