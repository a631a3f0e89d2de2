#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/model/absl_compat.h"
#include "server/core/parse/parse_document.h"

namespace hearth {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr uint32_t kFileId = 5;
const SourceRef kSrc{"app.yaml", kFileId};

Value Parse(std::string_view text, const ParseLimits& limits = {}) {
  absl::StatusOr<Value> v = ParseYaml(text, kSrc, limits);
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *std::move(v) : Value();
}

std::string Error(std::string_view text, const ParseLimits& limits = {}) {
  absl::StatusOr<Value> v = ParseYaml(text, kSrc, limits);
  EXPECT_FALSE(v.ok()) << "parsed: " << text;
  if (v.ok()) return "";
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(v.status().message());
}

// The value of `x` in the one-line document "x: <scalar>".
Value Scalar(std::string_view scalar) {
  Value v = Parse(absl::StrCat("x: ", Sv(scalar)));
  const Value* x = v.Find("x");
  return x == nullptr ? Value() : *x;
}

void ExpectAt(const Value* v, uint32_t line, uint32_t column) {
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->origin().file, kFileId);
  EXPECT_EQ(v->origin().line, line);
  EXPECT_EQ(v->origin().column, column);
}

TEST(YamlParserTest, CoreSchemaNullsAndBools) {
  for (std::string_view s : {"~", "null", "Null", "NULL", ""}) {
    EXPECT_TRUE(Scalar(s).is_null()) << s;
  }
  for (std::string_view s : {"true", "True", "TRUE"}) EXPECT_TRUE(Scalar(s).AsBool()) << s;
  for (std::string_view s : {"false", "False", "FALSE"}) EXPECT_FALSE(Scalar(s).AsBool()) << s;
  // YAML 1.1 booleans are plain strings in 1.2.
  for (std::string_view s : {"yes", "no", "on", "off", "y", "tRUE", "nULL"}) {
    ASSERT_TRUE(Scalar(s).is_string()) << s;
    EXPECT_EQ(Scalar(s).AsString(), s);
  }
}

TEST(YamlParserTest, CoreSchemaNumbers) {
  EXPECT_EQ(Scalar("42").AsInt(), 42);
  EXPECT_EQ(Scalar("-42").AsInt(), -42);
  EXPECT_EQ(Scalar("+42").AsInt(), 42);
  EXPECT_EQ(Scalar("007").AsInt(), 7);
  EXPECT_EQ(Scalar("0o17").AsInt(), 15);
  EXPECT_EQ(Scalar("0x1F").AsInt(), 31);
  EXPECT_EQ(Scalar("9223372036854775807").AsInt(), INT64_MAX);
  EXPECT_EQ(Scalar("-9223372036854775808").AsInt(), INT64_MIN);
  EXPECT_EQ(Scalar("1.5").AsDouble(), 1.5);
  EXPECT_EQ(Scalar("1.").AsDouble(), 1.0);
  EXPECT_EQ(Scalar(".5").AsDouble(), 0.5);
  EXPECT_EQ(Scalar("-1.5e-2").AsDouble(), -0.015);
  EXPECT_EQ(Scalar("+1E3").AsDouble(), 1000.0);
  EXPECT_EQ(Scalar("1e-400").AsDouble(), 0.0);
  ASSERT_TRUE(Scalar("2.0").is_double());
  // Not numbers under the core schema.
  for (std::string_view s : {"1_000", "0b101", "0x", "1e", ".", "1.2.3", "12:30", "-0x10", "0o8",
                             "+.inf5", "1e5x", "2001-12-14"}) {
    ASSERT_TRUE(Scalar(s).is_string()) << s;
    EXPECT_EQ(Scalar(s).AsString(), s);
  }
}

