// List page tokens (server/core/store/page_token.cc): round trip, bound to their prefix, and
// garbage refused rather than trusted.

#include "server/core/store/page_token.h"

#include <string>

#include "gtest/gtest.h"

namespace hearth {
namespace {

TEST(PageTokenTest, RoundTripsTheLastName) {
  const std::string token = EncodePageToken("team-a/", "team-a/billing");
  std::string last;
  ASSERT_TRUE(DecodePageToken(token, "team-a/", &last));
  EXPECT_EQ(last, "team-a/billing");
  EXPECT_EQ(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos)
      << "web-safe, so it goes into a URL as is";
}

TEST(PageTokenTest, ATokenIsBoundToItsPrefix) {
  std::string last;
  EXPECT_FALSE(DecodePageToken(EncodePageToken("team-a/", "team-a/x"), "team-b/", &last));
  EXPECT_FALSE(DecodePageToken(EncodePageToken("", "x"), "t", &last));
}

TEST(PageTokenTest, GarbageIsRefused) {
  std::string last;
  for (const std::string& token : {std::string(""), std::string("!!!"), std::string("bDEAAA"),
                                   std::string(4096, 'A'), EncodePageToken("p", "")}) {
    EXPECT_FALSE(DecodePageToken(token, "p", &last)) << token.substr(0, 16);
  }
}

}  // namespace
}  // namespace hearth
