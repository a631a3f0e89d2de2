// Percent-decoding and query parsing for the HTTP API (server/http/url_codec.cc): every escape
// decoded once, NUL refused, budgets on count and size, no value echoed.

#include "server/http/url_codec.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hearth::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(UrlCodecTest, DecodesEscapesOnce) {
  EXPECT_EQ(*PercentDecode("team-a%2Fbilling", false), "team-a/billing");
  EXPECT_EQ(*PercentDecode("%2e%2e", false), "..");
  EXPECT_EQ(*PercentDecode("%252e", false), "%2e") << "decoded once, not twice";
  EXPECT_EQ(*PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(*PercentDecode("a+b", true), "a b");
  EXPECT_EQ(*PercentDecode("%C3%A9", false), "\xc3\xa9");
}

TEST(UrlCodecTest, RefusesNulAndBrokenEscapes) {
  for (const char* bad : {"%00", "a%00b", "%", "%4", "%zz", "abc%"}) {
    absl::StatusOr<std::string> out = PercentDecode(bad, false);
    EXPECT_FALSE(out.ok()) << bad;
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  }
  EXPECT_FALSE(PercentDecode(std::string("a\0b", 3), false).ok());
}

TEST(UrlCodecTest, ParsesQueries) {
  auto q = ParseQuery("profile=production&path=db.pool&format=yaml&wait=30s&empty=&flag");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ((*q)["profile"], "production");
  EXPECT_EQ((*q)["path"], "db.pool");
  EXPECT_EQ((*q)["empty"], "");
  EXPECT_EQ((*q)["flag"], "");
  EXPECT_TRUE(ParseQuery("").ok());
  EXPECT_TRUE(ParseQuery("&&a=1&&").ok());
}

TEST(UrlCodecTest, QueryBudgets) {
  std::string many;
  for (int i = 0; i < 40; ++i) many += "k" + std::to_string(i) + "=v&";
  EXPECT_THAT(std::string(ParseQuery(many).status().message()), HasSubstr("more than 32"));
  const std::string secret = "s3cr3t" + std::string(5000, 'x');
  absl::Status big = ParseQuery("path=" + secret).status();
  EXPECT_EQ(big.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(big.message()), Not(HasSubstr("s3cr3t")));
  EXPECT_THAT(std::string(ParseQuery("a=1&a=2").status().message()), HasSubstr("twice"));
  EXPECT_FALSE(ParseQuery("a=%00").ok());
}

}  // namespace
}  // namespace hearth::http
