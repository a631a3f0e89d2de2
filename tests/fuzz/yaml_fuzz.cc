// libFuzzer target for the yaml front end (see tests/fuzz/CMakeLists.txt).
//
// Beyond "no crash, no leak, no sanitizer report", it checks the front end's contract:
// invalid UTF-8 is always rejected, errors name the file, and on success every node carries
// this file's id and a position, and nesting stays within the limit.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "server/core/format.h"

namespace {

constexpr std::string_view kName = "fuzz.yaml";
constexpr uint32_t kFileId = 3;

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

void CheckTree(const hearth::Value& v, int depth, int max_depth) {
  Check(v.origin().file == kFileId);
  Check(v.origin().line >= 1 && v.origin().column >= 1);
  if (v.is_array()) {
    Check(depth <= max_depth);
    for (const hearth::Value& item : v.AsArray()) CheckTree(item, depth + 1, max_depth);
  } else if (v.is_object()) {
    Check(depth <= max_depth);
    for (const auto& [key, member] : v.AsObject()) CheckTree(member, depth + 1, max_depth);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const hearth::SourceRef src{kName, kFileId};
  hearth::ParseLimits limits;
  limits.max_depth = 16;
  const bool utf8_ok = hearth::ValidateUtf8(text, src).ok();
  absl::StatusOr<hearth::Value> v = hearth::ParseYaml(text, src, limits);
  if (v.ok()) {
    Check(utf8_ok);
    CheckTree(*v, 1, limits.max_depth);
  } else {
    const std::string_view message(v.status().message().data(), v.status().message().size());
    Check(message.substr(0, kName.size() + 1) == std::string(kName) + ":");
  }
  return 0;
}