TEST(YamlParserTest, QuotedAndBlockScalarsStayStrings) {
  Value v = Parse(
      "a: \"123\"\nb: 'true'\nc: |\n  line1\n  line2\nd: >\n  folded\n  text\n"
      "e: \"\"\nf: ! 12\n");
  EXPECT_EQ(v.Find("a")->AsString(), "123");
  EXPECT_EQ(v.Find("b")->AsString(), "true");
  EXPECT_EQ(v.Find("c")->AsString(), "line1\nline2\n");
  EXPECT_EQ(v.Find("d")->AsString(), "folded text\n");
  EXPECT_EQ(v.Find("e")->AsString(), "");
  EXPECT_EQ(v.Find("f")->AsString(), "12");
}

TEST(YamlParserTest, ExplicitCoreTags) {
  Value v = Parse(
      "a: !!str 123\nb: !!int \"42\"\nc: !!float 1\nd: !!bool \"true\"\ne: !!null ''\n"
      "f: !!map {k: 1}\ng: !!seq [1]\n");
  EXPECT_EQ(v.Find("a")->AsString(), "123");
  EXPECT_EQ(v.Find("b")->AsInt(), 42);
  ASSERT_TRUE(v.Find("c")->is_double());
  EXPECT_EQ(v.Find("c")->AsDouble(), 1.0);
  EXPECT_TRUE(v.Find("d")->AsBool());
  EXPECT_TRUE(v.Find("e")->is_null());
  EXPECT_EQ(v.FindPath("f.k")->AsInt(), 1);
  EXPECT_EQ(v.FindPath("g.0")->AsInt(), 1);
  EXPECT_EQ(Error("a: !!int abc\n"), "app.yaml:1:4: not a valid !!int");
  // A local tag is never quoted: `password: !hunter2` turns the value into a tag.
  EXPECT_EQ(Error("a: !custom x\n"),
            "app.yaml:1:4: unsupported YAML tag (only the core tags such as !!str and !!int; quote "
            "a value that starts with '!')");
  EXPECT_EQ(Error("a: !!set {x}\n"), "app.yaml:1:4: unsupported YAML tag 'tag:yaml.org,2002:set'");
}

TEST(YamlParserTest, NumbersJsonCannotHoldAreRejected) {
  // The kind of problem, never the scalar's text (it may be a secret).
  EXPECT_EQ(Error("a: 1\nb: .inf\n"),
            "app.yaml:2:4: floating-point value inf is not representable in JSON");
  EXPECT_EQ(Error("b: -.Inf\n"),
            "app.yaml:1:4: floating-point value inf is not representable in JSON");
  EXPECT_EQ(Error("b: [1, .NaN]\n"),
            "app.yaml:1:8: floating-point value nan is not representable in JSON");
  EXPECT_EQ(Error("b: 1e999\n"),
            "app.yaml:1:4: floating-point value inf is not representable in JSON");
  EXPECT_EQ(Error("b: 9223372036854775808\n"),
            "app.yaml:1:4: integer out of range (must fit in a signed 64-bit integer)");
  EXPECT_THAT(Error("b: 0xFFFFFFFFFFFFFFFFFF\n"), HasSubstr("out of range"));
  // Quoted, they are just strings.
  EXPECT_EQ(Scalar("'.nan'").AsString(), ".nan");
}

TEST(YamlParserTest, StructureAndOrigins) {
  Value v = Parse(R"(server:
  port: 8080
  hosts:
    - a
    - b
  flow: {x: 1, y: [2, 3]}
list:
- name: first
  weight: 0.5
- name: second
)");
  ExpectAt(&v, 1, 1);
  ExpectAt(v.Find("server"), 2, 3);
  ExpectAt(v.FindPath("server.port"), 2, 9);
  ExpectAt(v.FindPath("server.hosts"), 4, 5);
  ExpectAt(v.FindPath("server.hosts.1"), 5, 7);
  ExpectAt(v.FindPath("server.flow"), 6, 9);
  ExpectAt(v.FindPath("server.flow.y.1"), 6, 23);
  ExpectAt(v.FindPath("list.1.name"), 10, 9);
  EXPECT_EQ(v.FindPath("list.0.weight")->AsDouble(), 0.5);
  EXPECT_EQ(v.FindPath("server.hosts.1")->AsString(), "b");
}

