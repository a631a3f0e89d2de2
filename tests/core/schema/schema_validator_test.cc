#include "server/core/schema/schema_validator.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/model/value.h"
#include "server/core/parse/parse_document.h"

namespace hearth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

// Schemas are written as JSON and parsed by the project's front end, so they carry real
// line:column origins.
Value Json(std::string_view text) {
  absl::StatusOr<Value> v = ParseJson(text, SourceRef{"schema.json", 0});
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *std::move(v) : Value();
}

std::shared_ptr<const SchemaValidator> MustCreate(std::string_view schema_json,
                                                  std::string name = "app/_schema.json") {
  absl::StatusOr<std::shared_ptr<const SchemaValidator>> v =
      SchemaValidator::Create(Json(schema_json), std::move(name));
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *v : nullptr;
}

// Documents are built by hand so each value has a known origin in "file 0" or "file 1".
const std::vector<std::string> kSources = {"app.toml", ".env"};

Origin At(uint32_t file, uint32_t line, uint32_t column = 1, bool untyped = false) {
  return Origin{file, line, column, untyped};
}

// A string from .env (file 1) at `line`, column 5.
Value EnvString(std::string text, uint32_t line) {
  return Value::String(std::move(text), At(1, line, 5, /*untyped=*/true));
}

Value Object(std::vector<std::pair<std::string, Value>> members, Origin o = At(0, 1)) {
  Value v = Value::EmptyObject(o);
  for (auto& [k, m] : members) v.MutableObject().emplace(k, std::move(m));
  return v;
}

Value Array(std::vector<Value> items, Origin o = At(0, 1)) {
  Value v = Value::EmptyArray(o);
  for (auto& item : items) v.MutableArray().push_back(std::move(item));
  return v;
}

std::vector<std::string> ValidateErrors(const SchemaValidator& v, Value& doc) {
  std::vector<std::string> errors;
  const bool ok = v.Validate(doc, kSources, &errors);
  EXPECT_EQ(ok, errors.empty());
  return errors;
}

constexpr char kServerSchema[] = R"({
  "type": "object",
  "properties": {
    "port": {"type": "integer"},
    "ratio": {"type": "number"},
    "debug": {"type": "boolean"},
    "name": {"type": "string"},
    "limit": {"type": ["integer", "null"]},
    "either": {"type": ["integer", "string"]}
  }
})";

TEST(SchemaValidatorTest, CoercesUntypedStringsToTheSchemaType) {
  auto v = MustCreate(kServerSchema);
  ASSERT_NE(v, nullptr);
  Value doc = Object({{"port", EnvString("8080", 1)},
                      {"ratio", EnvString("0.25", 2)},
                      {"debug", EnvString("true", 3)},
                      {"name", EnvString("42", 4)},
                      {"limit", EnvString("-7", 5)},
                      {"either", EnvString("5", 6)}});
  EXPECT_THAT(ValidateErrors(*v, doc), IsEmpty());

  const Value* port = doc.Find("port");
  ASSERT_TRUE(port->is_int());
  EXPECT_EQ(port->AsInt(), 8080);
  EXPECT_EQ(port->origin().file, 1u);
  EXPECT_EQ(port->origin().line, 1u);
  EXPECT_EQ(port->origin().column, 5u);
  EXPECT_TRUE(port->origin().untyped);
  ASSERT_TRUE(doc.Find("ratio")->is_double());
  EXPECT_DOUBLE_EQ(doc.Find("ratio")->AsDouble(), 0.25);
  ASSERT_TRUE(doc.Find("debug")->is_bool());
  EXPECT_TRUE(doc.Find("debug")->AsBool());
  EXPECT_EQ(doc.Find("debug")->origin().line, 3u);
  // "string" is what the schema asks for: left alone.
  ASSERT_TRUE(doc.Find("name")->is_string());
  EXPECT_EQ(doc.Find("name")->AsString(), "42");
  ASSERT_TRUE(doc.Find("limit")->is_int());
  EXPECT_EQ(doc.Find("limit")->AsInt(), -7);
  // A string is allowed too, so there is nothing to coerce.
  EXPECT_TRUE(doc.Find("either")->is_string());
}

