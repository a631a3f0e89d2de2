// ToToml (server/core/render/toml_writer.cc): keys before sub-tables, [[lists of tables]],
// escapes TOML requires, and a clear error for what TOML cannot express.

#include "server/core/render/toml_writer.h"

#include <cmath>
#include <limits>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/core/json_literal.h"

namespace hearth {
namespace {

using testutil::J;

std::string Toml(const Value& v) {
  absl::StatusOr<std::string> out = ToToml(v);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : std::string();
}

TEST(TomlWriterTest, TablesAndListsOfTables) {
  EXPECT_EQ(Toml(J(R"({"name":"billing","db":{"port":5432,"pool":{"max":10}},)"
                   R"("servers":[{"host":"a"},{"host":"b","tags":{"x":1}}],"ports":[1,2],)"
                   R"("mixed":[1,{"a":"b"}],"e":{}})")),
            "mixed = [1, { a = \"b\" }]\n"
            "name = \"billing\"\n"
            "ports = [1, 2]\n"
            "\n[db]\n"
            "port = 5432\n"
            "\n[db.pool]\n"
            "max = 10\n"
            "\n[e]\n"
            "\n[[servers]]\n"
            "host = \"a\"\n"
            "\n[[servers]]\n"
            "host = \"b\"\n"
            "\n[servers.tags]\n"
            "x = 1\n");
}

TEST(TomlWriterTest, KeysAndStringsAreEscaped) {
  EXPECT_EQ(Toml(J(R"({"a.b":"x\"y\\z\n\u0001\u007f\tq","":1,"ok-key_1":"h\u00e9"})")),
            "\"\" = 1\n"
            "\"a.b\" = \"x\\\"y\\\\z\\n\\u0001\\u007F\tq\"\n"
            "ok-key_1 = \"h\xc3\xa9\"\n");
  EXPECT_EQ(Toml(J(R"({"t":{"a b":{"c":1}}})")), "[t]\n\n[t.\"a b\"]\nc = 1\n");
}

TEST(TomlWriterTest, Numbers) {
  Value doc = J(R"({"i":-7,"f":1.0,"g":1e300})");
  doc.MutableObject().emplace("inf", Value::Double(std::numeric_limits<double>::infinity()));
  doc.MutableObject().emplace("nan", Value::Double(std::nan("")));
  EXPECT_EQ(Toml(doc), "f = 1.0\ng = 1e+300\ni = -7\ninf = inf\nnan = nan\n");
}

TEST(TomlWriterTest, WhatTomlCannotExpressIsAnError) {
  for (const char* json : {"[1,2]", "\"text\"", "3", "null"}) {
    absl::StatusOr<std::string> out = ToToml(J(json));
    ASSERT_FALSE(out.ok()) << json;
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(out.status().message(), testing::HasSubstr("table at the top"));
  }
  absl::StatusOr<std::string> null_member = ToToml(J(R"({"db":{"hosts":["a",null]}})"));
  ASSERT_FALSE(null_member.ok());
  EXPECT_THAT(null_member.status().message(), testing::HasSubstr("null (at 'db.hosts.1')"));
  EXPECT_FALSE(ToToml(J(R"({"a":null})")).ok());
}

}  // namespace
}  // namespace hearth
