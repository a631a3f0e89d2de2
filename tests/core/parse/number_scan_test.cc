#include "server/core/parse/number_scan.h"

#include <string_view>

#include "gtest/gtest.h"

namespace hearth {
namespace {

TEST(NumberScanTest, TooLargeOverflows) {
  for (std::string_view n : {"1e309", "1e400", "2e308", "0.1e310",
                             "179769313486231580793728971405303"
                             "41821999999999999999999999999999999999999999999999999999999999999999"
                             "99999999999999999999999999999999999999999999999999999999999999999999"
                             "99999999999999999999999999999999999999999999999999999999999999999999"
                             "99999999999999999999999999999999999999999999999999999999999999999999"
                             "9999999999999999999999999999999999999",
                             "1E+99999999999999"}) {
    EXPECT_TRUE(DecimalOverflowsDouble(n)) << n;
  }
}

TEST(NumberScanTest, TooSmallUnderflows) {
  for (std::string_view n :
       {"1e-400", "0.0000e-999", "000.000001e-330", ".5e-400", "1e-99999999999999"}) {
    EXPECT_FALSE(DecimalOverflowsDouble(n)) << n;
  }
}

TEST(NumberScanTest, MagnitudeCountsSignificantDigitsOnly) {
  // Leading zeros do not count; zeros after the point lower the magnitude.
  EXPECT_TRUE(DecimalOverflowsDouble("0001e308"));  // magnitude 1 + 308 > 0
  EXPECT_FALSE(DecimalOverflowsDouble("0.001e2"));  // magnitude -2 + 2 = 0: a small number
  EXPECT_TRUE(DecimalOverflowsDouble("0.001e3"));   // magnitude -2 + 3 > 0
  EXPECT_FALSE(DecimalOverflowsDouble("0"));        // no significant digit at all
}

}  // namespace
}  // namespace hearth