TEST(SchemaValidatorTest, NumberTextForms) {
  auto v = MustCreate(R"({"properties": {
      "i": {"type": "integer"}, "n": {"type": "number"}, "b": {"type": "boolean"}}})");
  ASSERT_NE(v, nullptr);
  struct Case {
    const char* key;
    const char* text;
    Value::Type want;
  };
  const Case cases[] = {
      {"i", "42", Value::Type::kInt},       {"i", "-7", Value::Type::kInt},
      {"i", "1e3", Value::Type::kInt},      {"i", "2.0", Value::Type::kInt},
      {"i", "3.5", Value::Type::kString},   {"i", "0x10", Value::Type::kString},
      {"i", " 42", Value::Type::kString},   {"i", "+1", Value::Type::kString},
      {"i", "", Value::Type::kString},      {"i", "99999999999999999999", Value::Type::kString},
      {"n", "3.5", Value::Type::kDouble},   {"n", "1e3", Value::Type::kDouble},
      {"n", "42", Value::Type::kInt},       {"n", "-0.5e-2", Value::Type::kDouble},
      {"n", "1e999", Value::Type::kString}, {"n", "nan", Value::Type::kString},
      {"n", ".5", Value::Type::kString},    {"b", "false", Value::Type::kBool},
      {"b", "True", Value::Type::kString},  {"b", "1", Value::Type::kString},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.key) + "=" + c.text);
    Value doc = Object({{c.key, EnvString(c.text, 1)}});
    std::vector<std::string> errors = ValidateErrors(*v, doc);
    EXPECT_EQ(doc.Find(c.key)->type(), c.want);
    // What could not be coerced fails validation with a type error.
    EXPECT_EQ(errors.empty(), c.want != Value::Type::kString);
  }
  Value doc = Object({{"i", EnvString("1e3", 1)}, {"n", EnvString("-0.5e-2", 2)}});
  ValidateErrors(*v, doc);
  EXPECT_EQ(doc.Find("i")->AsInt(), 1000);
  EXPECT_DOUBLE_EQ(doc.Find("n")->AsDouble(), -0.005);
}

TEST(SchemaValidatorTest, TypedStringsAreNotCoerced) {
  auto v = MustCreate(kServerSchema, "svc/_schema.json");
  ASSERT_NE(v, nullptr);
  // A JSON/TOML "42" is a string on purpose: no coercion, so it fails an integer schema.
  Value doc = Object({{"port", Value::String("42", At(0, 3, 8))}});
  EXPECT_THAT(ValidateErrors(*v, doc),
              ElementsAre("app.toml:3:8: Value type not permitted by 'type' constraint; found "
                          "string (at /port, schema svc/_schema.json)"));
  EXPECT_TRUE(doc.Find("port")->is_string());
}

TEST(SchemaValidatorTest, UncoercibleUntypedStringIsATypeError) {
  auto v = MustCreate(kServerSchema);
  ASSERT_NE(v, nullptr);
  Value doc = Object({{"port", EnvString("80x", 7)}});
  EXPECT_THAT(ValidateErrors(*v, doc),
              ElementsAre(".env:7:5: Value type not permitted by 'type' constraint; found string "
                          "(untyped text that does not parse as the required type) (at /port, "
                          "schema app/_schema.json)"));
}

TEST(SchemaValidatorTest, MissingRequiredKeyPointsAtTheEnclosingObject) {
  auto v = MustCreate(R"({
    "type": "object",
    "required": ["db"],
    "properties": {"db": {"type": "object", "required": ["host", "port"]}}})",
                      "payments/_schema.json");
  ASSERT_NE(v, nullptr);
  Value doc = Object({{"db", Object({{"port", Value::Int(5432, At(0, 3, 8))}}, At(0, 2, 1))}});
  // One line per missing key, on the object that lacks it; valijson's "failed to validate
  // property 'db'" summary is dropped.
  EXPECT_THAT(ValidateErrors(*v, doc),
              ElementsAre("app.toml:2:1: Missing required property 'host' (at /db, schema "
                          "payments/_schema.json)"));

  Value empty = Object({}, At(0, 1, 1));
  EXPECT_THAT(ValidateErrors(*v, empty),
              ElementsAre("app.toml:1:1: Missing required property 'db' (at /, schema "
                          "payments/_schema.json)"));
}

