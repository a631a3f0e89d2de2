#include "server/core/model/json_writer.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

#include "gtest/gtest.h"
#include "tests/core/json_literal.h"

namespace hearth {
namespace {

using testutil::J;

std::string Canon(const Value& v) { return ToCanonicalJson(v); }

TEST(JsonWriterTest, Scalars) {
  EXPECT_EQ(Canon(Value::Null()), "null");
  EXPECT_EQ(Canon(Value::Bool(true)), "true");
  EXPECT_EQ(Canon(Value::Bool(false)), "false");
  EXPECT_EQ(Canon(Value::Int(0)), "0");
  EXPECT_EQ(Canon(Value::Int(-42)), "-42");
  EXPECT_EQ(Canon(Value::Int(std::numeric_limits<int64_t>::max())), "9223372036854775807");
  EXPECT_EQ(Canon(Value::Int(std::numeric_limits<int64_t>::min())), "-9223372036854775808");
}

TEST(JsonWriterTest, DoubleForms) {
  EXPECT_EQ(Canon(Value::Double(1.0)), "1.0");
  EXPECT_EQ(Canon(Value::Double(0.0)), "0.0");
  EXPECT_EQ(Canon(Value::Double(-0.0)), "-0.0");
  EXPECT_EQ(Canon(Value::Double(100.0)), "100.0");
  EXPECT_EQ(Canon(Value::Double(0.1)), "0.1");
  EXPECT_EQ(Canon(Value::Double(-2.5)), "-2.5");
  EXPECT_EQ(Canon(Value::Double(1e300)), "1e+300");
  EXPECT_EQ(Canon(Value::Double(1e-300)), "1e-300");
  EXPECT_EQ(Canon(Value::Double(1e21)), "1e+21");
  EXPECT_EQ(Canon(Value::Double(0.1 + 0.2)), "0.30000000000000004");
  EXPECT_EQ(Canon(Value::Double(std::numeric_limits<double>::denorm_min())), "5e-324");
  // Not representable in JSON: rendered as null instead of producing invalid output.
  EXPECT_EQ(Canon(Value::Double(std::numeric_limits<double>::infinity())), "null");
  EXPECT_EQ(Canon(Value::Double(std::nan(""))), "null");
}

TEST(JsonWriterTest, DoublesRoundTrip) {
  const double samples[] = {0.1,
                            1.0 / 3.0,
                            123456.789,
                            1e-7,
                            5e-324,
                            1.7976931348623157e308,
                            2.2250738585072014e-308,
                            9007199254740993.0,
                            -1e22,
                            3.14159265358979};
  for (double d : samples) {
    std::string s = Canon(Value::Double(d));
    double back = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), back);
    ASSERT_EQ(ec, std::errc()) << s;
    EXPECT_EQ(ptr, s.data() + s.size()) << s;
    EXPECT_EQ(back, d) << s;
    EXPECT_TRUE(s.find('.') != std::string::npos || s.find('e') != std::string::npos) << s;
  }
}

TEST(JsonWriterTest, StringEscapes) {
  EXPECT_EQ(Canon(Value::String("")), R"("")");
  EXPECT_EQ(Canon(Value::String("plain")), R"("plain")");
  EXPECT_EQ(Canon(Value::String("a\"b\\c")), R"("a\"b\\c")");
  EXPECT_EQ(Canon(Value::String("\b\f\n\r\t")), R"("\b\f\n\r\t")");
  EXPECT_EQ(Canon(Value::String(std::string("\x00\x01\x1f", 3))), R"("\u0000\u0001\u001f")");
  EXPECT_EQ(Canon(Value::String("\x7f")), "\"\x7f\"");  // DEL needs no escape
  EXPECT_EQ(Canon(Value::String("/")), R"("/")");       // nor does '/'
  // Valid UTF-8 passes through untouched.
  EXPECT_EQ(Canon(Value::String("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x94\xa5")),
            "\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x94\xa5\"");
  EXPECT_EQ(Canon(Value::String("x\ny\"")), R"("x\ny\"")");
}

