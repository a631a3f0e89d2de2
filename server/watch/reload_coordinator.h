#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/rebuilder.h"
#include "server/core/source/clock.h"
#include "server/watch/watcher.h"

namespace hearth {

// Turns directory changes reported by a Watcher into rebuilds (through the narrow Rebuilder
// interface, which ConfigEngine implements).
//
// Each changed directory is mapped to the configs it affects (Rebuilder::ConfigsUnder). When the
// watcher reports the directory settled (a config file closed after writing or renamed in, the
// ConfigMap `..data` swap, and no config file known to be mid-write), the config is rebuilt at
// once: the leading edge, which costs no latency. Everything that arrives while it rebuilds
// gathers into one burst, rebuilt once after it (the trailing rebuild; an unchanged result is
// not republished). Other changes (a file created but not closed yet, a deletion, a rename away,
// which may be one step of an editor's save) are debounced: rebuilt once their burst has gone
// quiet for Options::quiet, or at the latest Options::max_delay after its first event. Rebuilds run
// on the coordinator's own worker thread, one at a time, never on the watcher's thread. Full
// rescans (Rebuilder::ScanAll, which republishes only what changed) happen when the watcher lost
// events (queue overflow, watch limit, a lost root), on RequestRescan() (SIGHUP), and
// periodically: every Options::poll_interval, and while the watcher is degraded or could not
// start at all, at least every Options::degraded_poll_interval.
//
// Default debounce (quiet 5 ms, max 50 ms), for the changes that are not settled: an editor's
// save dance is a burst of 2-6 events within well under a millisecond, so 5 ms of quiet
// coalesces each into one rebuild with margin for a loaded machine. The 50 ms cap bounds staleness
// when a config is written continuously (a script copying many files, a tool rewriting in a loop):
// it is rebuilt at least 20 times a second, never starved by its own events.
//
// Thread-safety: Start() and Stop() are for the owner (one thread); the other public methods are
// thread-safe. RequestRescan() is NOT async-signal-safe: call it from a signal-handling thread
// (sigwait / signalfd), not from a signal handler.
// Ownership: the rebuilder must outlive the coordinator; the coordinator owns the watcher.
class ReloadCoordinator {
 public:
  enum class RescanReason { kOverflow, kPoll, kSignal, kWatchFailure };

  // One rebuild of one config, for latency metrics.
  struct RebuildSample {
    std::string name;
    absl::Duration latency;   // first event of the burst -> Rebuild() returned (debounce included)
    absl::Duration duration;  // the Rebuild() call alone: read, parse, validate, publish
    bool published = false;   // a new version or a removal was published
    bool failed = false;      // the rebuild failed (last-known-good kept)
  };

  struct Options {
    absl::Duration quiet = absl::Milliseconds(5);
    absl::Duration max_delay = absl::Milliseconds(50);
    // Rebuild a config at once when the watcher reports its directory settled (a file
    // completed, nothing known mid-write), without waiting for `quiet`; see the class comment.
    bool leading_edge = true;
    // Period of the full rescan; zero = off (while the watcher is healthy).
    absl::Duration poll_interval = absl::ZeroDuration();
    // Period of the full rescan while the watcher is degraded or failed, if poll_interval is zero
    // or longer.
    absl::Duration degraded_poll_interval = absl::Seconds(5);
    // More directory notifications than this waiting for the worker: they are dropped and a full
    // rescan is done instead (memory stays bounded while a long rescan runs).
    size_t max_queued_dirs = 1u << 16;
    // The worker's heartbeat: with work waiting (queued changes, a rescan asked for, or a rebuild
    // or scan under way) and no progress (a config built, a round finished) for this long, the
    // pipeline counts as stalled (Stats::stalled; readiness turns NOT_SERVING). Zero = never.
    absl::Duration stall_threshold = absl::Seconds(10);
    // Timestamps (bursts, latencies, heartbeats); null is SystemClock(). Not owned.
    const Clock* clock = nullptr;
    // Called on the worker thread after every debounced rebuild; must be quick.
    std::function<void(const RebuildSample&)> on_rebuild;
  };