TEST(YamlParserTest, KeysAreStringifiedScalars) {
  Value v = Parse("1: a\ntrue: b\n1.50: c\n\"q\": d\n");
  EXPECT_EQ(v.Find("1")->AsString(), "a");
  EXPECT_EQ(v.Find("true")->AsString(), "b");
  EXPECT_EQ(v.Find("1.50")->AsString(), "c");
  EXPECT_EQ(v.Find("q")->AsString(), "d");
  EXPECT_EQ(Error("[a]: 1\n"), "app.yaml:1:1: mapping keys must be scalars, not collections");
  EXPECT_EQ(Error("? {a: 1}\n: x\n"),
            "app.yaml:1:3: mapping keys must be scalars, not collections");
  EXPECT_EQ(Error("~: 1\n"), "app.yaml:1:1: mapping keys must not be null");
}

TEST(YamlParserTest, DuplicateKeysAreRejectedAtTheSecondOccurrence) {
  EXPECT_EQ(Error("a: 1\nb: 2\na: 3\n"), "app.yaml:3:1: duplicate key 'a'");
  EXPECT_EQ(Error("o:\n  k: 1\n  k: 2\n"), "app.yaml:3:3: duplicate key 'k'");
  EXPECT_EQ(Error("{x: 1, x: 2}"), "app.yaml:1:8: duplicate key 'x'");
  // Same text once quoted and once plain is the same key in our (JSON) model.
  EXPECT_EQ(Error("1: a\n'1': b\n"), "app.yaml:2:1: duplicate key '1'");
}

TEST(YamlParserTest, AnchorsAliasesAndMergeKeys) {
  Value v = Parse(R"(base: &base
  host: h
  port: 1
list: &l [1, 2]
copy: *l
svc:
  <<: *base
  port: 2
multi:
  <<: [{a: 1, b: 1}, {b: 2, c: 2}]
  c: 3
)");
  EXPECT_EQ(v.FindPath("copy.1")->AsInt(), 2);
  ExpectAt(v.Find("copy"), 5, 7);  // the alias itself
  EXPECT_EQ(v.FindPath("svc.host")->AsString(), "h");
  EXPECT_EQ(v.FindPath("svc.port")->AsInt(), 2);  // explicit keys win
  EXPECT_EQ(v.FindPath("multi.a")->AsInt(), 1);
  EXPECT_EQ(v.FindPath("multi.b")->AsInt(), 1);  // earlier merge sources win
  EXPECT_EQ(v.FindPath("multi.c")->AsInt(), 3);
  EXPECT_EQ(v.Find("svc")->Find("<<"), nullptr);
  EXPECT_EQ(Error("a: 1\n<<: 5\n"),
            "app.yaml:2:1: '<<' (merge) must be a mapping or a list of mappings");
  EXPECT_THAT(Error("a: *nope\n"), StartsWith("app.yaml:1:4: "));
  EXPECT_EQ(
      Error("a: &x [1, *x]\n"),
      "app.yaml:1:11: alias refers to an anchor whose node is not finished (recursive alias)");
}

TEST(YamlParserTest, AliasBombIsRejected) {
  std::string doc = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    const char prev = static_cast<char>(c - 1);
    doc += absl::StrCat(std::string(1, c), ": &", std::string(1, c), " [");
    for (int i = 0; i < 10; ++i) doc += absl::StrCat(i ? ", *" : "*", std::string(1, prev));
    doc += "]\n";
  }
  EXPECT_THAT(Error(doc), HasSubstr("aliases expand to too many nodes"));
}

// A few aliases of one long string: few nodes, many bytes (issue 7: 300 KB that expanded to
// 600 MB). Charged per copy, in bytes.
std::string LongStringAliasBomb(size_t length, int aliases) {
  std::string doc = absl::StrCat("big: &a \"", std::string(length, 'x'), "\"\nlist:\n");
  for (int i = 0; i < aliases; ++i) doc += "  - *a\n";
  return doc;
}

