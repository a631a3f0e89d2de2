// No config value in any message (issue 7 item 7): every front end and the schema validator say
// where and what kind of problem, never the value; keys in messages are cut to a sane length.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/core/build/interpolator.h"
#include "server/core/model/diagnostic.h"
#include "server/core/model/value.h"
#include "server/core/parse/format.h"
#include "server/core/parse/parse_document.h"
#include "server/core/schema/schema_validator.h"

namespace hearth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Every value below contains this; no error may.
constexpr std::string_view kSecret = "hunter2";

std::string ErrorOf(Format f, std::string_view text) {
  absl::StatusOr<Value> v = ParseDocument(f, text, SourceRef{"conf/app", 0});
  EXPECT_FALSE(v.ok()) << "parsed: " << text;
  return v.ok() ? std::string() : std::string(v.status().message());
}

void ExpectNoSecret(Format f, std::string_view text, std::string_view kind = "") {
  const std::string error = ErrorOf(f, text);
  EXPECT_THAT(error, Not(HasSubstr(kSecret))) << "document: " << text;
  EXPECT_THAT(error, HasSubstr("conf/app:")) << error;
  if (!kind.empty()) {
    EXPECT_THAT(error, HasSubstr(kind)) << error;
  }
}

TEST(SecretMessagesTest, Yaml) {
  ExpectNoSecret(Format::kYaml, "password: !!int hunter2\n", "not a valid !!int");
  ExpectNoSecret(Format::kYaml, "password: !!float hunter2\n", "not a valid !!float");
  ExpectNoSecret(Format::kYaml, "password: !!bool hunter2\n", "not a valid !!bool");
  ExpectNoSecret(Format::kYaml, "password: !!null hunter2\n", "not a valid !!null");
  ExpectNoSecret(Format::kYaml, "pin: 99999999999999999999999777\n", "integer out of range");
  ExpectNoSecret(Format::kYaml, "pin: 1e99999\n", "not representable");
  ExpectNoSecret(Format::kYaml, "password: \"hunter2\\u12\"\n");
  ExpectNoSecret(Format::kYaml, "password: \"hunter2\\q\"\n");
  ExpectNoSecret(Format::kYaml, "password: \"hunter2\n");
  ExpectNoSecret(Format::kYaml, "password: !hunter2\n");  // a password written as a tag
  ExpectNoSecret(Format::kYaml, "password: !!hunter2\n");
  ExpectNoSecret(Format::kYaml, "password: !hunter2 [1]\n");
  EXPECT_THAT(ErrorOf(Format::kYaml, "pin: 99999999999999999999999777\n"),
              Not(HasSubstr("9999999")));
}

TEST(SecretMessagesTest, Toml) {
  ExpectNoSecret(Format::kToml, "password = hunter2\n");
  ExpectNoSecret(Format::kToml, "password = \"x\" hunter2\n");
  ExpectNoSecret(Format::kToml, "password = \"hunter2\\q\"\n", "escape sequence");
  ExpectNoSecret(Format::kToml, "password = \"hunter2\n");
  ExpectNoSecret(Format::kToml, "password = tru_hunter2\n");
  ExpectNoSecret(Format::kToml, "pin = 99999999999999999999\n", "64 bits");
  EXPECT_THAT(ErrorOf(Format::kToml, "pin = 98765432109876543210\n"), Not(HasSubstr("987654")));
  ExpectNoSecret(Format::kToml, "d = 1979-13-27\n");
  EXPECT_THAT(ErrorOf(Format::kToml, "d = 1979-05-77\n"), Not(HasSubstr("77")));
  ExpectNoSecret(Format::kToml, "pin = 0x12hunter2\n");
  ExpectNoSecret(Format::kToml, "pin = 1.5hunter2\n");
}

TEST(SecretMessagesTest, Json) {
  ExpectNoSecret(Format::kJson, "{\"password\": hunter2}");
  ExpectNoSecret(Format::kJson, "{\"password\": \"hunter2\\q\"}");
  ExpectNoSecret(Format::kJson, "{\"password\": \"hunter2}");
  ExpectNoSecret(Format::kJson, "{\"password\": 1hunter2}");
  ExpectNoSecret(Format::kJson, "{\"pin\": 98765432109876543210777}", "integer out of range");
  ExpectNoSecret(Format::kJson, "{\"password\": \"a\" hunter2}");
  EXPECT_THAT(ErrorOf(Format::kJson, "{\"pin\": 98765432109876543210777}"),
              Not(HasSubstr("987654")));
}

TEST(SecretMessagesTest, Env) {
  ExpectNoSecret(Format::kEnv, "PASSWORD hunter2\n");
  ExpectNoSecret(Format::kEnv, "PASSWORD=\"hunter2\\q\"\n");
  ExpectNoSecret(Format::kEnv, "PASSWORD=\"hunter2\n");
  ExpectNoSecret(Format::kEnv, "PASSWORD='hunter2\n");
  ExpectNoSecret(Format::kEnv, "PASSWORD=\"hunter2\" tail\n");
}

