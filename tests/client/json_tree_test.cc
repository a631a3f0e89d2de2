#include "client/json_tree.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hearthctl {
namespace {

using ::testing::HasSubstr;
using Kind = JsonNode::Kind;

JsonNode Parse(std::string_view text) {
  JsonNode node;
  std::string error;
  EXPECT_TRUE(ParseJson(text, &node, &error)) << text << ": " << error;
  return node;
}

std::string ParseError(std::string_view text) {
  JsonNode node;
  std::string error;
  EXPECT_FALSE(ParseJson(text, &node, &error)) << text;
  return error;
}

TEST(JsonTreeTest, KeepsNumbersAsWritten) {
  JsonNode n = Parse(R"({"i": 12345678901234567890, "f": 1.50, "e": -2E+3, "z": 0})");
  ASSERT_EQ(n.kind, Kind::kObject);
  ASSERT_EQ(n.members.size(), 4u);
  EXPECT_EQ(n.members[0].second.text, "12345678901234567890");
  EXPECT_FALSE(n.members[0].second.is_float());
  EXPECT_EQ(n.members[1].second.text, "1.50");
  EXPECT_TRUE(n.members[1].second.is_float());
  EXPECT_EQ(n.members[2].second.text, "-2E+3");
  EXPECT_TRUE(n.members[2].second.is_float());
}

TEST(JsonTreeTest, KeepsMemberOrderAndDecodesStrings) {
  JsonNode n = Parse(R"({"b": "\u00e9\n\"", "a": [true, false, null]})");
  ASSERT_EQ(n.members.size(), 2u);
  EXPECT_EQ(n.members[0].first, "b");
  EXPECT_EQ(n.members[0].second.text, "\xc3\xa9\n\"");
  const JsonNode& a = n.members[1].second;
  ASSERT_EQ(a.items.size(), 3u);
  EXPECT_TRUE(a.items[0].boolean);
  EXPECT_EQ(a.items[2].kind, Kind::kNull);
}

TEST(JsonTreeTest, DecodesSurrogatePairs) {
  EXPECT_EQ(Parse(R"("\ud83d\ude00")").text, "\xf0\x9f\x98\x80");
}

TEST(JsonTreeTest, RejectsWhatRfc8259Rejects) {
  for (std::string_view bad : {"", "{", "[1,]", "{\"a\":1,}", "01", "1.", "'a'", "nul", "[1] x",
                               "{\"a\" 1}", "\"\\x\"", "\"unterminated"}) {
    EXPECT_THAT(ParseError(bad), HasSubstr("offset")) << bad;
  }
}

TEST(JsonTreeTest, QuoteEscapesControlCharacters) {
  EXPECT_EQ(JsonQuote("a\"b\\c\n\x01"), R"("a\"b\\c\n\u0001")");
}

TEST(JsonTreeTest, BuildersMakeTheNodesTheyName) {
  JsonNode doc;
  AddMember(&doc, "s", JsonString("x"));
  AddMember(&doc, "n", JsonUint(42));
  AddMember(&doc, "b", JsonBool(true));
  AddMember(&doc, "l", JsonStrings({"p", "q"}));
  ASSERT_EQ(doc.kind, Kind::kObject);
  ASSERT_EQ(doc.members.size(), 4u);
  EXPECT_EQ(doc.members[0].second.kind, Kind::kString);
  EXPECT_EQ(doc.members[1].second.text, "42");
  EXPECT_TRUE(doc.members[2].second.boolean);
  EXPECT_EQ(doc.members[3].second.items.size(), 2u);
}

}  // namespace
}  // namespace hearthctl
