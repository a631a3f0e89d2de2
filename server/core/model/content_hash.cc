#include "server/core/model/content_hash.h"

#include <xxhash.h>

namespace hearth {

std::string ContentHash(std::string_view bytes) {
  XXH128_hash_t h = XXH3_128bits(bytes.data(), bytes.size());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(32, '0');
  uint64_t parts[2] = {h.high64, h.low64};
  for (int p = 0; p < 2; ++p) {
    for (int i = 0; i < 16; ++i) {
      out[p * 16 + i] = kHex[(parts[p] >> (60 - 4 * i)) & 0xf];
    }
  }
  return out;
}

}  // namespace hearth
