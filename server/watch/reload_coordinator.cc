#include "server/watch/reload_coordinator.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "spdlog/spdlog.h"

namespace hearth {
namespace {

using RescanReason = ReloadCoordinator::RescanReason;

constexpr RescanReason kAllReasons[] = {RescanReason::kOverflow, RescanReason::kPoll,
                                        RescanReason::kSignal, RescanReason::kWatchFailure};

uint32_t Bit(RescanReason reason) { return 1u << static_cast<int>(reason); }

const char* ReasonName(RescanReason reason) {
  switch (reason) {
    case RescanReason::kOverflow:
      return "events lost";
    case RescanReason::kPoll:
      return "poll";
    case RescanReason::kSignal:
      return "requested";
    case RescanReason::kWatchFailure:
      return "watch failure";
  }
  return "?";
}

}  // namespace

ReloadCoordinator::ReloadCoordinator(std::vector<std::string> roots, Rebuilder* rebuilder,
                                     WatcherPtr watcher, Options options)
    : roots_(std::move(roots)),
      rebuilder_(rebuilder),
      clock_(options.clock != nullptr ? options.clock : SystemClock()),
      watcher_(std::move(watcher)),
      options_(std::move(options)) {}

ReloadCoordinator::~ReloadCoordinator() { Stop(); }

absl::Status ReloadCoordinator::Start() {
  {
    absl::MutexLock lock(&mu_);
    if (started_) return absl::FailedPreconditionError("ReloadCoordinator::Start called twice");
    started_ = true;
  }
  absl::Status status = absl::UnavailableError("no watcher");
  if (watcher_ != nullptr) {
    Watcher::Callbacks callbacks;
    callbacks.on_change = [this](const std::vector<std::string>& dirs,
                                 const std::vector<std::string>& settled) {
      OnChange(dirs, settled);
    };
    callbacks.on_trouble = [this](Watcher::Trouble trouble, const std::string& detail) {
      OnTrouble(trouble, detail);
    };
    status = watcher_->Start(roots_, std::move(callbacks));
  }
  absl::Duration poll_interval;
  {
    absl::MutexLock lock(&mu_);
    watcher_failed_ = !status.ok();
    stats_.watching = status.ok();
    poll_interval = PollIntervalLocked();
  }
  if (!status.ok()) {
    spdlog::error("file watching unavailable ({}): full rescan every {}", status.ToString(),
                  absl::FormatDuration(poll_interval));
  }
  last_rescan_ = clock_->Now();  // the caller's initial ScanAll() follows
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

void ReloadCoordinator::Stop() {
  // Shutdown order: the watcher first, so that no callback touches a stopping coordinator; then
  // the worker, which finishes the rebuild or rescan it is in.
  if (watcher_ != nullptr) watcher_->Stop();
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void ReloadCoordinator::RequestRescan() {
  absl::MutexLock lock(&mu_);
  RequestRescanLocked(RescanReason::kSignal);
}

ReloadCoordinator::Stats ReloadCoordinator::stats() const {
  absl::MutexLock lock(&mu_);
  Stats stats = stats_;
  stats.degraded = DegradedLocked();
  const absl::Time now = clock_->Now();
  stats.last_progress = std::max(heartbeat_, rebuilder_->last_progress());
  stats.stalled_for = StalledForLocked(now);
  stats.stalled = options_.stall_threshold > absl::ZeroDuration() &&
                  stats.stalled_for > options_.stall_threshold;
  return stats;
}

Watcher::Stats ReloadCoordinator::watcher_stats() const {
  return watcher_ != nullptr ? watcher_->stats() : Watcher::Stats();
}

bool ReloadCoordinator::IdleForTest() const {
  absl::MutexLock lock(&mu_);
  return !busy_ && !HasWorkLocked() && stats_.pending == 0;
}

void ReloadCoordinator::OnChange(const std::vector<std::string>& dirs,
                                 const std::vector<std::string>& settled) {
  const absl::Time now = clock_->Now();
  const absl::flat_hash_set<std::string_view> settled_set(settled.begin(), settled.end());
  absl::MutexLock lock(&mu_);
  stats_.dir_events += dirs.size();
  stats_.last_event = now;
  if (queued_.size() + dirs.size() > options_.max_queued_dirs) {
    if ((rescan_reasons_ & Bit(RescanReason::kOverflow)) == 0) {
      spdlog::warn("more than {} directory changes queued: dropping them for a full rescan",
                   options_.max_queued_dirs);
    }
    queued_.clear();
    RequestRescanLocked(RescanReason::kOverflow);
    return;
  }
  if (!busy_ && queued_.empty()) Beat();  // as in RequestRescanLocked
  for (const std::string& dir : dirs) {
    queued_.push_back(QueuedDir{dir, now, settled_set.contains(dir)});
  }
}

void ReloadCoordinator::OnTrouble(Watcher::Trouble trouble, const std::string& detail) {
  // The watcher has logged the details already.
  spdlog::info("watcher trouble ({}): full rescan", detail);
  absl::MutexLock lock(&mu_);
  RequestRescanLocked(trouble == Watcher::Trouble::kOverflow ? RescanReason::kOverflow
                                                             : RescanReason::kWatchFailure);
}

void ReloadCoordinator::RequestRescanLocked(RescanReason reason) {
  if (!busy_) Beat();  // an idle worker is alive: the stall clock starts now, not at its last round
  rescan_reasons_ |= Bit(reason);
}

absl::Duration ReloadCoordinator::StalledForLocked(absl::Time now) const {
  // Stopping is not work waiting: Stop() joins the worker itself.
  const bool waiting = busy_ || !queued_.empty() || rescan_reasons_ != 0;
  if (!waiting || !started_) return absl::ZeroDuration();
  const absl::Time last = std::max(heartbeat_, rebuilder_->last_progress());
  return std::max(absl::ZeroDuration(), now - last);
}

bool ReloadCoordinator::HasWorkLocked() const {
  return stop_ || !queued_.empty() || rescan_reasons_ != 0;
}

bool ReloadCoordinator::DegradedLocked() const {
  return watcher_failed_ || (watcher_ != nullptr && watcher_->degraded());
}

absl::Duration ReloadCoordinator::PollIntervalLocked() const {
  absl::Duration interval = options_.poll_interval;
  if (DegradedLocked() &&
      (interval == absl::ZeroDuration() || interval > options_.degraded_poll_interval)) {
    interval = options_.degraded_poll_interval;
  }
  return interval;
}

absl::Time ReloadCoordinator::NextDeadline(absl::Duration poll_interval) const {
  absl::Time deadline = absl::InfiniteFuture();
  for (const auto& [name, burst] : bursts_) {
    deadline = std::min({deadline, burst.last + options_.quiet, burst.first + options_.max_delay});
  }
  if (poll_interval > absl::ZeroDuration()) {
    deadline = std::min(deadline, last_rescan_ + poll_interval);
  }
  return deadline;
}

void ReloadCoordinator::Run() {
  while (true) {
    std::vector<QueuedDir> queued;
    uint32_t reasons = 0;
    absl::Duration poll_interval;
    {
      absl::MutexLock lock(&mu_);
      busy_ = false;
      Beat();  // a round finished (or the first one is about to start)
      stats_.pending = bursts_.size();
      poll_interval = PollIntervalLocked();
      // A timeout, not a deadline: the deadline is on clock_, the wait on real time.
      mu_.AwaitWithTimeout(absl::Condition(this, &ReloadCoordinator::HasWorkLocked),
                           NextDeadline(poll_interval) - clock_->Now());
      if (stop_) return;
      busy_ = true;
      Beat();
      queued.swap(queued_);
      reasons = std::exchange(rescan_reasons_, 0);
      poll_interval = PollIntervalLocked();  // a trouble may have just degraded the watcher
    }
    QueueBursts(std::move(queued));
    if (poll_interval > absl::ZeroDuration() && clock_->Now() >= last_rescan_ + poll_interval) {
      reasons |= Bit(RescanReason::kPoll);
    }
    if (reasons != 0) FullRescan(reasons);
    RebuildDue(clock_->Now());
  }
}

void ReloadCoordinator::QueueBursts(std::vector<QueuedDir> queued) {
  if (queued.empty()) return;
  // The same directory often comes many times in a burst: map each one once.
  struct DirBurst {
    absl::Time first;
    absl::Time last;
    uint64_t count = 0;
    bool settled = false;
  };
  absl::flat_hash_map<std::string, DirBurst> by_dir;
  for (QueuedDir& q : queued) {
    auto [it, inserted] = by_dir.try_emplace(std::move(q.dir), DirBurst{q.at, q.at, 0});
    it->second.first = std::min(it->second.first, q.at);
    it->second.last = std::max(it->second.last, q.at);
    it->second.settled |= q.settled;
    ++it->second.count;
  }
  uint64_t requests = 0;
  for (const auto& [dir, dir_burst] : by_dir) {
    // The config at `dir` (known or not yet: a directory just created or moved in), and those
    // below it that a schema change or the directory's removal affects.
    const std::vector<std::string> names = rebuilder_->ConfigsUnder(dir);
    for (const std::string& name : names) {
      auto [it, inserted] =
          bursts_.try_emplace(name, Burst{dir_burst.first, dir_burst.last, dir_burst.settled});
      if (!inserted) {
        it->second.first = std::min(it->second.first, dir_burst.first);
        it->second.last = std::max(it->second.last, dir_burst.last);
        it->second.settled |= dir_burst.settled;
      }
      requests += dir_burst.count;
    }
  }
  absl::MutexLock lock(&mu_);
  stats_.rebuild_requests += requests;
}

void ReloadCoordinator::FullRescan(uint32_t reasons) {
  std::vector<const char*> names;
  for (RescanReason reason : kAllReasons) {
    if (reasons & Bit(reason)) names.push_back(ReasonName(reason));
  }
  const std::string why = absl::StrJoin(names, ", ");
  if (reasons == Bit(RescanReason::kPoll)) {
    spdlog::debug("full rescan ({})", why);
  } else {
    spdlog::info("full rescan ({})", why);
  }
  const absl::Time start = clock_->Now();
  const RebuildReport report = rebuilder_->ScanAll();
  const absl::Time end = clock_->Now();
  last_rescan_ = start;
  // A burst whose every event came before the scan started is covered by the scan.
  for (auto it = bursts_.begin(); it != bursts_.end();) {
    it = it->second.last < start ? bursts_.erase(it) : std::next(it);
  }
  for (const std::string& error : report.root_errors) spdlog::warn("rescan: {}", error);
  for (const std::string& error : report.dir_errors) spdlog::warn("rescan: {}", error);
  for (const std::string& e : report.skipped_dirs) spdlog::warn("rescan: directory skipped: {}", e);
  if (report.published + report.removed + report.failed > 0) {
    spdlog::info("full rescan ({}): {} configs, {} published, {} removed, {} failed", why,
                 report.configs, report.published, report.removed, report.failed);
  }
  absl::MutexLock lock(&mu_);
  stats_.last_full_scan = end;
  if (reasons & Bit(RescanReason::kOverflow)) ++stats_.rescans_overflow;
  if (reasons & Bit(RescanReason::kPoll)) ++stats_.rescans_poll;
  if (reasons & Bit(RescanReason::kSignal)) ++stats_.rescans_signal;
  if (reasons & Bit(RescanReason::kWatchFailure)) ++stats_.rescans_watch_failure;
}

void ReloadCoordinator::RebuildDue(absl::Time now) {
  std::vector<std::pair<std::string, Burst>> due;
  for (auto it = bursts_.begin(); it != bursts_.end();) {
    const Burst& burst = it->second;
    // The leading edge: a settled change (whole files) is rebuilt at once; whatever arrives
    // while it rebuilds gathers into the next burst, one trailing rebuild. Other changes wait
    // for quiet, at most max_delay.
    if ((burst.settled && options_.leading_edge) || now >= burst.last + options_.quiet ||
        now >= burst.first + options_.max_delay) {
      due.emplace_back(it->first, burst);
      it = bursts_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [name, burst] : due) {
    const absl::Time rebuild_start = clock_->Now();
    const RebuildReport report = rebuilder_->Rebuild(name);
    const absl::Time rebuild_end = clock_->Now();
    RebuildSample sample;
    sample.name = name;
    sample.latency = rebuild_end - burst.first;
    sample.duration = rebuild_end - rebuild_start;
    sample.published = report.published + report.removed > 0;
    sample.failed = report.failed > 0;
    bool stopping;
    {
      absl::MutexLock lock(&mu_);
      Beat();
      ++stats_.rebuilds;
      if (burst.settled && options_.leading_edge) ++stats_.leading_rebuilds;
      if (sample.published) ++stats_.published;
      if (sample.failed) ++stats_.failed;
      ++stats_.latency_count;
      stats_.latency_sum += sample.latency;
      stats_.latency_max = std::max(stats_.latency_max, sample.latency);
      stopping = stop_;
    }
    if (options_.on_rebuild) options_.on_rebuild(sample);
    if (stopping) return;  // the rest is dropped: shutting down
  }
}

}  // namespace hearth
