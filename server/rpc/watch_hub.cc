#include "server/rpc/watch_hub.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/rpc/config_watch_reactor.h"

namespace hearth::rpc {

WatchHub::WatchHub(ConfigStore* store, Options options)
    : store_(store),
      options_(std::move(options)),
      // A stream has at most one Pump and one snapshot read queued, so this never fills up.
      senders_("watch-sender", options_.sender_threads, 2 * options_.max_streams + 16) {
  listener_id_ = store_->AddListener([this](const ConfigStore::Change& c) { OnChange(c); });
  // Changes before the listener was added are visible to every snapshot read from now on.
  seen_revision_.store(store_->revision(), std::memory_order_release);
  if (options_.progress_interval > absl::ZeroDuration()) {
    ticker_ = std::thread([this] { TickLoop(); });
  }
}

WatchHub::~WatchHub() { Shutdown(); }

absl::Status WatchHub::Register(const std::shared_ptr<ConfigWatchReactor>& stream) {
  absl::MutexLock lock(&mu_);
  if (shutdown_) return absl::UnavailableError("server shutting down");
  if (streams_.size() >= options_.max_streams) {
    rejected_.fetch_add(1, std::memory_order_relaxed);
    return absl::ResourceExhaustedError(
        absl::StrCat("too many watch streams (limit ", options_.max_streams,
                     "); close unused streams or raise --max-watch-streams"));
  }
  streams_.emplace(stream.get(), stream);
  streams_total_.fetch_add(1, std::memory_order_relaxed);
  return absl::OkStatus();
}

void WatchHub::Unregister(ConfigWatchReactor* stream) {
  std::shared_ptr<ConfigWatchReactor> last;  // released outside the lock
  absl::MutexLock lock(&mu_);
  auto it = streams_.find(stream);
  if (it == streams_.end()) return;
  last = std::move(it->second);
  streams_.erase(it);
}

void WatchHub::Schedule(std::shared_ptr<ConfigWatchReactor> stream) {
  // Fails only after Shutdown(), which ends every stream itself.
  Post([stream = std::move(stream)] { stream->Pump(); });
}

void WatchHub::OnChange(const ConfigStore::Change& change) {
  // On the store's writer thread: mark and queue only, never render or write here.
  {
    absl::ReaderMutexLock lock(&mu_);
    for (const auto& [raw, stream] : streams_) {
      if (raw->OnChange(change)) Schedule(stream);
    }
  }
  // Published after every stream was marked: a stream that reads this revision with an empty
  // dirty set has been sent everything up to it.
  seen_revision_.store(change.revision, std::memory_order_release);
}

void WatchHub::TickLoop() {
  while (true) {
    std::vector<std::shared_ptr<ConfigWatchReactor>> due;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&shutdown_), options_.progress_interval);
      if (shutdown_) return;
      due.reserve(streams_.size());
      for (const auto& [raw, stream] : streams_) due.push_back(stream);
    }
    for (auto& stream : due) {
      if (stream->MarkProgressDue()) Schedule(std::move(stream));
    }
  }
}

void WatchHub::Shutdown() {
  absl::MutexLock shutdown_lock(&shutdown_mu_);
  std::vector<std::shared_ptr<ConfigWatchReactor>> streams;
  {
    absl::MutexLock lock(&mu_);
    if (shutdown_) return;
    shutdown_ = true;
    for (const auto& [raw, stream] : streams_) streams.push_back(stream);
  }
  store_->RemoveListener(listener_id_);
  if (ticker_.joinable()) ticker_.join();
  for (const auto& stream : streams) {
    stream->End(grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shutting down"));
  }
  senders_.Shutdown();
}

bool WatchHub::AwaitStreamsDone(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto empty = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return streams_.empty(); };
  return mu_.AwaitWithTimeout(absl::Condition(&empty), timeout);
}

WatchHub::Stats WatchHub::stats() const {
  Stats s;
  {
    absl::ReaderMutexLock lock(&mu_);
    s.active_streams = streams_.size();
  }
  s.streams_total = streams_total_.load(std::memory_order_relaxed);
  s.streams_rejected_total = rejected_.load(std::memory_order_relaxed);
  s.messages_sent_total = messages_sent_.load(std::memory_order_relaxed);
  s.coalesced_total = coalesced_.load(std::memory_order_relaxed);
  s.resets_total = resets_.load(std::memory_order_relaxed);
  s.withheld_total = withheld_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace hearth::rpc
