#include "tests/fakes/fake_watcher.h"

#include "absl/time/clock.h"

namespace hearth {

absl::Status FakeWatcher::Start(const std::vector<std::string>& roots, Callbacks callbacks) {
  absl::MutexLock lock(&mu_);
  if (started_) return absl::FailedPreconditionError("FakeWatcher::Start called twice");
  started_ = true;
  roots_ = roots;
  if (!start_status_.ok()) return start_status_;
  callbacks_ = std::move(callbacks);
  return absl::OkStatus();
}

void FakeWatcher::Stop() {
  absl::MutexLock lock(&mu_);
  stopped_ = true;
  callbacks_ = Callbacks();
}

Watcher::Stats FakeWatcher::stats() const {
  absl::MutexLock lock(&mu_);
  Stats stats = stats_;
  stats.degraded = degraded();
  return stats;
}

void FakeWatcher::set_start_status(absl::Status status) {
  absl::MutexLock lock(&mu_);
  start_status_ = std::move(status);
}

bool FakeWatcher::EmitChange(const std::vector<std::string>& dirs,
                             const std::vector<std::string>& settled) {
  absl::MutexLock lock(&mu_);
  if (!callbacks_.on_change || stopped_) return false;
  stats_.events += dirs.size();
  stats_.changes_reported += dirs.size();
  stats_.last_event = absl::Now();
  callbacks_.on_change(dirs, settled);
  return true;
}

bool FakeWatcher::EmitTrouble(Trouble trouble, const std::string& detail) {
  absl::MutexLock lock(&mu_);
  if (!callbacks_.on_trouble || stopped_) return false;
  if (trouble == Trouble::kOverflow) ++stats_.overflows;
  if (trouble == Trouble::kWatchLimit) ++stats_.watch_limit_failures;
  callbacks_.on_trouble(trouble, detail);
  return true;
}

std::vector<std::string> FakeWatcher::roots() const {
  absl::MutexLock lock(&mu_);
  return roots_;
}

bool FakeWatcher::started() const {
  absl::MutexLock lock(&mu_);
  return started_;
}

bool FakeWatcher::stopped() const {
  absl::MutexLock lock(&mu_);
  return stopped_;
}

}  // namespace hearth