TEST(YamlParserTest, AliasBytesBombIsRejectedPerFile) {
  const absl::Time start = absl::Now();
  const std::string doc = LongStringAliasBomb(300000, 2000);
  ASSERT_LT(doc.size(), 320000u);
  absl::StatusOr<Value> v = ParseYaml(doc, kSrc);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(v.status().message()), HasSubstr("aliases expand to more than"));
  EXPECT_THAT(std::string(v.status().message()), StartsWith("app.yaml:"));
  // Never quotes the value.
  EXPECT_THAT(std::string(v.status().message()), ::testing::Not(HasSubstr("xxxx")));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  // A handful of copies of a long string is fine.
  Parse(LongStringAliasBomb(300000, 3));
}

TEST(YamlParserTest, AliasesAreChargedToTheBuildBudget) {
  BuildLimits build_limits;
  build_limits.max_bytes = 2 << 20;
  BuildBudget budget(build_limits);
  ParseLimits limits;
  limits.budget = &budget;
  // 20 copies of 200 KB: under the per-file cap (16 MiB), over a 2 MiB build budget.
  absl::StatusOr<Value> v = ParseYaml(LongStringAliasBomb(200000, 20), kSrc, limits);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(v.status().message()), HasSubstr("--max-build-bytes"));
  // Located at the alias that went over: line 3 + the ~10th copy.
  EXPECT_THAT(std::string(v.status().message()),
              ::testing::MatchesRegex("app\\.yaml:[0-9]+:5: .*"));
  EXPECT_EQ(budget.exhausted(), BuildBudget::Reason::kBytes);
  EXPECT_LE(budget.used(), build_limits.max_bytes);
}

TEST(YamlParserTest, EveryNodeIsChargedToTheBuildBudget) {
  BuildBudget budget(BuildLimits{});
  ParseLimits limits;
  limits.budget = &budget;
  Value v =
      Parse("a: 1\nb: [x, y]\nlong: " + std::string(100, 'z') + "\nc: &c {d: 1}\ne: *c\n", limits);
  // Charged as Value::ApproximateBytes counts memory (the alias copy included).
  EXPECT_EQ(budget.used(), v.ApproximateBytes());
}

TEST(YamlParserTest, ExpiredBudgetStopsTheParse) {
  BuildLimits build_limits;
  build_limits.timeout = -absl::Seconds(1);
  BuildBudget budget(build_limits);
  ParseLimits limits;
  limits.budget = &budget;
  std::string doc;
  for (int i = 0; i < 2000; ++i) absl::StrAppend(&doc, "k", i, ": v\n");
  absl::StatusOr<Value> v = ParseYaml(doc, kSrc, limits);
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(std::string(v.status().message()), HasSubstr("--build-timeout"));
}

TEST(YamlParserTest, BinaryTakesValidBase64) {
  EXPECT_EQ(Scalar("!!binary aGVsbG8=").AsString(), "aGVsbG8=");
  EXPECT_EQ(Scalar("!!binary \"\"").AsString(), "");
  // Block scalars may wrap base64 over lines; the blanks are not part of it.
  Value v = Parse(
      "gif: !!binary |\n  R0lGODlhDAAMAIQAAP//9/X\n  17unp5WZmZgAAAOfn515eXvPz7Y6OjuDg4J+fn5\n"
      "  OTk6enp56enmleECcgggoBADs=\n");
  EXPECT_EQ(
      v.Find("gif")->AsString(),
      "R0lGODlhDAAMAIQAAP//9/X17unp5WZmZgAAAOfn515eXvPz7Y6OjuDg4J+fn5OTk6enp56enmleECcgggoBADs=");
  EXPECT_EQ(Scalar("!!binary QUI=").AsString(), "QUI=");
}

TEST(YamlParserTest, InvalidBinaryIsAnErrorThatDoesNotQuoteTheValue) {
  for (std::string_view bad : {"!!binary hunter2", "!!binary aGVsbG8", "!!binary aGV*bG8=",
                               "!!binary a===", "!!binary =aGV", "!!binary aG=s"}) {
    const std::string error = Error(absl::StrCat("x: ", Sv(bad)));
    EXPECT_EQ(error, "app.yaml:1:4: not valid base64 for !!binary") << bad;
  }
}

