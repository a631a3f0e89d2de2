#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/parse/parse_document.h"

namespace hearth {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr uint32_t kFileId = 3;
const SourceRef kSrc{"app.json", kFileId};

Value Parse(std::string_view text, const ParseLimits& limits = {}) {
  absl::StatusOr<Value> v = ParseJson(text, kSrc, limits);
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *std::move(v) : Value();
}

std::string Error(std::string_view text, const ParseLimits& limits = {}) {
  absl::StatusOr<Value> v = ParseJson(text, kSrc, limits);
  EXPECT_FALSE(v.ok()) << "parsed: " << text;
  if (v.ok()) return "";
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(v.status().message());
}

void ExpectAt(const Value* v, uint32_t line, uint32_t column) {
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->origin().file, kFileId);
  EXPECT_EQ(v->origin().line, line);
  EXPECT_EQ(v->origin().column, column);
}

TEST(JsonParserTest, TypesAreKeptApart) {
  Value v = Parse(R"({"i": 42, "neg": -7, "d": 1.5, "whole": 1.0, "exp": 1e3, "t": true,
    "f": false, "n": null, "s": "a\"b\\c\u00e9\ud83d\ude00", "max": 9223372036854775807,
    "min": -9223372036854775808, "tiny": 1e-400, "a": [], "o": {}})");
  EXPECT_EQ(v.Find("i")->AsInt(), 42);
  EXPECT_EQ(v.Find("neg")->AsInt(), -7);
  EXPECT_EQ(v.Find("d")->AsDouble(), 1.5);
  ASSERT_TRUE(v.Find("whole")->is_double());
  ASSERT_TRUE(v.Find("exp")->is_double());
  EXPECT_EQ(v.Find("exp")->AsDouble(), 1000.0);
  EXPECT_TRUE(v.Find("t")->AsBool());
  EXPECT_FALSE(v.Find("f")->AsBool());
  EXPECT_TRUE(v.Find("n")->is_null());
  EXPECT_EQ(v.Find("s")->AsString(), "a\"b\\c\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(v.Find("max")->AsInt(), INT64_MAX);
  EXPECT_EQ(v.Find("min")->AsInt(), INT64_MIN);
  EXPECT_EQ(v.Find("tiny")->AsDouble(), 0.0);  // underflow reads as zero, like strtod
  EXPECT_TRUE(v.Find("a")->is_array());
  EXPECT_TRUE(v.Find("o")->is_object());
}

TEST(JsonParserTest, TopLevelScalarsAndArraysAreReturnedAsIs) {
  EXPECT_EQ(Parse(" 12 ").AsInt(), 12);
  EXPECT_EQ(Parse("\"x\"").AsString(), "x");
  Value a = Parse("[1, \"two\"]");
  ASSERT_TRUE(a.is_array());
  EXPECT_EQ(a.AsArray().size(), 2u);
  ExpectAt(&a, 1, 1);
}

TEST(JsonParserTest, OriginsPointAtValues) {
  Value v = Parse(R"({
  "server": {
    "port": 8080,
    "hosts": ["a", "b"],
    "empty": [],
    "tls": {}
  },
  "x": "y"
})");
  ExpectAt(&v, 1, 1);
  ExpectAt(v.Find("server"), 2, 13);
  ExpectAt(v.FindPath("server.port"), 3, 13);
  ExpectAt(v.FindPath("server.hosts"), 4, 14);
  ExpectAt(v.FindPath("server.hosts.0"), 4, 15);
  ExpectAt(v.FindPath("server.hosts.1"), 4, 20);
  ExpectAt(v.FindPath("server.empty"), 5, 14);
  ExpectAt(v.FindPath("server.tls"), 6, 12);
  ExpectAt(v.Find("x"), 8, 8);
}