TEST(JsonWriterTest, KeysAreEscapedAndSorted) {
  Value v = Value::EmptyObject();
  v.MutableObject().emplace("b", Value::Int(2));
  v.MutableObject().emplace("a", Value::Int(1));
  v.MutableObject().emplace("B", Value::Int(3));
  v.MutableObject().emplace("a\"q", Value::Int(4));
  v.MutableObject().emplace("\xc3\xa9", Value::Int(5));
  EXPECT_EQ(Canon(v), "{\"B\":3,\"a\":1,\"a\\\"q\":4,\"b\":2,\"\xc3\xa9\":5}");
}

TEST(JsonWriterTest, EmptyContainers) {
  EXPECT_EQ(Canon(Value::EmptyObject()), "{}");
  EXPECT_EQ(Canon(Value::EmptyArray()), "[]");
  EXPECT_EQ(Canon(J(R"({"a":[],"b":{},"c":[{}]})")), R"({"a":[],"b":{},"c":[{}]})");
  EXPECT_EQ(ToPrettyJson(Value::EmptyObject()), "{}");
  EXPECT_EQ(ToPrettyJson(J(R"({"a":[],"b":{}})")), "{\n  \"a\": [],\n  \"b\": {}\n}");
}

TEST(JsonWriterTest, NestedCanonical) {
  Value v = J(R"({"z":{"y":[1,2.5,"s",true,null,{"k":[]}]},"a":-1})");
  EXPECT_EQ(Canon(v), R"({"a":-1,"z":{"y":[1,2.5,"s",true,null,{"k":[]}]}})");
}

TEST(JsonWriterTest, CanonicalIsAParseFixpoint) {
  Value v = J(R"({"b":[1,2.0,{"c":"\u0001\n"}],"a":{"x":1e300,"y":-0.0}})");
  std::string once = Canon(v);
  EXPECT_EQ(Canon(J(once)), once);
  EXPECT_EQ(J(once), v);
}

TEST(JsonWriterTest, PrettyIndentation) {
  Value v = J(R"({"b":[1,{"c":true}],"a":"x"})");
  EXPECT_EQ(ToPrettyJson(v),
            "{\n"
            "  \"a\": \"x\",\n"
            "  \"b\": [\n"
            "    1,\n"
            "    {\n"
            "      \"c\": true\n"
            "    }\n"
            "  ]\n"
            "}");
  EXPECT_EQ(ToPrettyJson(J(R"({"a":[1]})"), 4), "{\n    \"a\": [\n        1\n    ]\n}");
  EXPECT_EQ(ToPrettyJson(J(R"({"a":[1]})"), 0), "{\n\"a\": [\n1\n]\n}");
  EXPECT_EQ(ToPrettyJson(Value::Double(2)), "2.0");
}

TEST(JsonWriterTest, AppendAppends) {
  std::string out = "prefix:";
  AppendCanonicalJson(J(R"({"a":1})"), &out);
  AppendCanonicalJson(Value::Int(7), &out);
  EXPECT_EQ(out, R"(prefix:{"a":1}7)");
}

TEST(JsonWriterTest, EqualDocumentsGiveEqualBytes) {
  Value a = J(R"({"x":1,"y":{"b":2,"a":1}})");
  Value b = J(R"({"y":{"a":1,"b":2},"x":1})");
  b.MutableObject().begin()->second.set_origin(Origin{3, 4, 5, false});  // origins don't matter
  EXPECT_EQ(Canon(a), Canon(b));
}

TEST(JsonWriterTest, LargeDocument) {
  Value v = Value::EmptyArray();
  for (int i = 0; i < 10000; ++i) {
    Value o = Value::EmptyObject();
    o.MutableObject().emplace("id", Value::Int(i));
    o.MutableObject().emplace("name", Value::String("n\t" + std::to_string(i)));
    v.MutableArray().push_back(std::move(o));
  }
  std::string s = Canon(v);
  EXPECT_EQ(s.substr(0, 29), R"([{"id":0,"name":"n\t0"},{"id")");
  EXPECT_EQ(J(s), v);
}

}  // namespace
}  // namespace hearth
