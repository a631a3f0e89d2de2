#include "server/core/model/utf8.h"

#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace hearth {
namespace {

constexpr size_t kValid = std::string_view::npos;

TEST(Utf8Test, ValidTextHasNoInvalidByte) {
  EXPECT_EQ(FindInvalidUtf8(""), kValid);
  EXPECT_EQ(FindInvalidUtf8("plain ascii, long enough for the eight-byte path"), kValid);
  // The boundaries of each sequence length: U+0080, U+07FF, U+0800, U+FFFF, U+10000, U+10FFFF.
  EXPECT_EQ(
      FindInvalidUtf8("\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF"),
      kValid);
  EXPECT_EQ(FindInvalidUtf8(std::string_view("nul\0byte", 8)), kValid);  // NUL is valid UTF-8
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9"));
}

TEST(Utf8Test, NamesTheOffsetOfTheFirstBadByte) {
  struct Case {
    std::string_view text;
    size_t offset;
  };
  const Case cases[] = {
      {"\x80", 0},                     // stray continuation byte
      {"ab\xC0\x80", 2},               // 0xC0 is always overlong
      {"\xE0\x80\x80", 0},             // overlong 3-byte form
      {"x\xED\xA0\x80", 1},            // UTF-16 surrogate U+D800
      {"\xF4\x90\x80\x80", 0},         // above U+10FFFF
      {"\xF0\x80\x80\x80", 0},         // overlong 4-byte form
      {"\xF5\x80\x80\x80", 0},         // 0xF5..0xFF never start a sequence
      {"abc\xC3", 3},                  // truncated at the end
      {"abc\xE2\x82", 3},              // truncated 3-byte sequence
      {"\xC3\x28", 0},                 // continuation expected, ASCII found
      {"12345678abcdefgh\xFE", 16},    // after two fast-path chunks
      {"\xC3\xA9\xC3\xA9\xFF ok", 4},  // after valid multi-byte sequences
  };
  for (const Case& c : cases) {
    EXPECT_EQ(FindInvalidUtf8(c.text), c.offset) << testing::PrintToString(std::string(c.text));
    EXPECT_FALSE(IsValidUtf8(c.text));
  }
}

TEST(Utf8Test, BomIsTheEncodedByteOrderMark) {
  EXPECT_EQ(kUtf8Bom, "\xEF\xBB\xBF");
  EXPECT_TRUE(IsValidUtf8(kUtf8Bom));  // U+FEFF itself is valid; the parsers strip it
}

}  // namespace
}  // namespace hearth
