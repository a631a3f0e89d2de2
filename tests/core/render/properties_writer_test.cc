// ToProperties (server/core/render/properties_writer.cc): dotted keys, Properties.store()'s
// escaping, ASCII output.

#include "server/core/render/properties_writer.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/core/json_literal.h"

namespace hearth {
namespace {

using testutil::J;

std::string Props(const Value& v) {
  absl::StatusOr<std::string> out = ToProperties(v);
  EXPECT_TRUE(out.ok()) << out.status();
  return out.ok() ? *out : std::string();
}

TEST(PropertiesWriterTest, DottedKeys) {
  EXPECT_EQ(Props(J(R"({"db":{"port":5432,"tls":false},"servers":[{"host":"a"},{"host":"b"}]})")),
            "db.port=5432\n"
            "db.tls=false\n"
            "servers.0.host=a\n"
            "servers.1.host=b\n");
}

TEST(PropertiesWriterTest, EscapesAsPropertiesStoreDoes) {
  EXPECT_EQ(Props(J(R"({"a key=:#!":" lead and inner \\ =:#! \t\n\r\f"})")),
            "a\\ key\\=\\:\\#\\!=\\ lead and inner \\\\ \\=\\:\\#\\! \\t\\n\\r\\f\n");
  // Non-ASCII as UTF-16 \u escapes, a surrogate pair beyond the BMP.
  EXPECT_EQ(Props(J(R"({"k":"h\u00e9 \ud83d\udd25 \u0001"})")),
            "k=h\\u00E9 \\uD83D\\uDD25 \\u0001\n");
}

TEST(PropertiesWriterTest, WhatPropertiesCannotExpressIsAnError) {
  EXPECT_FALSE(ToProperties(J("[1]")).ok());
  EXPECT_FALSE(ToProperties(J(R"({"a":null})")).ok());
  EXPECT_FALSE(ToProperties(J(R"({"a":[]})")).ok());
  absl::StatusOr<std::string> clash = ToProperties(J(R"({"a":{"b":"1"},"a.b":"2"})"));
  ASSERT_FALSE(clash.ok());
  EXPECT_THAT(clash.status().message(), testing::HasSubstr("'a.b': two paths give that key"));
}

}  // namespace
}  // namespace hearth