TEST(YamlParserTest, EmptyStreamsAreEmptyObjects) {
  for (std::string_view text : {"", "\n", "# just a comment\n", "---\n", "--- ~\n", "---\n...\n"}) {
    Value v = Parse(text);
    ASSERT_TRUE(v.is_object()) << text;
    EXPECT_TRUE(v.AsObject().empty()) << text;
  }
  // Non-object documents are returned as they are; the caller decides.
  EXPECT_EQ(Parse("- 1\n- 2\n").AsArray().size(), 2u);
  EXPECT_EQ(Parse("just text\n").AsString(), "just text");
}

TEST(YamlParserTest, MultipleDocumentsAreRejected) {
  EXPECT_EQ(Error("a: 1\n---\nb: 2\n"),
            "app.yaml:2:1: a YAML file must hold a single document (found a second '---')");
  Parse("---\na: 1\n...\n");
}

TEST(YamlParserTest, SyntaxErrorsNameFileLineColumn) {
  EXPECT_THAT(Error("a: [1, 2\n"), StartsWith("app.yaml:2:1: "));
  // libfyaml reads "1\n b" as one multi-line plain scalar, which may not be a key: it names where
  // that scalar starts.
  EXPECT_EQ(Error("a: 1\n b: 2\n"), "app.yaml:1:4: invalid multiline plain key");
  EXPECT_THAT(Error("a:\n\t- x\n"), StartsWith("app.yaml:2:"));
  EXPECT_EQ(Error("a: \"open"), "app.yaml:1:4: unterminated double-quoted scalar");
  EXPECT_EQ(Error("a: \"open\\\"\n"), "app.yaml:1:4: unterminated double-quoted scalar");
  EXPECT_EQ(Scalar("\"q\\\"\\\\\"").AsString(), "q\"\\");
  EXPECT_EQ(Error("a: 1\nb: 'open\n"), "app.yaml:2:4: unterminated single-quoted scalar");
  EXPECT_EQ(Error("\xC3\xA9: 'it''s\n"), "app.yaml:1:5: unterminated single-quoted scalar");
  EXPECT_EQ(Scalar("'it''s'").AsString(), "it's");
  EXPECT_EQ(Scalar("'multi\n  line'").AsString(), "multi line");
}

std::string NestedFlow(int levels) { return std::string(levels, '[') + std::string(levels, ']'); }

TEST(YamlParserTest, DepthLimit) {
  ParseLimits limits;
  limits.max_depth = 4;
  Parse(NestedFlow(4), limits);
  EXPECT_EQ(Error(NestedFlow(5), limits), "app.yaml:1:5: nesting deeper than 4 levels");
  Parse("a:\n  b:\n    c:\n      d: 1\n", limits);
  EXPECT_EQ(Error("a:\n  b:\n    c:\n      d:\n        e: 1\n", limits),
            "app.yaml:5:9: nesting deeper than 4 levels");
  // An alias cannot smuggle in depth.
  Parse("x: &x [[1]]\na:\n  b: *x\n", limits);
  EXPECT_EQ(Error("x: &x [[[1]]]\na:\n  b: *x\n", limits),
            "app.yaml:3:6: nesting deeper than 4 levels");
}

TEST(YamlParserTest, HostileNestingFailsCleanly) {
  EXPECT_EQ(Error(NestedFlow(100000)), "app.yaml:1:65: nesting deeper than 64 levels");
  EXPECT_EQ(Error("a: " + NestedFlow(100000)), "app.yaml:1:67: nesting deeper than 64 levels");
  // Unclosed: still a clean error.
  EXPECT_THAT(Error(std::string(100000, '[')), StartsWith("app.yaml:1:"));
  EXPECT_THAT(Error(std::string(100000, '{')), StartsWith("app.yaml:1:"));
  std::string block;
  for (int i = 0; i < 5000; ++i) block += std::string(i, ' ') + "k:\n";
  EXPECT_THAT(Error(block), HasSubstr("nesting deeper than 64 levels"));
  std::string dashes;
  for (int i = 0; i < 20000; ++i) dashes += "- ";
  EXPECT_THAT(Error(dashes), HasSubstr("nesting deeper than 64 levels"));
}