TEST(JsonParserTest, OriginsStayRightAfterEscapedQuotesAndBackslashes) {
  // Strings whose content ends in backslashes or holds escaped quotes and structural
  // characters: the positions of what follows them must not drift.
  Value v = Parse(R"({"a\"}": "x\\", "b": ["\\\"]", -1.5e3, true],
"c\\": {"d": null}, "e": "\u00e9,]}"})");
  ExpectAt(v.Find("a\"}"), 1, 10);
  ExpectAt(v.Find("b"), 1, 22);
  ExpectAt(v.FindPath("b.0"), 1, 23);
  ExpectAt(v.FindPath("b.1"), 1, 32);
  ExpectAt(v.FindPath("b.2"), 1, 40);
  ExpectAt(v.Find("c\\"), 2, 8);
  ExpectAt(v.FindPath("c\\.d"), 2, 14);
  ExpectAt(v.Find("e"), 2, 26);
  // A duplicate key after such strings is still named where it is.
  EXPECT_EQ(Error(R"({"x": "\\", "y": "\"", "x": 1})"), "app.json:1:24: duplicate key \"x\"");
}

TEST(JsonParserTest, CrlfAndBom) {
  Value v = Parse("\xEF\xBB\xBF{\r\n  \"a\": 1,\r\n  \"b\": [true]\r\n}\r\n");
  ExpectAt(v.Find("a"), 2, 8);
  ExpectAt(v.FindPath("b.0"), 3, 9);
}

TEST(JsonParserTest, DuplicateKeysAreRejectedAtTheSecondOccurrence) {
  EXPECT_EQ(Error("{\"a\": 1,\n \"b\": 2,\n \"a\": 3}"), "app.json:3:2: duplicate key \"a\"");
  EXPECT_EQ(Error("{\"o\": {\"k\": 1, \"k\": {}}}"), "app.json:1:16: duplicate key \"k\"");
  // Keys are compared after unescaping.
  EXPECT_EQ(Error(R"({"a": 1, "\u0061": 2})"), "app.json:1:10: duplicate key \"a\"");
}

TEST(JsonParserTest, SyntaxErrorsNameFileLineColumn) {
  struct Case {
    std::string_view text;
    std::string_view error;
  };
  const Case cases[] = {
      {"", "app.json:1:1: empty JSON document (expected a value, e.g. {})"},
      {"  \n ", "app.json:1:1: empty JSON document (expected a value, e.g. {})"},
      // Letters and digits may be part of a value: named by kind, never quoted.
      {"[1 2]", "app.json:1:4: unexpected digit, expected ',' or ']'"},
      {"{\"a\": 1,}", "app.json:1:9: unexpected '}', expected a double-quoted object key"},
      {"[1,]", "app.json:1:4: unexpected ']', expected a value"},
      {"{\"a\" 1}", "app.json:1:6: unexpected digit, expected ':'"},
      {"{\"a\": 1} x", "app.json:1:10: unexpected content after the JSON value"},
      {"{\"a\": 1}}", "app.json:1:9: unexpected content after the JSON value"},
      {"{\n  \"a\": [1, 2}\n}", "app.json:2:13: unexpected '}', expected ',' or ']'"},
      {"{\n  \"a\": \"open\n}", "app.json:2:8: unterminated string (strings cannot span lines)"},
      {"{\"a\": [1, 2", "app.json:1:7: '[' is never closed"},
      {"{\"a\":", "app.json:1:1: '{' is never closed"},
      {"[\"abc", "app.json:1:2: unterminated string"},
      {"{\"a\": tru}", "app.json:1:7: invalid literal (expected true, false or null)"},
      {"[truex]", "app.json:1:2: invalid literal (expected true, false or null)"},
      {"{\"a\": 01}", "app.json:1:7: invalid number"},
      {"[1.]", "app.json:1:2: invalid number"},
      {"[-]", "app.json:1:2: invalid number"},
      {"[.5]", "app.json:1:2: unexpected '.', expected a value"},
      {"[+1]", "app.json:1:2: unexpected '+', expected a value"},
      {"{'a': 1}", "app.json:1:2: unexpected ''', expected a double-quoted object key"},
      {"[\"a\\qb\"]", "app.json:1:4: invalid escape sequence in string"},
      {"[\"\\u12G4\"]", "app.json:1:3: invalid \\u escape (expected four hex digits)"},
      {"[\"\\ud800\"]", "app.json:1:3: unpaired UTF-16 high surrogate in \\u escape"},
      {"[\"\\udc00\"]", "app.json:1:3: unpaired UTF-16 low surrogate in \\u escape"},
      {"[\"a\tb\"]", "app.json:1:4: control character 0x09 must be escaped in a string"},
      {"// comment\n{}", "app.json:1:1: unexpected '/', expected a value"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Error(c.text), c.error) << "input: " << c.text;
  }
}

