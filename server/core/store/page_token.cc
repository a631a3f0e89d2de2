#include "server/core/store/page_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace hearth {
namespace {

constexpr char kTokenVersion[] = "l1";

}  // namespace

std::string EncodePageToken(const std::string& prefix, const std::string& last_name) {
  // Config names contain no NUL, so NUL separates the parts unambiguously.
  std::string raw =
      absl::StrCat(kTokenVersion, std::string(1, '\0'), prefix, std::string(1, '\0'), last_name);
  return absl::WebSafeBase64Escape(raw);
}

bool DecodePageToken(const std::string& token, const std::string& prefix, std::string* last_name) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return false;
  const std::string head =
      absl::StrCat(kTokenVersion, std::string(1, '\0'), prefix, std::string(1, '\0'));
  if (raw.size() <= head.size() || raw.compare(0, head.size(), head) != 0) return false;
  *last_name = raw.substr(head.size());
  return last_name->find('\0') == std::string::npos;
}

}  // namespace hearth