TEST(YamlParserTest, CrlfBomAndUtf8) {
  Value v = Parse(
      "\xEF\xBB\xBF"
      "a: 1\r\nb:\r\n  c: \"\xC3\xA9\"\r\n");
  ExpectAt(v.Find("a"), 1, 4);
  ExpectAt(v.FindPath("b.c"), 3, 6);
  EXPECT_EQ(v.FindPath("b.c")->AsString(), "\xC3\xA9");
  EXPECT_EQ(Error("a: 1\nb: \xE2\x28\xA1\n"),
            "app.yaml:2:4: invalid UTF-8 (byte 0xE2); files must be UTF-8 encoded");
}

// libfyaml quotes what it found in some messages; ours never show a piece of the source.
TEST(YamlParserTest, LibraryErrorsNeverQuoteTheSource) {
  EXPECT_EQ(Error("a: \"x\\qy\"\n"), "app.yaml:1:6: invalid escape in double-quoted string");
  EXPECT_EQ(Error("a: @secret\n"), "app.yaml:1:4: plain scalar cannot start with this character");
  EXPECT_EQ(Error("a: !e!secret x\n"), "app.yaml:1:4: undefined tag prefix");
  EXPECT_EQ(Error("a: \"\\ud800\"\n"),
            "app.yaml:1:5: double-quoted scalar has invalid UTF8 escape");
  // Columns count bytes (libfyaml's own count characters).
  EXPECT_EQ(Error("\xC3\xA9\xC3\xA9: \"x\\qy\"\n"),
            "app.yaml:1:9: invalid escape in double-quoted string");
}

TEST(YamlParserTest, NothingIsWrittenToStderr) {
  ::testing::internal::CaptureStderr();
  Error("a: [1, 2\n");
  Error("a: \"x\\qy\"\n");
  Error("a: !e!x 1\n");
  Error("]]]: :\n");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

TEST(YamlParserTest, UnterminatedFlowCollections) {
  EXPECT_EQ(Error("a: [1, 2, {b: 3\n"), "app.yaml:2:1: missing comma in flow mapping");
  EXPECT_EQ(Error("a: {b: 1\n"), "app.yaml:2:1: missing comma in flow mapping");
  EXPECT_EQ(Error("a: [1, 2\nb: 3\n"), "app.yaml:3:1: flow sequence without a closing bracket");
  EXPECT_EQ(Error("a: [1]]\n"), "app.yaml:1:7: flow sequence with invalid extra closing bracket");
}

TEST(YamlParserTest, TabsMayNotIndent) {
  EXPECT_EQ(Error("a:\n\tb: 1\n"), "app.yaml:2:1: tab character may not be used as indentation");
  EXPECT_EQ(Parse("a:\t1\nb: [\t2]\n").FindPath("b.0")->AsInt(), 2);
}

TEST(YamlParserTest, GarbageFailsCleanly) {
  for (std::string_view text : {"]]]: :\n", "{]\n", "&\n", "*\n", "!<\n", "%YAML 9.9\n---\na: 1\n",
                                "? ? ? ?\n", "- a\nb: c\n", "a: |\n x\n  y\n z\n", "'\n", "\"\\\n",
                                ": : :\n", "%TAG\n", "---\n---\n...\n..."}) {
    absl::StatusOr<Value> v = ParseYaml(text, kSrc);
    if (!v.ok()) {
      EXPECT_THAT(std::string(v.status().message()), StartsWith("app.yaml:")) << text;
      EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument) << text;
    }
  }
}

