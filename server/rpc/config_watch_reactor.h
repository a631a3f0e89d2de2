#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "hearth/v1/config_service.pb.h"
#include "server/core/render/output_format.h"
#include "server/core/store/config_store.h"
#include "server/rpc/serial_write_reactor.h"

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
// Concurrency and lifetime: a SerialWriteReactor (serial_write_reactor.h). State below mu_ is
// shared with the store listener (OnChange), the ticker, the hub's sender threads (Pump) and gRPC
// reactions; the writer role builds message_ and owns the snapshot cursor, outside mu_. Handles:
// the hub while registered and queued sender tasks hold a shared_ptr.
class ConfigWatchReactor final : public SerialWriteReactor<v1::WatchConfigsResponse> {
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
  // Sender thread: starts the next write if the stream is idle and has something to send.
  void Pump();
  // End(status), inherited, ends the stream with `status` after its in-flight write (if any).

  // The messages a resumed or fresh snapshot fetches per store read.
  static constexpr size_t kSnapshotBatch = 512;

 private:
  enum class Phase { kStartSnapshot, kSnapshot, kLive };
  struct Dirty {
    uint64_t revision = 0;  // latest change revision seen for the name
  };

  ConfigWatchReactor(WatchHub* hub, const v1::WatchConfigsRequest& request);

  bool Matches(std::string_view name) const;
  // SerialWriteReactor: picks what to send next (resync, snapshot, dirty names, PROGRESS).
  bool TakeNextLocked() override ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // SerialWriteReactor: fills message_; snapshot reads move to a sender thread.
  Built Build(bool on_executor) override;
  void OnWritten() override;
  void OnStreamDone() override;
  // Writer role: snapshot helpers.
  void FetchBatch();
  void FillFromEntry(const std::shared_ptr<const ConfigEntry>& entry, v1::WatchEventType type,
                     uint64_t revision);
  // Writer role: sets etag, document_etag and (with include_json_) content from the entry's
  // rendering in format_; a version the format cannot express becomes an ERROR event.
  void FillRendered(const std::shared_ptr<const ConfigEntry>& entry);
  void FillProgress(uint64_t global_revision, bool snapshot_end);
  // Writer role: makes message_ fit the hub's max_message_bytes (drops the document, adds an
  // error; an UPDATED event becomes ERROR).
  void FitMessageLimit();
  // True when this stream's client reported rejecting `entry`'s current version (for profile_).
  bool ClientRejected(const ConfigEntry& entry) const;

  WatchHub* const hub_;  // Constant after construction.
  // The filter and options, constant after construction.
  const absl::flat_hash_set<std::string> names_;
  const std::vector<std::string> prefixes_;
  const std::string profile_;
  const bool include_json_;
  const OutputFormat format_;    // kJson: the version's own buffer; others via the hub's renderer
  const std::string client_id_;  // ReportStatus identity: its rejected versions are not sent
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

  absl::flat_hash_map<std::string, Dirty> dirty_ ABSL_GUARDED_BY(mu_);
  // FIFO of dirty_ keys: [dirty_head_, size). A vector, not a std::deque, whose empty state
  // already holds 576 bytes: an idle stream keeps none (10,000 streams: 5.6 MiB).
  std::vector<std::string> dirty_order_ ABSL_GUARDED_BY(mu_);
  size_t dirty_head_ ABSL_GUARDED_BY(mu_) = 0;
  bool resync_ ABSL_GUARDED_BY(mu_) = false;  // dirty set overflowed: send a reset snapshot
  bool progress_due_ ABSL_GUARDED_BY(mu_) = false;
  bool scheduled_ ABSL_GUARDED_BY(mu_) = false;
  bool live_ ABSL_GUARDED_BY(mu_) = false;  // snapshot end sent
  uint64_t coalesced_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace hearth::rpc
