#include "server/core/model/build_budget.h"

#include <atomic>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hearth {
namespace {

using ::testing::HasSubstr;

BuildLimits Limits(uint64_t bytes, absl::Duration timeout = absl::Hours(1)) {
  BuildLimits limits;
  limits.max_bytes = bytes;
  limits.timeout = timeout;
  return limits;
}

TEST(BuildBudgetTest, ChargesBytesUntilTheLimitThenStaysExhausted) {
  BuildBudget budget(Limits(100));
  EXPECT_TRUE(budget.Charge(60));
  EXPECT_TRUE(budget.Charge(40));  // exactly the limit fits
  EXPECT_EQ(budget.used(), 100u);
  EXPECT_EQ(budget.remaining(), 0u);
  EXPECT_EQ(budget.exhausted(), BuildBudget::Reason::kNone);
  EXPECT_TRUE(budget.Charge(0));
  EXPECT_FALSE(budget.Charge(1));
  EXPECT_EQ(budget.used(), 100u);  // a failed charge adds nothing
  EXPECT_EQ(budget.exhausted(), BuildBudget::Reason::kBytes);
  // Sticky: every later call fails, whatever it asks.
  EXPECT_FALSE(budget.Charge(0));
  EXPECT_FALSE(budget.Check());
  EXPECT_FALSE(budget.CheckNow());
  EXPECT_THAT(budget.Message(), HasSubstr("100 bytes"));
  EXPECT_THAT(budget.Message(), HasSubstr("--max-build-bytes"));
}

TEST(BuildBudgetTest, FitsDoesNotChargeButExhaustsWhenTooLarge) {
  BuildBudget budget(Limits(10));
  EXPECT_TRUE(budget.Fits(10));
  EXPECT_EQ(budget.used(), 0u);
  EXPECT_FALSE(budget.Fits(11));
  EXPECT_EQ(budget.exhausted(), BuildBudget::Reason::kBytes);
  EXPECT_FALSE(budget.Charge(1));
}

TEST(BuildBudgetTest, HugeChargesDoNotWrapAround) {
  BuildBudget budget(Limits(100));
  ASSERT_TRUE(budget.Charge(50));
  EXPECT_FALSE(budget.Charge(UINT64_MAX - 10));
  EXPECT_EQ(budget.used(), 50u);
}

TEST(BuildBudgetTest, DeadlineExpiry) {
  BuildBudget expired(Limits(1 << 20, -absl::Seconds(1)));  // the deadline is already past
  EXPECT_TRUE(expired.Charge(1));                           // bytes are not what ran out
  EXPECT_FALSE(expired.CheckNow());
  EXPECT_EQ(expired.exhausted(), BuildBudget::Reason::kTime);
  EXPECT_FALSE(expired.Charge(1));
  EXPECT_THAT(expired.Message(), HasSubstr("--build-timeout"));

  BuildBudget fresh(Limits(1 << 20, absl::Hours(1)));
  EXPECT_TRUE(fresh.CheckNow());
}

TEST(BuildBudgetTest, CheckReadsTheClockEveryStride) {
  BuildBudget budget(Limits(1 << 20, -absl::Seconds(1)));
  int calls = 0;
  while (budget.Check()) {
    ++calls;
    ASSERT_LT(calls, 10 * static_cast<int>(BuildBudget::kClockStride));
  }
  EXPECT_EQ(calls + 1, static_cast<int>(BuildBudget::kClockStride));
  EXPECT_EQ(budget.exhausted(), BuildBudget::Reason::kTime);
}

TEST(BuildBudgetTest, CancellationStopsAtTheNextCheck) {
  std::atomic<bool> cancel{false};
  BuildBudget budget(Limits(1 << 20), &cancel);
  EXPECT_TRUE(budget.CheckNow());
  cancel.store(true);
  EXPECT_TRUE(budget.Charge(1));    // charges do not read the flag...
  EXPECT_FALSE(budget.CheckNow());  // ...checks do
  EXPECT_TRUE(budget.cancelled());
  EXPECT_EQ(budget.exhausted(), BuildBudget::Reason::kCancelled);
  EXPECT_THAT(budget.Message(), HasSubstr("cancelled"));
  EXPECT_FALSE(budget.Charge(1));
}

TEST(BuildBudgetTest, MessageIsEmptyWhileWithinBudget) {
  BuildBudget budget(Limits(10));
  EXPECT_EQ(budget.Message(), "");
}

}  // namespace
}  // namespace hearth
