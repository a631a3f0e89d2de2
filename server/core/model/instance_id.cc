#include "server/core/model/instance_id.h"

#include <cstdint>
#include <random>

#include "absl/strings/str_format.h"
#include "absl/time/clock.h"

namespace hearth {

std::string NewInstanceId() {
  std::random_device device;
  std::mt19937_64 rng((static_cast<uint64_t>(device()) << 32) ^ device() ^
                      static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())));
  return absl::StrFormat("%016x", rng());
}

}  // namespace hearth
