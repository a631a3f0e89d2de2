#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/store/config_renderer.h"
#include "server/core/store/config_store.h"
#include "server/core/store/rollout_tracker.h"
#include "server/rpc/worker_pool.h"

namespace hearth::rpc {

class ConfigWatchReactor;

// Fans ConfigStore changes out to the open WatchConfigs streams.
//
// The store listener runs on the engine's writer thread: for each stream it only marks the changed
// name dirty and, if the stream is idle, queues the stream on the hub's sender threads, which
// render and start the next write. A ticker thread marks streams due for a PROGRESS message every
// progress_interval.
//
// Thread-safety: all methods are thread-safe. The store must outlive the hub; the hub must outlive
// every stream (the gRPC server is shut down first).
class WatchHub {
 public:
  struct Options {
    size_t max_streams = 10000;  // open watch streams, all connections together
    absl::Duration progress_interval = absl::Seconds(10);  // 0: no periodic PROGRESS
    // Distinct dirty names a stream may accumulate before it gives up coalescing and re-sends a
    // full snapshot flagged reset (bounds memory per stream).
    size_t max_dirty_per_stream = 4096;
    int sender_threads = 1;
    std::string instance_id;  // this daemon instance, echoed on PROGRESS messages
    // gRPC's max send message size. An event that would exceed it is sent without its document
    // and with an error instead, so one huge config never fails a whole stream.
    size_t max_message_bytes = 16u << 20;
    // Bounds on a WatchConfigs request's filter (INVALID_ARGUMENT beyond): matching every change
    // against a huge list costs CPU for the stream's whole life.
    size_t max_filter_entries = 1000;      // names plus prefixes
    size_t max_filter_bytes = 256u << 10;  // their total length
    // What clients reported (ReportStatus): a stream with a client_id is not sent a version that
    // client rejected. Not owned; null disables it.
    const RolloutTracker* rollout = nullptr;
    // Renders events for streams that ask for a format other than JSON (they are refused without
    // one). Not owned.
    const ConfigRenderer* renderer = nullptr;
  };
  struct Stats {
    uint64_t active_streams = 0;
    uint64_t streams_total = 0;
    uint64_t streams_rejected_total = 0;  // over max_streams
    uint64_t messages_sent_total = 0;
    uint64_t coalesced_total = 0;  // messages superseded before they were sent
    uint64_t resets_total = 0;     // snapshots flagged reset
    uint64_t withheld_total = 0;   // events not sent: the stream's client rejected that version
  };

  WatchHub(ConfigStore* store, Options options);
  ~WatchHub();  // Shutdown()
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // Admits a stream: RESOURCE_EXHAUSTED beyond max_streams, UNAVAILABLE after Shutdown().
  absl::Status Register(const std::shared_ptr<ConfigWatchReactor>& stream);
  void Unregister(ConfigWatchReactor* stream);
  // Runs `task` on a sender thread (streams post their Pump and snapshot reads here). False
  // after Shutdown() (the task is dropped).
  bool Post(std::function<void()> task) { return senders_.TrySchedule(std::move(task)); }

  // Every store change up to this revision has been marked on every registered stream.
  uint64_t seen_revision() const { return seen_revision_.load(std::memory_order_acquire); }

  // Stops listening, ends every stream with UNAVAILABLE "server shutting down" (after its
  // in-flight write), stops the threads. Idempotent.
  void Shutdown();

  // Waits (bounded) until every stream has completed (OnDone). Call after the gRPC server has
  // shut down, before destroying the hub. False on timeout.
  bool AwaitStreamsDone(absl::Duration timeout);

  ConfigStore& store() const { return *store_; }
  const Options& options() const { return options_; }
  Stats stats() const;

  // Counters fed by the streams.
  void CountSent() { messages_sent_.fetch_add(1, std::memory_order_relaxed); }
  void CountCoalesced(uint64_t n = 1) { coalesced_.fetch_add(n, std::memory_order_relaxed); }
  void CountReset() { resets_.fetch_add(1, std::memory_order_relaxed); }
  void CountWithheld() { withheld_.fetch_add(1, std::memory_order_relaxed); }

 private:
  void OnChange(const ConfigStore::Change& change);
  void TickLoop();
  void Schedule(std::shared_ptr<ConfigWatchReactor> stream);

  ConfigStore* const store_;  // Constant after construction.
  const Options options_;     // Constant after construction.
  WorkerPool senders_;
  int64_t listener_id_ = 0;  // Constant after construction.
  std::atomic<uint64_t> seen_revision_{0};

  mutable absl::Mutex mu_;
  absl::flat_hash_map<ConfigWatchReactor*, std::shared_ptr<ConfigWatchReactor>> streams_
      ABSL_GUARDED_BY(mu_);
  bool shutdown_ ABSL_GUARDED_BY(mu_) = false;

  std::thread ticker_;
  absl::Mutex shutdown_mu_;  // serialises Shutdown()

  std::atomic<uint64_t> streams_total_{0};
  std::atomic<uint64_t> rejected_{0};
  std::atomic<uint64_t> messages_sent_{0};
  std::atomic<uint64_t> coalesced_{0};
  std::atomic<uint64_t> resets_{0};
  std::atomic<uint64_t> withheld_{0};
};

}  // namespace hearth::rpc
