#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/parse/parse_document.h"

namespace hearth {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr uint32_t kFileId = 7;
const SourceRef kSrc{"conf/app.toml", kFileId};

Value Parse(std::string_view text, const ParseLimits& limits = {}) {
  absl::StatusOr<Value> v = ParseToml(text, kSrc, limits);
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *std::move(v) : Value();
}

std::string Error(std::string_view text, const ParseLimits& limits = {}) {
  absl::StatusOr<Value> v = ParseToml(text, kSrc, limits);
  EXPECT_FALSE(v.ok());
  if (v.ok()) return "";
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(v.status().message());
}

void ExpectAt(const Value* v, uint32_t line, uint32_t column) {
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->origin().file, kFileId);
  EXPECT_EQ(v->origin().line, line);
  EXPECT_EQ(v->origin().column, column);
  EXPECT_FALSE(v->origin().untyped);
}

TEST(TomlParserTest, ScalarTypes) {
  Value v = Parse(R"(i = 42
neg = -17
big = 9223372036854775807
small = -9223372036854775808
hex = 0xff
f = 1.5
whole = 3.0
t = true
f2 = false
s = "caf\u00e9"
lit = 'C:\path'
ml = """
two
lines"""
)");
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.Find("i")->AsInt(), 42);
  EXPECT_EQ(v.Find("neg")->AsInt(), -17);
  EXPECT_EQ(v.Find("big")->AsInt(), INT64_MAX);
  EXPECT_EQ(v.Find("small")->AsInt(), INT64_MIN);
  EXPECT_EQ(v.Find("hex")->AsInt(), 255);
  EXPECT_EQ(v.Find("f")->AsDouble(), 1.5);
  ASSERT_TRUE(v.Find("whole")->is_double());  // 3.0 stays a float
  EXPECT_EQ(v.Find("whole")->AsDouble(), 3.0);
  EXPECT_TRUE(v.Find("t")->AsBool());
  EXPECT_FALSE(v.Find("f2")->AsBool());
  EXPECT_EQ(v.Find("s")->AsString(), "caf\xC3\xA9");
  EXPECT_EQ(v.Find("lit")->AsString(), "C:\\path");
  EXPECT_EQ(v.Find("ml")->AsString(), "two\nlines");
}

TEST(TomlParserTest, DatesAndTimesBecomeRfc3339Strings) {
  Value v = Parse(R"(odt = 1979-05-27T07:32:00Z
odt_neg = 1979-05-27T00:32:00.999999-07:00
odt_pos = 1979-05-27T00:32:00+05:30
odt_zero = 1979-05-27T00:32:00+00:00
ldt = 1979-05-27T07:32:00.5
ld = 1979-05-27
lt = 07:32:00
lt_frac = 00:32:00.123
)");
  EXPECT_EQ(v.Find("odt")->AsString(), "1979-05-27T07:32:00Z");
  EXPECT_EQ(v.Find("odt_neg")->AsString(), "1979-05-27T00:32:00.999999-07:00");
  EXPECT_EQ(v.Find("odt_pos")->AsString(), "1979-05-27T00:32:00+05:30");
  EXPECT_EQ(v.Find("odt_zero")->AsString(), "1979-05-27T00:32:00Z");
  EXPECT_EQ(v.Find("ldt")->AsString(), "1979-05-27T07:32:00.5");
  EXPECT_EQ(v.Find("ld")->AsString(), "1979-05-27");
  EXPECT_EQ(v.Find("lt")->AsString(), "07:32:00");
  EXPECT_EQ(v.Find("lt_frac")->AsString(), "00:32:00.123");
}

TEST(TomlParserTest, TablesArraysAndOrigins) {
  Value v = Parse(R"(title = "x"

[db]
host = "h"
ports = [ 8000, 8001 ]

[db.pool]
max = 9

[[servers]]
name = "a"

[[servers]]
name = "b"
inline = { k = 1, deep.er = 2 }
)");
  ExpectAt(&v, 1, 1);
  ExpectAt(v.Find("title"), 1, 9);
  ExpectAt(v.FindPath("db.host"), 4, 8);
  ExpectAt(v.FindPath("db.ports"), 5, 9);
  ExpectAt(v.FindPath("db.ports.1"), 5, 17);
  EXPECT_EQ(v.FindPath("db.ports.1")->AsInt(), 8001);
  ExpectAt(v.FindPath("db.pool.max"), 8, 7);
  const Value* servers = v.Find("servers");
  ASSERT_TRUE(servers->is_array());
  ASSERT_EQ(servers->AsArray().size(), 2u);
  EXPECT_EQ(v.FindPath("servers.1.name")->AsString(), "b");
  ExpectAt(v.FindPath("servers.1.name"), 14, 8);
  ExpectAt(v.FindPath("servers.1.inline"), 15, 10);
  ExpectAt(v.FindPath("servers.1.inline.k"), 15, 16);
  EXPECT_EQ(v.FindPath("servers.1.inline.deep.er")->AsInt(), 2);
}

TEST(TomlParserTest, ColumnsCountBytes) {
  // "é" is two bytes: the 2 sits at byte column 12.
  Value v = Parse("a = [\"\xC3\xA9\", 2]\n");
  ExpectAt(v.FindPath("a.1"), 1, 12);
}