TEST(YamlParserTest, HugeScalars) {
  const std::string big(8 << 20, 'x');
  EXPECT_EQ(Parse("a: " + big + "\n").Find("a")->AsString().size(), big.size());
  EXPECT_EQ(Parse("a: \"" + big + "\"\n").Find("a")->AsString().size(), big.size());
  const std::string error = Error("a: \"" + big + "\n");
  EXPECT_EQ(error, "app.yaml:1:4: unterminated double-quoted scalar");
  EXPECT_EQ(Parse(big + ": v\n").Find(big)->AsString(), "v");
}

TEST(YamlParserTest, AliasesAndAnchorsByName) {
  EXPECT_EQ(Error("a: *nope\n"), "app.yaml:1:4: alias refers to an undefined anchor");
  // The latest definition of a name wins.
  Value v = Parse("a: &x 1\nb: &x [2]\nc: *x\nd: &k key\n*k : 3\n");
  EXPECT_EQ(v.FindPath("c.0")->AsInt(), 2);
  EXPECT_EQ(v.Find("key")->AsInt(), 3);
  ExpectAt(v.Find("c"), 3, 4);
  EXPECT_EQ(Error("a: &x [1]\n*x : 2\n"),
            "app.yaml:2:1: an alias used as a mapping key must be a string");
}

TEST(YamlParserTest, OriginsOfPropertiesBlockScalarsAndEmptyValues) {
  Value v = Parse(
      "a: !!int \"1\"\nb: &b x\nc: |\n  text\nd: >-  # folded | not here\n  more\ne: !!str\n"
      "f:\n- x\n");
  ExpectAt(v.Find("a"), 1, 4);  // at the tag
  ExpectAt(v.Find("b"), 2, 4);  // at the anchor
  ExpectAt(v.Find("c"), 3, 4);  // at the '|'
  ExpectAt(v.Find("d"), 5, 4);
  EXPECT_EQ(v.Find("d")->AsString(), "more");
  EXPECT_EQ(v.Find("e")->AsString(), "");
  ExpectAt(v.Find("e"), 7, 4);
  ExpectAt(v.Find("f"), 9, 1);  // an indentless sequence: at its first '-'
}

TEST(YamlParserTest, SecondDocumentAfterEndMarkerIsRejected) {
  EXPECT_THAT(Error("a: 1\n...\nb: 2\n"),
              HasSubstr("a YAML file must hold a single document (found a second '---')"));
}

TEST(YamlParserTest, EscapesYieldValidText) {
  EXPECT_EQ(Scalar("\"\\0N\\x41\\u00e9\\N\"").AsString(),
            std::string("\0N", 2) + "A\xC3\xA9\xC2\x85");
}

// One libfyaml parser per call: parses on several threads do not interfere (the engine parses
// files in parallel).
TEST(YamlParserTest, ConcurrentParsesAreIndependent) {
  const std::string good = "a: &a {x: 'it''s', y: [1, 2.5, true]}\nb:\n  <<: *a\n  z: |\n    t\n";
  const std::string bad = "a: [1, 2\nb: 'open\n";
  const Value expected = Parse(good);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        absl::StatusOr<Value> v = ParseYaml((i + t) % 2 ? good : bad, kSrc);
        if ((i + t) % 2 ? !v.ok() || !(*v == expected) : v.ok()) ++mismatches[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

}  // namespace
TEST(YamlParserTest, ControlCharactersAreRefusedWithTheirPosition) {
  // yaml-cpp read "\0N" in a plain key as the lone byte 0x85, which is not UTF-8 (engine_fuzz);
  // controls are refused before any library sees the text.
  absl::StatusOr<Value> nul = ParseYaml(std::string("a: 1\nc\0Ny: 2\n", 12), {"x.yaml", 0});
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.status().message(), "x.yaml:2:2: control character U+0000 is not allowed in YAML");
  EXPECT_FALSE(ParseYaml("a: \x01\n", {"x.yaml", 0}).ok());
  EXPECT_FALSE(ParseYaml("a: b\x7f\n", {"x.yaml", 0}).ok());
  EXPECT_TRUE(ParseYaml("a:\tb\r\nc: d\n", {"x.yaml", 0}).ok());
}

}  // namespace hearth