TEST(SecretMessagesTest, LongKeysAreCut) {
  std::string deep = "A";
  for (int i = 0; i < 50000; ++i) deep += "__A";  // 200 KB
  const std::string env = ErrorOf(Format::kEnv, deep + "=1\n");
  EXPECT_THAT(env, HasSubstr("nests deeper than"));
  EXPECT_LT(env.size(), 400u) << env.size();
  EXPECT_THAT(env, HasSubstr("..."));

  const std::string long_key(100000, 'k');
  for (Format f : {Format::kJson, Format::kYaml, Format::kToml}) {
    std::string doc;
    if (f == Format::kJson) doc = "{\"" + long_key + "\": 1, \"" + long_key + "\": 2}";
    if (f == Format::kYaml) doc = long_key + ": 1\n" + long_key + ": 2\n";
    if (f == Format::kToml) doc = long_key + " = 1\n" + long_key + " = 2\n";
    const std::string error = ErrorOf(f, doc);
    EXPECT_LT(error.size(), 400u) << FormatName(f) << ": " << error.substr(0, 300);
  }
}

TEST(SecretMessagesTest, KeyForMessageCutsOnUtf8Boundary) {
  EXPECT_EQ(KeyForMessage("db.host"), "db.host");
  EXPECT_EQ(KeyForMessage("a\nb"), "a\\x0Ab");
  std::string key(kMaxKeyBytesInMessage - 1, 'x');
  key += "\xC3\xA9";  // 'é' straddles the limit
  const std::string cut = KeyForMessage(key);
  EXPECT_EQ(cut, std::string(kMaxKeyBytesInMessage - 1, 'x') + "...");
  EXPECT_EQ(KeyForMessage(std::string(kMaxKeyBytesInMessage, 'y')),
            std::string(kMaxKeyBytesInMessage, 'y'));
}

Value Json(std::string_view text) {
  absl::StatusOr<Value> v = ParseJson(text, SourceRef{"conf/app.json", 0});
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? *std::move(v) : Value();
}

TEST(SecretMessagesTest, SchemaErrorsNeverQuoteInstanceValues) {
  absl::StatusOr<std::shared_ptr<const SchemaValidator>> validator =
      SchemaValidator::Create(Json(R"({
        "type": "object",
        "properties": {
          "a": {"type": "integer"},
          "b": {"enum": ["x", "y"]},
          "c": {"const": "z"},
          "d": {"maxLength": 3},
          "e": {"pattern": "^[0-9]+$"},
          "f": {"type": "object", "additionalProperties": false},
          "g": {"not": {"type": "string"}},
          "h": {"format": "email", "minLength": 100},
          "i": {"oneOf": [{"type": "integer"}, {"type": "boolean"}]},
          "j": {"uniqueItems": true}
        }
      })"),
                              "conf/_schema.json");
  ASSERT_TRUE(validator.ok()) << validator.status();
  Value doc = Json(R"({"a": "hunter2", "b": "hunter2", "c": "hunter2", "d": "hunter2",
                       "e": "hunter2", "f": {"k": "hunter2"}, "g": "hunter2", "h": "hunter2",
                       "i": "hunter2", "j": ["hunter2", "hunter2"]})");
  std::vector<std::string> errors;
  const std::vector<std::string> sources = {"conf/app.json"};
  EXPECT_FALSE((*validator)->Validate(doc, sources, &errors));
  EXPECT_GE(errors.size(), 9u) << ::testing::PrintToString(errors);
  for (const std::string& e : errors) EXPECT_THAT(e, Not(HasSubstr(kSecret))) << e;
}

TEST(SecretMessagesTest, SchemaErrorsCutLongKeys) {
  absl::StatusOr<std::shared_ptr<const SchemaValidator>> validator = SchemaValidator::Create(
      Json(R"({"type": "object", "additionalProperties": false})"), "conf/_schema.json");
  ASSERT_TRUE(validator.ok()) << validator.status();
  Value doc = Json("{\"" + std::string(50000, 'k') + "\": 1}");
  std::vector<std::string> errors;
  const std::vector<std::string> sources = {"conf/app.json"};
  EXPECT_FALSE((*validator)->Validate(doc, sources, &errors));
  ASSERT_FALSE(errors.empty());
  for (const std::string& e : errors) EXPECT_LT(e.size(), 600u) << e.substr(0, 300);
}

TEST(SecretMessagesTest, InterpolationErrorsNeverQuoteValues) {
  Value doc = Json(R"({"a": "hunter2 ${hunter2 and more", "b": "${env:BAD NAME:-hunter2}",
                       "c": "${missing.hunter2x}"})");
  Interpolator::Options options;
  options.env_allow_prefixes = {"APP_"};
  std::vector<std::string> errors;
  const std::vector<std::string> sources = {"conf/app.json"};
  Interpolator(options).Run(doc, sources, &errors);
  ASSERT_EQ(errors.size(), 3u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], Not(HasSubstr(kSecret)));
  EXPECT_THAT(errors[1], Not(HasSubstr(kSecret)));
  // A reference is a key path, not a value: shown (cut).
  EXPECT_THAT(errors[2], HasSubstr("missing.hunter2x"));
}

}  // namespace
}  // namespace hearth
