#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace hearth {

// A list of texts kept compressed, for bytes that are kept for a rare reader: the source text of
// every file of a published version, which only blame re-reads. All texts of one list share one
// zstd frame, so that a config's small files compress together (a 2 KB file alone gives zstd
// little to work with). The whole list is a single heap block: a small header (the count and each
// text's size, as varints), then the frame; a list that would not shrink is stored uncompressed.
//
// Immutable once packed; copyable; safe to read from any thread.
class PackedTexts {
 public:
  PackedTexts() = default;  // the empty list

  // Compresses `texts`. Never fails: if the compressor does, the texts are stored as they are.
  static PackedTexts Pack(absl::Span<const std::string> texts);

  // The texts, in order. An error only if the stored bytes are damaged (a broken invariant).
  absl::StatusOr<std::vector<std::string>> Unpack() const;

  size_t count() const;
  // Sum of the texts' sizes.
  size_t original_bytes() const;
  // What the list occupies (the one heap block).
  size_t packed_bytes() const { return bytes_.capacity(); }

 private:
  std::string bytes_;
};

}  // namespace hearth
