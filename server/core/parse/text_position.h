#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace hearth {

// Text positions as every diagnostic reports them: 1-based lines and 1-based columns counted in
// bytes (LineColumnAt in model/diagnostic.h computes one from an offset; the JSON adapter counts
// lines as it scans). This serves the front ends whose library counts in another unit.

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