TEST(SchemaValidatorTest, NestedArraysReportTheFailingElement) {
  auto v = MustCreate(R"({
    "type": "object",
    "properties": {"matrix": {"type": "array",
                              "items": {"type": "array", "items": {"type": "integer"}}}}})");
  ASSERT_NE(v, nullptr);
  Value doc = Object(
      {{"matrix",
        Array({Array({Value::Int(1, At(0, 2, 12)), EnvString("2", 3)}),
               Array({Value::Int(3, At(0, 4, 3)), Value::String("x", At(0, 4, 9))}, At(0, 4, 2))},
              At(0, 2, 10))}});
  // Coercion reaches into nested arrays; the one real error names the element.
  EXPECT_THAT(ValidateErrors(*v, doc),
              ElementsAre("app.toml:4:9: Value type not permitted by 'type' constraint; found "
                          "string (at /matrix/1/1, schema app/_schema.json)"));
  EXPECT_TRUE(doc.FindPath("matrix.0.1")->is_int());
}

TEST(SchemaValidatorTest, TupleItemsAndAdditionalItemsCoerce) {
  auto v = MustCreate(R"({"type": "array",
    "items": [{"type": "string"}, {"type": "integer"}],
    "additionalItems": {"type": "boolean"}})");
  ASSERT_NE(v, nullptr);
  Value doc = Array({EnvString("1", 1), EnvString("2", 2), EnvString("true", 3)});
  EXPECT_THAT(ValidateErrors(*v, doc), IsEmpty());
  EXPECT_TRUE(doc.AsArray()[0].is_string());
  EXPECT_TRUE(doc.AsArray()[1].is_int());
  EXPECT_TRUE(doc.AsArray()[2].is_bool());
}

TEST(SchemaValidatorTest, ReportsEveryLeafErrorOnce) {
  auto v = MustCreate(R"({
    "type": "object",
    "properties": {
      "db": {"type": "object", "properties": {
        "pool": {"type": "object", "properties": {"max": {"type": "integer", "maximum": 64}}},
        "host": {"type": "string", "minLength": 1}}}},
    "additionalProperties": false})");
  ASSERT_NE(v, nullptr);
  Value doc =
      Object({{"db", Object({{"pool", Object({{"max", Value::Int(100, At(0, 5, 7))}}, At(0, 4, 1))},
                             {"host", Value::String("", At(0, 3, 8))}},
                            At(0, 2, 1))},
              {"extra", Value::Bool(true, At(0, 9, 9))}},
             At(0, 1, 1));
  std::vector<std::string> errors = ValidateErrors(*v, doc);
  EXPECT_THAT(errors, SizeIs(3));
  EXPECT_THAT(errors, testing::UnorderedElementsAre(
                          HasSubstr("app.toml:3:8: String should be no fewer than 1 characters in "
                                    "length (at /db/host,"),
                          "app.toml:5:7: Expected number less than or equal to 64 (at "
                          "/db/pool/max, schema app/_schema.json)",
                          "app.toml:9:9: Property 'extra' is not allowed by 'properties', "
                          "'patternProperties' or 'additionalProperties' (at /extra, schema "
                          "app/_schema.json)"));
}

TEST(SchemaValidatorTest, EnumAndPattern) {
  auto v = MustCreate(R"({"properties": {
    "level": {"enum": ["debug", "info", "warn"]},
    "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
    "mode": {"type": "integer", "enum": [1, 2]}}})");
  ASSERT_NE(v, nullptr);
  Value good = Object({{"level", Value::String("info")},
                       {"code", Value::String("ABC")},
                       {"mode", EnvString("2", 1)}});
  EXPECT_THAT(ValidateErrors(*v, good), IsEmpty());
  EXPECT_EQ(good.Find("mode")->AsInt(), 2);

  Value bad = Object({{"level", Value::String("loud", At(0, 2, 9))},
                      {"code", Value::String("abc", At(0, 3, 8))},
                      {"mode", EnvString("3", 4)}});
  EXPECT_THAT(ValidateErrors(*v, bad),
              testing::UnorderedElementsAre(
                  "app.toml:2:9: Failed to match against any enum values (at /level, schema "
                  "app/_schema.json)",
                  "app.toml:3:8: Failed to match regex specified by 'pattern' constraint (at "
                  "/code, schema app/_schema.json)",
                  ".env:4:5: Failed to match against any enum values (at /mode, schema "
                  "app/_schema.json)"));
}

