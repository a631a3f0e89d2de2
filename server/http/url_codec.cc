#include "server/http/url_codec.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/core/model/absl_compat.h"

namespace hearth::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

absl::StatusOr<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%') {
      const bool complete = i + 2 < text.size();
      const int hi = complete ? HexValue(text[i + 1]) : -1;
      const int lo = complete ? HexValue(text[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("malformed percent escape at byte ", i, " of the URL component"));
      }
      const char decoded = static_cast<char>(hi * 16 + lo);
      if (decoded == '\0') {
        return absl::InvalidArgumentError("the URL contains %00 (a NUL byte)");
      }
      out.push_back(decoded);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c == '\0') {
      return absl::InvalidArgumentError("the URL contains a NUL byte");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

absl::StatusOr<std::map<std::string, std::string>> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  if (query.empty()) return out;
  size_t count = 0;
  for (absl::string_view part : absl::StrSplit(Sv(query), '&')) {
    if (part.empty()) continue;
    if (++count > kMaxQueryParams) {
      return absl::InvalidArgumentError(
          absl::StrCat("more than ", kMaxQueryParams, " query parameters"));
    }
    const size_t eq = part.find('=');
    absl::StatusOr<std::string> key = PercentDecode(Sv(part.substr(0, eq)), true);
    if (!key.ok()) return key.status();
    absl::StatusOr<std::string> value = PercentDecode(
        eq == absl::string_view::npos ? std::string_view() : Sv(part.substr(eq + 1)), true);
    if (!value.ok()) return value.status();
    if (key->size() > 64 || value->size() > kMaxQueryValueBytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("a query parameter is longer than its limit (names 64, values ",
                       kMaxQueryValueBytes, " bytes)"));
    }
    if (!out.emplace(*std::move(key), *std::move(value)).second) {
      return absl::InvalidArgumentError("a query parameter is given twice");
    }
  }
  return out;
}

}  // namespace hearth::http
