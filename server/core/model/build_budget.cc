#include "server/core/model/build_budget.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace hearth {

BuildBudget::BuildBudget(const BuildLimits& limits, const std::atomic<bool>* cancel)
    : limits_(limits), deadline_(absl::Now() + limits.timeout), cancel_(cancel) {}

bool BuildBudget::Charge(uint64_t bytes) {
  if (reason_ != Reason::kNone) return false;
  if (bytes > remaining()) {
    reason_ = Reason::kBytes;
    return false;
  }
  used_ += bytes;
  return true;
}

bool BuildBudget::Fits(uint64_t bytes) {
  if (reason_ != Reason::kNone) return false;
  if (bytes > remaining()) reason_ = Reason::kBytes;
  return reason_ == Reason::kNone;
}

bool BuildBudget::Check() {
  if (reason_ != Reason::kNone) return false;
  if (++calls_ % kClockStride != 0) return true;
  return CheckNow();
}

bool BuildBudget::CheckNow() {
  if (reason_ != Reason::kNone) return false;
  if (cancel_ != nullptr && cancel_->load(std::memory_order_relaxed)) {
    reason_ = Reason::kCancelled;
  } else if (absl::Now() > deadline_) {
    reason_ = Reason::kTime;
  }
  return reason_ == Reason::kNone;
}

std::string BuildBudget::Message() const {
  switch (reason_) {
    case Reason::kNone:
      return "";
    case Reason::kBytes:
      return absl::StrCat("the build needs more than its budget of ", limits_.max_bytes,
                          " bytes (files, aliases, references, merges and renderings together; "
                          "see --max-build-bytes)");
    case Reason::kTime:
      return absl::StrCat("the build took longer than its budget of ",
                          absl::FormatDuration(limits_.timeout), " (see --build-timeout)");
    case Reason::kCancelled:
      return "the build was cancelled (the daemon is shutting down)";
  }
  return "";
}

}  // namespace hearth