TEST(SchemaValidatorTest, RefsAreFollowedForCoercion) {
  auto v = MustCreate(R"({
    "definitions": {"port": {"type": "integer", "minimum": 1, "maximum": 65535}},
    "$defs": {"flag": {"type": "boolean"}},
    "properties": {
      "http": {"$ref": "#/definitions/port"},
      "debug": {"$ref": "#/$defs/flag"},
      "both": {"allOf": [{"$ref": "#/definitions/port"}, {"maximum": 100}]}}})");
  ASSERT_NE(v, nullptr);
  Value doc = Object({{"http", EnvString("8080", 1)},
                      {"debug", EnvString("false", 2)},
                      {"both", EnvString("99", 3)}});
  EXPECT_THAT(ValidateErrors(*v, doc), IsEmpty());
  EXPECT_EQ(doc.Find("http")->AsInt(), 8080);
  EXPECT_FALSE(doc.Find("debug")->AsBool());
  EXPECT_EQ(doc.Find("both")->AsInt(), 99);
}

TEST(SchemaValidatorTest, RecursiveRefsCoerceATree) {
  auto v = MustCreate(R"({
    "$ref": "#/definitions/node",
    "definitions": {"node": {"type": "object", "properties": {
      "weight": {"type": "number"},
      "children": {"type": "array", "items": {"$ref": "#/definitions/node"}}}}}})");
  ASSERT_NE(v, nullptr);
  Value doc = Object({{"weight", EnvString("1.5", 1)},
                      {"children", Array({Object({{"weight", EnvString("2", 2)}})})}});
  EXPECT_THAT(ValidateErrors(*v, doc), IsEmpty());
  EXPECT_TRUE(doc.FindPath("children.0.weight")->is_int());
}

TEST(SchemaValidatorTest, RefCyclesTerminate) {
  // $ref chains that never reach a schema would send valijson into unbounded recursion: Create
  // rejects them.
  for (const char* schema : {
           R"({"$ref": "#/definitions/a",
               "definitions": {"a": {"$ref": "#/definitions/b"}, "b": {"$ref": "#/definitions/a"}}})",
           R"({"$ref": "#"})",
           R"({"properties": {"x": {"$ref": "#/definitions/a"}},
               "definitions": {"a": {"$ref": "#/definitions/a"}}})",
       }) {
    SCOPED_TRACE(schema);
    absl::StatusOr<std::shared_ptr<const SchemaValidator>> v =
        SchemaValidator::Create(Json(schema), "cycle.json");
    ASSERT_FALSE(v.ok());
    EXPECT_THAT(std::string(v.status().message()), HasSubstr("cycle.json:"));
    EXPECT_THAT(std::string(v.status().message()),
                HasSubstr("$ref cycle never reaches a schema: "));
  }
  // Recursion through a real schema is fine, for valijson and for coercion.
  auto self = MustCreate(R"({"properties": {"a": {"type": "integer"}, "b": {"$ref": "#"}}})");
  ASSERT_NE(self, nullptr);
  Value doc = Object({{"a", EnvString("1", 1)}, {"b", Object({{"a", EnvString("2", 2)}})}});
  EXPECT_THAT(ValidateErrors(*self, doc), IsEmpty());
  EXPECT_TRUE(doc.FindPath("b.a")->is_int());
}

