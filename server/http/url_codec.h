#pragma once

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace hearth::http {

// Percent-decodes a path segment or query component (`plus_is_space` for queries). INVALID_ARGUMENT
// for a malformed escape and for %00: a NUL never reaches a name or a path. Messages never quote
// the input.
absl::StatusOr<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// Budgets for a query string.
inline constexpr size_t kMaxQueryParams = 32;
inline constexpr size_t kMaxQueryValueBytes = 4096;

// `a=1&b=two` into decoded pairs. INVALID_ARGUMENT for more than kMaxQueryParams parameters, a
// value over kMaxQueryValueBytes, a parameter given twice, or a bad escape.
absl::StatusOr<std::map<std::string, std::string>> ParseQuery(std::string_view query);

}  // namespace hearth::http
