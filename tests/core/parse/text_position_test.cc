#include "server/core/parse/text_position.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace hearth {
namespace {

TEST(ByteColumnsTest, AsciiColumnsAreUnchanged) {
  ByteColumns columns("a = 1\nbb = 2\n");
  EXPECT_EQ(columns.ByteColumn(2, 4), 4u);
  EXPECT_EQ(columns.ByteColumn(0, 0), 0u);
}

TEST(ByteColumnsTest, CodePointColumnsBecomeByteColumns) {
  // "é" is 2 bytes, "€" 3, "𝄞" 4: the code point after them is at byte column 1+2+3+4+1.
  ByteColumns columns("x\n\xC3\xA9\xE2\x82\xAC\xF0\x9D\x84\x9E= 1\n");
  EXPECT_EQ(columns.ByteColumn(1, 1), 1u);
  EXPECT_EQ(columns.ByteColumn(2, 1), 1u);
  EXPECT_EQ(columns.ByteColumn(2, 2), 3u);
  EXPECT_EQ(columns.ByteColumn(2, 3), 6u);
  EXPECT_EQ(columns.ByteColumn(2, 4), 10u);
  EXPECT_EQ(columns.ByteColumn(2, 0), 0u);    // unknown stays unknown
  EXPECT_EQ(columns.ByteColumn(9, 5), 5u);    // a line past the end is left alone
  EXPECT_EQ(columns.ByteColumn(2, 99), 13u);  // past the line's end: stops at the newline
}

}  // namespace
}  // namespace hearth