TEST(SchemaValidatorTest, RelativeDocumentRefsAreRejected) {
  // valijson would read these as pointers into this schema; {"$ref": "object"} at the root was a
  // self-loop that overflowed the stack (tests/fuzz/corpus/engine/relative-ref-self-loop.txt).
  for (const char* schema : {
           R"({"$ref": "object", "properties": {"port": {"type": "integer"}}})",
           R"({"properties": {"db": {"$ref": "other.json#/definitions/db"}}})",
           R"({"items": {"$ref": "./node"}})",
           R"({"$ref": "1http://x"})",
       }) {
    SCOPED_TRACE(schema);
    absl::StatusOr<std::shared_ptr<const SchemaValidator>> v =
        SchemaValidator::Create(Json(schema), "rel.json");
    ASSERT_FALSE(v.ok());
    EXPECT_THAT(std::string(v.status().message()), HasSubstr("rel.json:"));
    EXPECT_THAT(std::string(v.status().message()),
                HasSubstr("refers to another document by a relative reference"));
  }
  // Local references and absolute URIs keep their own handling.
  EXPECT_NE(MustCreate(R"({"$ref": "#/definitions/a", "definitions": {"a": {"type": "integer"}}})"),
            nullptr);
  absl::StatusOr<std::shared_ptr<const SchemaValidator>> remote =
      SchemaValidator::Create(Json(R"({"$ref": "urn:example:thing"})"), "remote.json");
  ASSERT_FALSE(remote.ok());
  EXPECT_THAT(std::string(remote.status().message()), Not(HasSubstr("relative reference")));
}

TEST(SchemaValidatorTest, PatternAndAdditionalPropertiesCoerce) {
  auto v = MustCreate(R"({
    "patternProperties": {"^port_": {"type": "integer"}},
    "properties": {"name": {"type": "string"}},
    "additionalProperties": {"type": "boolean"}})");
  ASSERT_NE(v, nullptr);
  Value doc = Object({{"port_http", EnvString("80", 1)},
                      {"name", EnvString("true", 2)},
                      {"verbose", EnvString("true", 3)}});
  EXPECT_THAT(ValidateErrors(*v, doc), IsEmpty());
  EXPECT_TRUE(doc.Find("port_http")->is_int());
  EXPECT_TRUE(doc.Find("name")->is_string());
  EXPECT_TRUE(doc.Find("verbose")->is_bool());
}

TEST(SchemaValidatorTest, DoubleWithZeroFractionIsAnInteger) {
  auto v = MustCreate(R"({"type": "integer", "multipleOf": 2})");
  ASSERT_NE(v, nullptr);
  Value d = Value::Double(4.0);
  EXPECT_THAT(ValidateErrors(*v, d), IsEmpty());
  Value f = Value::Double(4.5, At(0, 1, 1));
  EXPECT_THAT(ValidateErrors(*v, f), SizeIs(1));
}

TEST(SchemaValidatorTest, FalseSchemaStillExplainsItself) {
  auto v = MustCreate("false");
  ASSERT_NE(v, nullptr);
  Value doc = Object({}, At(0, 1, 1));
  EXPECT_THAT(ValidateErrors(*v, doc), ElementsAre(HasSubstr("app.toml:1:1: ")));
  auto p = MustCreate(R"({"properties": {"legacy": false}})");
  ASSERT_NE(p, nullptr);
  Value legacy = Object({{"legacy", Value::Int(1, At(0, 4, 2))}});
  EXPECT_THAT(ValidateErrors(*p, legacy), ElementsAre(HasSubstr("app.toml:4:2: ")));
}

TEST(SchemaValidatorTest, GeneratedValuesAndUnknownFiles) {
  auto v = MustCreate(R"({"type": "integer"})");
  ASSERT_NE(v, nullptr);
  Value doc = Value::String("x");  // Origin::kNoFile
  EXPECT_THAT(ValidateErrors(*v, doc),
              ElementsAre("<generated>: Value type not permitted by 'type' constraint; found "
                          "string (at /, schema app/_schema.json)"));
}

