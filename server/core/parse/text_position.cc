#include "server/core/parse/text_position.h"

#include <algorithm>

namespace hearth {

ByteColumns::ByteColumns(std::string_view text) : text_(text) {
  ascii_ = std::all_of(text.begin(), text.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

uint32_t ByteColumns::ByteColumn(uint32_t line, uint32_t column) {
  if (ascii_ || line == 0 || column == 0) return column;
  if (line_starts_.empty()) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < text_.size(); ++i) {
      if (text_[i] == '\n') line_starts_.push_back(i + 1);
    }
  }
  if (line > line_starts_.size()) return column;
  size_t pos = line_starts_[line - 1];
  // Step over column - 1 code points.
  for (uint32_t c = 1; c < column && pos < text_.size() && text_[pos] != '\n'; ++c) {
    ++pos;
    while (pos < text_.size() && (static_cast<unsigned char>(text_[pos]) & 0xC0) == 0x80) ++pos;
  }
  return static_cast<uint32_t>(pos - line_starts_[line - 1] + 1);
}

}  // namespace hearth
