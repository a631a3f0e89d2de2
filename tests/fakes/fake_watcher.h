#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "server/watch/watcher.h"

namespace hearth {

// A Watcher driven by the test: EmitChange / EmitTrouble invoke the callbacks on the calling
// thread (standing in for the watcher thread). Keep a raw pointer to it before handing the
// WatcherPtr to its owner.
//
// Thread-safety: all methods are thread-safe. Emit* hold an internal lock while calling back, so
// Stop() waits for a callback in flight (the Watcher contract); degraded() is lock-free so that
// an owner may call it under its own lock.
class FakeWatcher : public Watcher {
 public:
  FakeWatcher() = default;

  absl::Status Start(const std::vector<std::string>& roots, Callbacks callbacks) override;
  void Stop() override;
  bool degraded() const override { return degraded_.load(); }
  Stats stats() const override;

  // What Start() returns (set before Start()); on error no callback is kept.
  void set_start_status(absl::Status status);
  void set_degraded(bool degraded) { degraded_.store(degraded); }

  // Reports `dirs` as changed, `settled` of them settled (see Watcher::Callbacks::on_change);
  // false (nothing reported) if not started or stopped.
  bool EmitChange(const std::vector<std::string>& dirs,
                  const std::vector<std::string>& settled = {});
  bool EmitTrouble(Trouble trouble, const std::string& detail = "fake trouble");

  std::vector<std::string> roots() const;
  bool started() const;
  bool stopped() const;

 private:
  mutable absl::Mutex mu_;
  absl::Status start_status_ ABSL_GUARDED_BY(mu_);
  Callbacks callbacks_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> roots_ ABSL_GUARDED_BY(mu_);
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  Stats stats_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> degraded_{false};
};

}  // namespace hearth
