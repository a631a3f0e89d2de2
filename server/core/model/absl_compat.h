#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace hearth {

// Debian's Abseil is built with ABSL_OPTION_USE_STD_STRING_VIEW=0, so absl::string_view is its
// own type and absl::StrCat / absl::Status do not take std::string_view. Our APIs use
// std::string_view; convert at the call into Abseil with Sv().
inline absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }
inline std::string_view Sv(absl::string_view s) { return std::string_view(s.data(), s.size()); }

}  // namespace hearth
