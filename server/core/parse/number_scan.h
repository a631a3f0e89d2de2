#pragma once

#include <string_view>

namespace hearth {

// Number scanning shared by the front ends that read decimal numbers themselves (JSON's syntax
// locator, the YAML core-schema resolver).

// Whether a decimal floating-point literal that std::from_chars reported out of range is too
// large (an overflow, to be rejected: JSON cannot carry infinities) rather than too small (an
// underflow, which reads as zero). `number` has no sign: digits, an optional fraction and an
// optional exponent ("1e400", "0.000e-999", ".5e9"). Decided by the decimal magnitude, the
// position of the first significant digit plus the exponent, without converting anything.
bool DecimalOverflowsDouble(std::string_view number);

}  // namespace hearth
