#pragma once

#include "absl/time/time.h"

namespace hearth {

// The time seam: the store stamps entries, the engine its heartbeat and the reload coordinator its
// bursts through a Clock, so a test can set the time instead of sleeping. Only timestamps go
// through it; waiting still happens on real time (a coordinator with a fake clock waits out real
// timeouts computed from the fake now).
//
// Thread-safety: implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// absl::Now(). A process-wide instance that is never destroyed.
const Clock* SystemClock();

}  // namespace hearth
