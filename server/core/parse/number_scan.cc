#include "server/core/parse/number_scan.h"

namespace hearth {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool DecimalOverflowsDouble(std::string_view s) {
  size_t i = 0;
  long magnitude = 0;
  bool significant = false;
  for (; i < s.size() && IsDigit(s[i]); ++i) {
    if (s[i] != '0' || significant) {
      significant = true;
      ++magnitude;
    }
  }
  if (i < s.size() && s[i] == '.') {
    for (++i; i < s.size() && IsDigit(s[i]); ++i) {
      if (significant) continue;
      if (s[i] != '0') {
        significant = true;
      } else {
        --magnitude;
      }
    }
  }
  long exponent = 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    const bool negative = i < s.size() && s[i] == '-';
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    for (; i < s.size() && IsDigit(s[i]); ++i) {
      if (exponent < 100000) exponent = exponent * 10 + (s[i] - '0');  // saturates
    }
    if (negative) exponent = -exponent;
  }
  return magnitude + exponent > 0;
}

}  // namespace hearth