TEST(TomlParserTest, EmptyDocumentIsEmptyObject) {
  for (std::string_view text : {"", "\n\n", "# only a comment\n"}) {
    Value v = Parse(text);
    ASSERT_TRUE(v.is_object());
    EXPECT_TRUE(v.AsObject().empty());
    ExpectAt(&v, 1, 1);
  }
}

TEST(TomlParserTest, SyntaxErrorsNameFileLineColumn) {
  EXPECT_THAT(Error("a = 1\nb = [1, 2\n"),
              AllOf(StartsWith("conf/app.toml:2:"), HasSubstr("end-of-file")));
  EXPECT_EQ(Error("a = 1\nb = \"x\" junk\n"),
            "conf/app.toml:2:9: Error while parsing key-value pair: expected a comment or "
            "whitespace, saw a letter");
  EXPECT_THAT(Error("a = 1\nb = \n"), StartsWith("conf/app.toml:2:"));
  EXPECT_THAT(Error("key without value\n"), StartsWith("conf/app.toml:1:"));
  EXPECT_THAT(Error("a = 99999999999999999999\n"),
              AllOf(StartsWith("conf/app.toml:1:"), HasSubstr("64 bits")));
}

TEST(TomlParserTest, DuplicateKeysAreRejectedAtTheSecondDefinition) {
  EXPECT_THAT(Error("a = 1\na = 2\n"), AllOf(StartsWith("conf/app.toml:2:"), HasSubstr("'a'")));
  EXPECT_THAT(Error("[t]\nx = 1\n[t]\ny = 2\n"), StartsWith("conf/app.toml:3:"));
}

TEST(TomlParserTest, NonFiniteFloatsAreRejected) {
  EXPECT_EQ(Error("ok = 1\nx = inf\n"),
            "conf/app.toml:2:5: floating-point value inf is not representable in JSON");
  EXPECT_EQ(Error("x = -inf\n"),
            "conf/app.toml:1:5: floating-point value inf is not representable in JSON");
  EXPECT_EQ(Error("[t]\ny = [1.0, nan]\n"),
            "conf/app.toml:2:11: floating-point value nan is not representable in JSON");
}

std::string Nested(int levels) {
  return "a = " + std::string(levels, '[') + std::string(levels, ']') + "\n";
}

TEST(TomlParserTest, DepthLimit) {
  // Root table is level 1, so `a = [[...]]` may hold max_depth - 1 arrays.
  ParseLimits limits;
  limits.max_depth = 8;
  Parse(Nested(7), limits);
  EXPECT_EQ(Error(Nested(8), limits), "conf/app.toml:1:12: nesting deeper than 8 levels");
  Parse("a.b.c.d.e.f.g.h = 1\n", limits);  // tables a..g at levels 2..8
  EXPECT_THAT(Error("a.b.c.d.e.f.g.h.i = 1\n", limits),
              StartsWith("conf/app.toml:1:19: nesting deeper than 8"));
  Parse("[a.b.c.d.e.f.g]\nx = 1\n", limits);
  EXPECT_THAT(Error("[a.b.c.d.e.f.g.h]\n", limits), StartsWith("conf/app.toml:1:1: nesting"));
  EXPECT_THAT(Error("[[a.b.c.d.e.f.g]]\n", limits), StartsWith("conf/app.toml:1:1: nesting"));
  Parse("[a.b.c]\nd.e.f = { g = { h = 1 } }\n", limits);  // g is level 8
  EXPECT_THAT(Error("[a.b.c]\nd.e.f = { g = { h = { i = 1 } } }\n", limits),
              StartsWith("conf/app.toml:2:"));
  // Dots inside strings and values are not key separators.
  Parse("\"a.b.c.d.e.f.g.h.i\" = 'x.y.z.w.v.u.t.s'\nf = 1.5\nd = 1979-05-27T07:32:00.5\n", limits);
}

TEST(TomlParserTest, HostileNestingFailsCleanly) {
  // Each of these would overflow the stack inside toml++ without the pre-scan.
  std::string dotted = "a";
  std::string header = "[a";
  for (int i = 0; i < 100000; ++i) {
    dotted += ".a";
    header += ".a";
  }
  EXPECT_THAT(Error(dotted + " = 1\n"), HasSubstr("nesting deeper than 64 levels"));
  EXPECT_THAT(Error(header + "]\n"), HasSubstr("nesting deeper than 64 levels"));
  EXPECT_THAT(Error("a = " + std::string(100000, '[')), HasSubstr("nesting deeper than 64"));
  std::string inline_tables = "a = ";
  for (int i = 0; i < 30000; ++i) inline_tables += "{b.c.d=";
  EXPECT_THAT(Error(inline_tables), HasSubstr("nesting deeper than 64"));
}

TEST(TomlParserTest, CrlfLineEndings) {
  Value v = Parse("a = 1\r\n[t]\r\nb = \"x\"\r\n");
  ExpectAt(v.FindPath("t.b"), 3, 5);
  EXPECT_EQ(v.FindPath("t.b")->AsString(), "x");
}

TEST(TomlParserTest, Utf8BomIsSkipped) {
  Value v = Parse(
      "\xEF\xBB\xBF"
      "a = 1\n");
  ExpectAt(v.Find("a"), 1, 5);
}

TEST(TomlParserTest, InvalidUtf8IsRejected) {
  EXPECT_EQ(Error("a = 1\nb = \"\xFF\"\n"),
            "conf/app.toml:2:6: invalid UTF-8 (byte 0xFF); files must be UTF-8 encoded");
}

}  // namespace
}  // namespace hearth