  struct Stats {
    uint64_t dir_events = 0;             // directories reported by the watcher
    uint64_t rebuild_requests = 0;       // (config, event) pairs, before coalescing
    uint64_t rebuilds = 0;               // ConfigEngine::Rebuild calls (after coalescing)
    uint64_t leading_rebuilds = 0;       // of those, started on the leading edge (settled)
    uint64_t published = 0;              // versions (or removals) published by those rebuilds
    uint64_t failed = 0;                 // failed rebuilds
    uint64_t rescans_overflow = 0;       // full rescans because the watcher lost events
    uint64_t rescans_poll = 0;           // periodic full rescans
    uint64_t rescans_signal = 0;         // full rescans asked by RequestRescan()
    uint64_t rescans_watch_failure = 0;  // full rescans after a watch limit / lost root / error
    uint64_t pending = 0;                // configs waiting out their debounce window
    bool watching = false;               // the watcher started (false: polling only)
    bool degraded = false;               // polling because the watcher is degraded or failed
    absl::Time last_event = absl::InfinitePast();
    absl::Time last_full_scan = absl::InfinitePast();
    // The worker's last sign of life: it woke up, finished a round, or the engine built a config.
    absl::Time last_progress = absl::InfinitePast();
    // How long work has been waiting without progress (zero while idle or progressing), and
    // whether that is past Options::stall_threshold.
    absl::Duration stalled_for;
    bool stalled = false;
    // Debounced rebuild latency (see RebuildSample::latency).
    uint64_t latency_count = 0;
    absl::Duration latency_sum;
    absl::Duration latency_max;
  };

  // Watches `roots` (the engine's, in the same order) and rebuilds through `rebuilder`.
  ReloadCoordinator(std::vector<std::string> roots, Rebuilder* rebuilder, WatcherPtr watcher,
                    Options options);
  // Stops (see Stop()).
  ~ReloadCoordinator();
  ReloadCoordinator(const ReloadCoordinator&) = delete;
  ReloadCoordinator& operator=(const ReloadCoordinator&) = delete;

  // Starts the watcher on the roots and the worker thread. Call it BEFORE the initial
  // rebuilder->ScanAll(), so that no change made during that scan is missed. A watcher that
  // cannot start is logged and the coordinator polls instead (stats().watching is false); the
  // returned status is not OK only when Start() is called twice.
  absl::Status Start();
  // Stops the watcher (no more callbacks), then the worker; configs still waiting out their
  // debounce window are not rebuilt. An in-progress rebuild or rescan completes first.
  // Idempotent.
  void Stop();

  // Asks the worker for a full rescan as soon as possible (SIGHUP). Requests made while one is
  // pending coalesce.
  void RequestRescan();

  Stats stats() const;
  // The watcher's own counters (watches, kernel events, overflows, ...); zeros without a watcher.
  Watcher::Stats watcher_stats() const;
  // True when nothing is queued, pending or running.
  bool IdleForTest() const;

 private:
  struct Burst {
    absl::Time first;
    absl::Time last;
    bool settled = false;  // a settled change is in it: rebuild now (the leading edge)
  };
  struct QueuedDir {
    std::string dir;
    absl::Time at;
    bool settled = false;  // Watcher::Callbacks::on_change's `settled`
  };

  void OnChange(const std::vector<std::string>& dirs, const std::vector<std::string>& settled);
  void OnTrouble(Watcher::Trouble trouble, const std::string& detail);
  void RequestRescanLocked(RescanReason reason) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool HasWorkLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool DegradedLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Duration StalledForLocked(absl::Time now) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Beat() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { heartbeat_ = clock_->Now(); }
  absl::Duration PollIntervalLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Run();
  // The worker's deadline for its next round: the earliest debounce expiry or poll.
  absl::Time NextDeadline(absl::Duration poll_interval) const;
  void QueueBursts(std::vector<QueuedDir> dirs);
  void FullRescan(uint32_t reasons);
  void RebuildDue(absl::Time now);

  const std::vector<std::string> roots_;
  Rebuilder* const rebuilder_;  // not owned
  const Clock* const clock_;    // options_.clock
  const WatcherPtr watcher_;
  const Options options_;  // Constant after construction.
  std::thread thread_;

  // Confined to the worker thread.
  std::map<std::string, Burst> bursts_;  // config name -> its pending burst
  absl::Time last_rescan_;

  mutable absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  bool busy_ ABSL_GUARDED_BY(mu_) = false;  // the worker is in a round
  bool watcher_failed_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<QueuedDir> queued_ ABSL_GUARDED_BY(mu_);
  uint32_t rescan_reasons_ ABSL_GUARDED_BY(mu_) = 0;  // bit per RescanReason
  Stats stats_ ABSL_GUARDED_BY(mu_);
  absl::Time heartbeat_ ABSL_GUARDED_BY(mu_);  // set by the worker; see Options::stall_threshold
};

}  // namespace hearth
