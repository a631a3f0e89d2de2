#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace hearth {

// Text positions as every diagnostic reports them: 1-based lines and 1-based columns counted in
// bytes (LineColumnAt in model/diagnostic.h, for one-off lookups). These two serve the front ends
// that need many positions or get them from a library in another unit.

// Byte offsets -> line/column for offsets that mostly increase (a document walked in order):
// newlines are counted only between the previous offset and the next, so a whole document costs
// one pass. An offset behind the previous one restarts from the top (correct, just slower).
class LineCursor {
 public:
  explicit LineCursor(std::string_view text) : text_(text) {}

  // `offset` <= text.size().
  void At(size_t offset, uint32_t* line, uint32_t* column);

 private:
  std::string_view text_;
  size_t offset_ = 0;
  size_t line_start_ = 0;
  uint32_t line_ = 1;
};

// Converts a library's columns counted in code points (toml++) into byte columns. Costs nothing
// for an all-ASCII text; otherwise the line starts are indexed on first use.
class ByteColumns {
 public:
  explicit ByteColumns(std::string_view text);

  // The byte column of code-point column `column` on 1-based `line`; 0 stays 0 (unknown), and a
  // line past the end is returned unchanged.
  uint32_t ByteColumn(uint32_t line, uint32_t column);

 private:
  std::string_view text_;
  bool ascii_ = true;
  std::vector<size_t> line_starts_;
};

}  // namespace hearth
