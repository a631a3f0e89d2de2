#pragma once

#include <string>
#include <string_view>

namespace hearth {

// 32 lowercase hex digits of XXH3-128 over `bytes`: the etag of a rendering and the identity of a
// version's content. Not cryptographic; used only to detect change.
std::string ContentHash(std::string_view bytes);

}  // namespace hearth
