#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/support/server_callback.h"
#include "hearth/v1/config_service.pb.h"
#include "server/core/store/config_store.h"

namespace hearth::rpc {

class WatchHub;

// One WatchConfigs stream (gRPC callback API).
//
// Protocol: a snapshot (SNAPSHOT events; DELETED too when resuming), a PROGRESS message with
// snapshot_end, then UPDATED / ERROR / DELETED events as configs change and periodic PROGRESS
// messages. A snapshot that replaces the client's state (unknown resume point, or this stream's
// dirty set overflowed) starts with a PROGRESS message flagged reset and flags each of its
// messages reset.
//
// Config is state, not a log: changes only mark a name dirty (a bounded set), and when the stream
// can write, the writer reads the latest state of the next dirty name. A name marked again before
// it was sent counts as one coalesced message.
//
// Concurrency: state below mu_ is shared with the store listener (OnChange), the ticker, the
// hub's sender threads (Pump) and gRPC reactions. Exactly one party at a time holds the "writer
// role" (writing_ == true): it builds current_ and owns the snapshot cursor, outside mu_. At most
// one write is in flight; Finish is only called when none is. gRPC calls are made without mu_.
// Lifetime: shared_ptr, held by the hub while registered, by queued sender tasks, and by self_
// until OnDone.
class WatchReactor : public grpc::ServerWriteReactor<v1::WatchConfigsResponse>,
                     public std::enable_shared_from_this<WatchReactor> {
 public:
  // Validates `request` and starts the stream; a refused stream (bad name, too many streams) is
  // returned already finished with the error.
  static grpc::ServerWriteReactor<v1::WatchConfigsResponse>* Start(
      WatchHub* hub, const v1::WatchConfigsRequest& request);

  // Store listener thread: marks the name dirty if it matches. True when the caller must
  // Schedule() the stream.
  bool OnChange(const ConfigStore::Change& change);
  // Ticker thread: a PROGRESS message is due. True when the caller must Schedule() the stream.
  bool MarkProgressDue();
  // Ends the stream with `status` after its in-flight write (if any).
  void End(grpc::Status status);
  // Sender thread: starts the next write if the stream is idle and has something to send.
  void Pump();

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

  // The messages a resumed or fresh snapshot fetches per store read.
  static constexpr size_t kSnapshotBatch = 512;

 private:
  enum class Action { kNone, kWrite, kFinish };
  enum class Phase { kStartSnapshot, kSnapshot, kLive };
  struct Dirty {
    uint64_t revision = 0;  // latest change revision seen for the name
  };

  WatchReactor(WatchHub* hub, const v1::WatchConfigsRequest& request);

  bool Matches(std::string_view name) const;
  // Under mu_: decides the next action; kWrite hands the writer role to the caller.
  Action Claim() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Perform(Action action, bool on_sender);
  // Writer role, no lock: fills current_ with the next message. False when there was nothing to
  // send after all (the writer role has then been released and `next` holds the follow-up).
  bool BuildNext(bool on_sender, Action* next);
  // Writer role: snapshot helpers.
  void FetchBatch();
  void FillFromEntry(const ConfigEntry& entry, v1::WatchEventType type, uint64_t revision);
  void FillProgress(uint64_t global_revision, bool snapshot_end);
  // Writer role: makes current_ fit the hub's max_message_bytes (drops the document, adds an
  // error; an UPDATED event becomes ERROR).
  void FitMessageLimit();

  WatchHub* const hub_;  // Constant after construction.
  // The filter and options, constant after construction.
  const absl::flat_hash_set<std::string> names_;
  const std::vector<std::string> prefixes_;
  const std::string profile_;
  const bool include_json_;
  const uint64_t since_revision_;
  bool resume_ = false;  // snapshot only what changed after since_revision_ (writer role)

  // Writer role only (see class comment).
  Phase phase_ = Phase::kStartSnapshot;
  bool reset_ = false;  // the snapshot being sent replaces the client's state
  bool reset_announced_ = false;
  uint64_t snapshot_revision_ = 0;
  std::vector<std::shared_ptr<const ConfigEntry>> batch_;
  size_t batch_pos_ = 0;
  bool batch_exhausted_ = false;
  std::string cursor_name_;       // full snapshots: last name fetched
  uint64_t cursor_revision_ = 0;  // resumed snapshots: last mod_revision fetched
  std::string next_name_;         // live: the dirty name being sent
  uint64_t next_revision_ = 0;
  bool next_is_progress_ = false;
  uint64_t next_progress_revision_ = 0;
  v1::WatchConfigsResponse current_;  // the message in flight

  std::shared_ptr<WatchReactor> self_;  // released in OnDone

  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Dirty> dirty_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> dirty_order_ ABSL_GUARDED_BY(mu_);  // FIFO of dirty_ keys
  bool resync_ ABSL_GUARDED_BY(mu_) = false;  // dirty set overflowed: send a reset snapshot
  bool progress_due_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;  // writer role taken
  bool scheduled_ ABSL_GUARDED_BY(mu_) = false;
  bool live_ ABSL_GUARDED_BY(mu_) = false;  // snapshot end sent
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> end_status_ ABSL_GUARDED_BY(mu_);
  bool finish_claimed_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status finish_status_;  // written once, under mu_, when finish_claimed_ is set
  uint64_t coalesced_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace hearth::rpc
