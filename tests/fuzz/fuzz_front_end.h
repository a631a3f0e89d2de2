#pragma once

// The body shared by the libFuzzer targets, one per parser front end (see CMakeLists.txt).
//
// Beyond "no crash, no leak, no sanitizer report", it checks the front end's contract: invalid
// UTF-8 is always rejected, errors name the file (and, where the front end can tell, a line),
// and on success every node carries this file's id and a position, and nesting stays within the
// limit.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "server/core/parse/format.h"
#include "server/core/parse/parse_document.h"

namespace hearth::fuzz {

inline void Check(bool condition) {
  if (!condition) __builtin_trap();
}

inline void CheckTree(const Value& v, uint32_t file_id, int depth, int max_depth) {
  Check(v.origin().file == file_id);
  Check(v.origin().line >= 1 && v.origin().column >= 1);
  if (v.is_array()) {
    Check(depth <= max_depth);
    for (const Value& item : v.AsArray()) CheckTree(item, file_id, depth + 1, max_depth);
  } else if (v.is_object()) {
    Check(depth <= max_depth);
    for (const auto& [key, member] : v.AsObject()) CheckTree(member, file_id, depth + 1, max_depth);
  }
}

// Parses `data` as `format` under file name `name` and checks the contract.
// `errors_have_lines`: every error names a line ("name:LINE:...").
inline int FuzzFrontEnd(Format format, std::string_view name, bool errors_have_lines,
                        const uint8_t* data, size_t size) {
  constexpr uint32_t kFileId = 3;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const SourceRef src{name, kFileId};
  ParseLimits limits;
  limits.max_depth = 16;
  const bool utf8_ok = ValidateUtf8(text, src).ok();
  absl::StatusOr<Value> v = ParseDocument(format, text, src, limits);
  if (v.ok()) {
    Check(utf8_ok);
    CheckTree(*v, kFileId, 1, limits.max_depth);
  } else {
    const std::string_view message(v.status().message().data(), v.status().message().size());
    Check(message.substr(0, name.size() + 1) == std::string(name) + ":");
    if (errors_have_lines) {
      Check(message.size() > name.size() + 1 && message[name.size() + 1] >= '1' &&
            message[name.size() + 1] <= '9');
    }
  }
  return 0;
}

}  // namespace hearth::fuzz
