// ToYaml (server/core/render/yaml_writer.cc): block style, strings plain only when unambiguous,
// every non-printable character escaped, floats that YAML 1.1 readers still take as floats.

#include "server/core/render/yaml_writer.h"

#include <cmath>
#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "tests/core/json_literal.h"

namespace hearth {
namespace {

using testutil::J;

TEST(YamlWriterTest, NestedDocumentInBlockStyle) {
  EXPECT_EQ(ToYaml(J(R"({"db":{"host":"db.internal","port":5432},"tags":["a","b"],)"
                     R"("servers":[{"host":"a","w":1},{"host":"b","w":2}],"empty":{},"none":[]})")),
            "db:\n"
            "  host: db.internal\n"
            "  port: 5432\n"
            "empty: {}\n"
            "none: []\n"
            "servers:\n"
            "  - host: a\n"
            "    w: 1\n"
            "  - host: b\n"
            "    w: 2\n"
            "tags:\n"
            "  - a\n"
            "  - b\n");
}

TEST(YamlWriterTest, ScalarsAtTheTopAndNestedLists) {
  EXPECT_EQ(ToYaml(J("42")), "42\n");
  EXPECT_EQ(ToYaml(J("null")), "null\n");
  EXPECT_EQ(ToYaml(J("[[1,2],[]]")), "- - 1\n  - 2\n- []\n");
}

TEST(YamlWriterTest, StringsThatWouldReadAsSomethingElseAreQuoted) {
  for (const char* s :
       {"true", "No", "on",   "OFF",  "y",     "null",   "~",    "",    "1.5",
        "0x1F", "-a", "a: b", "a #b", " lead", "trail ", "*ref", "&a",  "!tag",
        "@x",   "`x", "{a}",  "[a]",  "%x",    "|",      ">",    "'q'", "2024-01-01"}) {
    const std::string yaml = ToYaml(Value::String(s));
    EXPECT_EQ(yaml.front(), '"') << s;
  }
  EXPECT_EQ(ToYaml(Value::String("plain_text-1.2/x")), "plain_text-1.2/x\n");
  EXPECT_EQ(ToYaml(J(R"({"yes":1,"a b":2})")), "\"a b\": 2\n\"yes\": 1\n");
}

TEST(YamlWriterTest, ControlAndNonPrintableCharactersAreEscaped) {
  EXPECT_EQ(ToYaml(Value::String("a\"b\\c\nd\te\r\x01")), "\"a\\\"b\\\\c\\nd\\te\\r\\u0001\"\n");
  EXPECT_EQ(ToYaml(Value::String(std::string("a\0b", 3))), "\"a\\0b\"\n");
  // DEL, NEL (a line break to YAML 1.1), LS, PS and the BOM are escaped; other UTF-8 stays.
  EXPECT_EQ(ToYaml(Value::String("\x7f\xc2\x85\xe2\x80\xa8\xe2\x80\xa9\xef\xbb\xbf")),
            "\"\\u007F\\u0085\\u2028\\u2029\\uFEFF\"\n");
  EXPECT_EQ(ToYaml(Value::String("h\xc3\xa9 \xf0\x9f\x94\xa5")),
            "\"h\xc3\xa9 \xf0\x9f\x94\xa5\"\n");
}

TEST(YamlWriterTest, FloatsStayFloats) {
  EXPECT_EQ(ToYaml(Value::Double(1.0)), "1.0\n");
  EXPECT_EQ(ToYaml(Value::Double(1e300)), "1.0e+300\n");
  EXPECT_EQ(ToYaml(Value::Double(2.5e-7)), "2.5e-07\n");
  EXPECT_EQ(ToYaml(Value::Double(std::numeric_limits<double>::infinity())), ".inf\n");
  EXPECT_EQ(ToYaml(Value::Double(-std::numeric_limits<double>::infinity())), "-.inf\n");
  EXPECT_EQ(ToYaml(Value::Double(std::nan(""))), ".nan\n");
}

TEST(YamlWriterTest, LongKeysAreExplicit) {
  Value doc = Value::EmptyObject();
  const std::string key(1500, 'k');
  doc.MutableObject().emplace(key, Value::Int(1));
  EXPECT_EQ(ToYaml(doc), "? " + key + "\n: 1\n");
}

}  // namespace
}  // namespace hearth