TEST(SchemaValidatorTest, InvalidSchemasFailCreateNamingTheFile) {
  const char* bad[] = {
      R"({"type": 12})",
      R"({"properties": 5})",
      R"({"required": "name"})",
      R"({"minLength": "x"})",
      R"({"$ref": "#/definitions/missing"})",
      R"({"pattern": "(unclosed"})",
      R"({"patternProperties": {"[z-a]": {}}})",
      "7",
  };
  for (const char* schema : bad) {
    SCOPED_TRACE(schema);
    absl::StatusOr<std::shared_ptr<const SchemaValidator>> v =
        SchemaValidator::Create(Json(schema), "team/_schema.json");
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(v.status().message()), HasSubstr("team/_schema.json"));
  }
  // Regex errors name the location of the pattern inside the schema.
  absl::StatusOr<std::shared_ptr<const SchemaValidator>> v = SchemaValidator::Create(Json(R"({
  "properties": {
    "a": {"pattern": "("}
  }
})"),
                                                                                     "r.json");
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(std::string(v.status().message()),
              HasSubstr("r.json:3:22: invalid regular expression in \"pattern\""));
}

TEST(SchemaValidatorTest, RemoteRefIsRejectedWithoutNetwork) {
  absl::StatusOr<std::shared_ptr<const SchemaValidator>> v = SchemaValidator::Create(
      Json(R"({"properties": {"a": {"$ref": "http://192.0.2.1/schema.json#/x"}}})"), "remote.json");
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(std::string(v.status().message()), HasSubstr("remote.json"));
  EXPECT_THAT(std::string(v.status().message()), HasSubstr("http://192.0.2.1/schema.json"));
  EXPECT_THAT(std::string(v.status().message()), HasSubstr("never fetched"));
}

TEST(SchemaValidatorTest, LongStringsUnderRegexesDoNotOverflowTheStack) {
  // libstdc++'s std::regex recurses per character: 100 KB under "pattern" would overflow an
  // 8 MiB stack if matched inline.
  auto v = MustCreate(R"({"properties": {
    "cert": {"type": "string", "pattern": "^[a-z]+$"},
    "when": {"type": "string", "format": "date"}},
    "patternProperties": {"^x-": {"type": "integer"}}})");
  ASSERT_NE(v, nullptr);
  const std::string long_text(100 * 1024, 'a');
  Value good = Object({{"cert", Value::String(long_text)}});
  EXPECT_THAT(ValidateErrors(*v, good), IsEmpty());

  Value bad = Object({{"cert", Value::String(long_text + "1", At(0, 2, 3))},
                      {"when", Value::String(long_text, At(0, 3, 3))},
                      {"x-" + long_text, EnvString("7", 4)}});
  EXPECT_THAT(ValidateErrors(*v, bad),
              testing::UnorderedElementsAre(
                  "app.toml:2:3: Failed to match regex specified by 'pattern' constraint (at "
                  "/cert, schema app/_schema.json)",
                  "app.toml:3:3: String should be a valid date (at /when, schema "
                  "app/_schema.json)"));
  EXPECT_TRUE(bad.Find("x-" + long_text)->is_int());

  // Past the limit, a clear error instead of a crash.
  Value huge = Object({{"cert", Value::String(std::string(300 * 1024, 'a'), At(0, 5, 1))}});
  EXPECT_THAT(ValidateErrors(*v, huge),
              ElementsAre("app.toml:5:1: String of 307200 bytes is longer than the 262144 bytes "
                          "a schema with regular expressions can check (at /cert, schema "
                          "app/_schema.json)"));
  // Without regexes in the schema, length does not matter.
  auto plain = MustCreate(R"({"properties": {"cert": {"type": "string", "maxLength": 1}}})");
  ASSERT_NE(plain, nullptr);
  EXPECT_THAT(ValidateErrors(*plain, huge), ElementsAre(HasSubstr("no more than 1 characters")));
}

TEST(SchemaValidatorTest, ConcurrentValidation) {
  auto v = MustCreate(R"({"properties": {"port": {"type": "integer"},
                                         "id": {"type": "string", "pattern": "^[a-z]+$"}}})");
  ASSERT_NE(v, nullptr);
  EXPECT_EQ(v->name(), "app/_schema.json");
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        Value doc = Object({{"port", EnvString(std::to_string(i), 1)},
                            {"id", Value::String(i % 2 ? "ok" : "NO")}});
        std::vector<std::string> errors;
        v->Validate(doc, kSources, &errors);
        if (errors.size() != (i % 2 ? 0u : 1u) || !doc.Find("port")->is_int()) ++failures[t];
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_THAT(failures, testing::Each(0));
}

}  // namespace
}  // namespace hearth