TEST(JsonParserTest, NumbersJsonCannotHoldAreRejected) {
  // Integers must fit int64: we do not silently round big integers to doubles.
  EXPECT_EQ(Error("{\"a\": 18446744073709551615}"),
            "app.json:1:7: integer out of range: JSON integers must fit in a signed 64-bit "
            "integer");
  EXPECT_EQ(Error("[9223372036854775808]"),
            "app.json:1:2: integer out of range: JSON integers must fit in a signed 64-bit "
            "integer");
  EXPECT_EQ(Error("[-9223372036854775809]"),
            "app.json:1:2: integer out of range: JSON integers must fit in a signed 64-bit "
            "integer");
  EXPECT_EQ(Error("[1, 99999999999999999999999]"),
            "app.json:1:5: integer out of range: JSON integers must fit in a signed 64-bit "
            "integer");
  EXPECT_EQ(Error("{\"x\":\n 1e400}"),
            "app.json:2:2: number out of range: not representable in JSON as a finite double");
  EXPECT_EQ(Error("[-1.5e999]"),
            "app.json:1:2: number out of range: not representable in JSON as a finite double");
  // Large integers written as floats are fine.
  EXPECT_EQ(Parse("[1e19]").AsArray()[0].AsDouble(), 1e19);
}

std::string Nested(int levels) { return std::string(levels, '[') + std::string(levels, ']'); }

TEST(JsonParserTest, DepthLimit) {
  ParseLimits limits;
  limits.max_depth = 5;
  Parse(Nested(5), limits);
  EXPECT_EQ(Error(Nested(6), limits), "app.json:1:6: nesting deeper than 5 levels");
  Parse(R"({"a": {"b": {"c": {"d": [1]}}}})", limits);
  EXPECT_EQ(Error(R"({"a": {"b": {"c": {"d": [{}]}}}})", limits),
            "app.json:1:26: nesting deeper than 5 levels");
  // A limit above simdjson's default depth is honoured too.
  limits.max_depth = 2000;
  Parse(Nested(1500), limits);
}

TEST(JsonParserTest, HostileNestingFailsCleanly) {
  EXPECT_EQ(Error(std::string(100000, '[')), "app.json:1:65: nesting deeper than 64 levels");
  EXPECT_EQ(Error(Nested(100000)), "app.json:1:65: nesting deeper than 64 levels");
  std::string objects;
  for (int i = 0; i < 50000; ++i) objects += "{\"a\":";
  EXPECT_THAT(Error(objects), HasSubstr("nesting deeper than 64 levels"));
}

TEST(JsonParserTest, InvalidUtf8IsRejected) {
  EXPECT_EQ(Error("{\n \"a\": \"\xC0\xAF\"}"),
            "app.json:2:8: invalid UTF-8 (byte 0xC0); files must be UTF-8 encoded");
}

TEST(JsonParserTest, ParsersAreThreadSafe) {
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::string doc = "{\"t\": " + std::to_string(t) + ", \"i\": [" + std::to_string(i) + "]}";
        absl::StatusOr<Value> v = ParseJson(doc, kSrc);
        if (v.ok() && v->Find("t")->AsInt() == t && v->FindPath("i.0")->AsInt() == i) ++ok[t];
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(ok[t], 200);
}

TEST(JsonParserTest, ReusedBufferDoesNotLeakBetweenDocuments) {
  Parse(std::string(10000, ' ') + "{\"long\": \"" + std::string(5000, 'x') + "\"}");
  Value v = Parse("{\"a\": 1}");
  EXPECT_EQ(v.AsObject().size(), 1u);
  EXPECT_THAT(Error("{\"a\": \"b\""), StartsWith("app.json:1:1: "));
  // A document bigger than the per-thread buffers we keep, then small ones again.
  Value big = Parse("{\"big\": \"" + std::string(6 << 20, 'y') + "\"}");
  EXPECT_EQ(big.Find("big")->AsString().size(), size_t{6} << 20);
  EXPECT_EQ(Parse("[7]").AsArray()[0].AsInt(), 7);
}

}  // namespace
}  // namespace hearth
