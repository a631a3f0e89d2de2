#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace hearth {

// What one config build may spend, all stages together: the bytes it produces (file contents,
// parsed trees, YAML alias copies, merged copies per profile variant, interpolation output,
// rendered JSON) and the wall time it takes. An alias or a reference is charged for what it
// produces, not for the token that names it (STYLE.md #12), so the memory a build holds is bounded
// by max_bytes whatever the input (up to allocator overhead) and the number of builds running at
// once bounds the daemon's peak.
struct BuildLimits {
  // Default sized from the examples and the 10k bench corpus (a few KiB to ~2 MiB per build); a
  // config of several files at the 4 MiB --max-file-bytes limit with a few profiles still fits.
  uint64_t max_bytes = uint64_t{256} << 20;
  // Wall time of one build, from reading its files to rendering its last variant.
  absl::Duration timeout = absl::Seconds(10);
};

// The running account of one build. Stages call Charge() before (or as) they produce data and
// Check() inside their loops; once either fails the budget stays exhausted, every later call
// fails too, and the stage that noticed reports one error naming where it was (file:line:col).
//
// Thread-safety: one build uses its budget from one thread at a time (a stage may hand it to a
// helper thread it joins). `cancel` is read atomically and may be set from any thread: builds
// then stop at their next Check().
class BuildBudget {
 public:
  enum class Reason { kNone, kBytes, kTime, kCancelled };

  // The clock starts now. `cancel` (may be null) must outlive the budget.
  explicit BuildBudget(const BuildLimits& limits, const std::atomic<bool>* cancel = nullptr);
  BuildBudget(const BuildBudget&) = delete;
  BuildBudget& operator=(const BuildBudget&) = delete;

  // Adds `bytes` to the account. False when the total passes max_bytes (or the budget is already
  // exhausted); nothing is added then.
  bool Charge(uint64_t bytes);
  // Whether `bytes` more would fit, without charging them (for output that grows before it is
  // charged). When they would not, the budget is exhausted, as after a failed Charge().
  bool Fits(uint64_t bytes);
  // False once the deadline has passed, the build was cancelled or the bytes ran out. Cheap: reads
  // the clock only every kClockStride calls, so it can sit in a per-node loop.
  bool Check();
  // Like Check(), but always reads the clock.
  bool CheckNow();

  Reason exhausted() const { return reason_; }
  bool cancelled() const { return reason_ == Reason::kCancelled; }
  uint64_t used() const { return used_; }
  uint64_t remaining() const { return limits_.max_bytes - used_; }
  const BuildLimits& limits() const { return limits_; }

  // Why the budget is exhausted, for an error message ("" while it is not). Names the flag that
  // changes the limit; never mentions config content.
  std::string Message() const;

  static constexpr uint32_t kClockStride = 256;

 private:
  const BuildLimits limits_;
  const absl::Time deadline_;
  const std::atomic<bool>* const cancel_;
  uint64_t used_ = 0;
  uint32_t calls_ = 0;
  Reason reason_ = Reason::kNone;
};

}  // namespace hearth
