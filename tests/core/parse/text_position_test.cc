#include "server/core/parse/text_position.h"

#include <cstdint>
#include <string_view>

#include "gtest/gtest.h"
#include "server/core/model/diagnostic.h"

namespace hearth {
namespace {

struct Position {
  uint32_t line;
  uint32_t column;
  bool operator==(const Position&) const = default;
};

Position CursorAt(LineCursor& cursor, size_t offset) {
  Position p{};
  cursor.At(offset, &p.line, &p.column);
  return p;
}

Position Reference(std::string_view text, size_t offset) {
  Position p{};
  LineColumnAt(text, offset, &p.line, &p.column);
  return p;
}

TEST(LineCursorTest, AgreesWithLineColumnAtForIncreasingOffsets) {
  constexpr std::string_view kText = "a = 1\r\n\n  bb: [1, 2]\nlast";
  LineCursor cursor(kText);
  for (size_t offset = 0; offset <= kText.size(); ++offset) {
    EXPECT_EQ(CursorAt(cursor, offset), Reference(kText, offset)) << offset;
  }
}

TEST(LineCursorTest, AnOffsetBehindThePreviousOneRestarts) {
  constexpr std::string_view kText = "x\ny\nz";
  LineCursor cursor(kText);
  EXPECT_EQ(CursorAt(cursor, 4), (Position{3, 1}));
  EXPECT_EQ(CursorAt(cursor, 2), (Position{2, 1}));
  EXPECT_EQ(CursorAt(cursor, 0), (Position{1, 1}));
  EXPECT_EQ(CursorAt(cursor, 99), (Position{3, 2}));  // clamped to the end
}

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
