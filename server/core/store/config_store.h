#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/core/build/config_version.h"
#include "server/core/source/clock.h"

namespace hearth {

// The state of one config name as readers see it. Immutable once published; replaced whole.
struct ConfigEntry {
  std::string name;
  // Last-known-good version; null if the config never built successfully.
  std::shared_ptr<const ConfigVersion> version;
  uint64_t version_revision = 0;  // the revision at which `version` was published
  // Non-empty when the most recent rebuild failed: one "file:line:col: message" per error. The
  // version above keeps serving.
  std::vector<std::string> errors;
  uint64_t mod_revision = 0;  // revision of the latest change to this entry
  bool deleted = false;       // a tombstone: the config's directory is gone
  absl::Time last_attempt;    // last rebuild attempt (success or failure)
  absl::Time last_success;    // last successful publish

  bool ok() const { return errors.empty() && !deleted; }
};

// The sharded, versioned, in-memory config store: entries, revisions, tombstones and change
// listeners. It keeps published versions and nothing derived from them (rendering sub-trees is
// ConfigRenderer's job); a version is immutable from the moment it is handed in, and the store
// stamps revisions on its own entries.
//
// Thread-safety: all methods are thread-safe. Readers take a shard's mutex only long enough to
// copy a shared_ptr (they never block on a writer's work, which happens before the swap). Writers
// (Publish / RecordError / Remove) are serialised by writer_mu_ so that revisions are assigned
// and announced to listeners in strictly increasing order.
class ConfigStore {
 public:
  struct Options {
    size_t shards = 16;
    size_t tombstone_limit = 10000;  // deleted names remembered for watch resumes
    const Clock* clock = nullptr;    // stamps last_attempt; null is SystemClock(). Not owned.
  };

  enum class ChangeKind { kUpdated, kDeleted, kError };
  struct Change {
    ChangeKind kind;
    std::string name;
    uint64_t revision;
  };
  // Called after each change, in revision order, on the writer's thread, outside shard locks but
  // under the writer lock: listeners must be quick and must not call Publish/RecordError/Remove.
  using Listener = std::function<void(const Change&)>;

  struct Counts {
    size_t ok = 0;
    size_t error = 0;       // last rebuild failed (may still serve a last-known-good)
    size_t no_version = 0;  // never built successfully
  };

  explicit ConfigStore(Options options);
  ConfigStore(const ConfigStore&) = delete;
  ConfigStore& operator=(const ConfigStore&) = delete;

  // Publishes a successfully built version, clearing any recorded error. Assigns and returns the
  // new revision (ConfigEntry::version_revision); returns 0 (and changes nothing) when the current
  // version has the same content_hash and no error is recorded.
  uint64_t Publish(std::shared_ptr<const ConfigVersion> version);
  // Records a failed rebuild; the last-known-good keeps serving. Returns the new revision, or 0
  // when the same errors are already recorded.
  uint64_t RecordError(std::string_view name, std::vector<std::string> errors);
  // Marks a config deleted (its directory vanished). Returns the revision, or 0 if unknown.
  uint64_t Remove(std::string_view name);

  // Current entry (never a tombstone), or null.
  std::shared_ptr<const ConfigEntry> Get(std::string_view name) const;
  // Live entries whose name starts with `prefix`, sorted by name.
  std::vector<std::shared_ptr<const ConfigEntry>> List(std::string_view prefix = {}) const;
  // Entries (tombstones included) changed after `revision`, sorted by mod_revision.
  std::vector<std::shared_ptr<const ConfigEntry>> ChangedSince(uint64_t revision) const;

  uint64_t revision() const { return revision_.load(std::memory_order_acquire); }
  // Changes at or below this revision may have been forgotten (tombstones dropped): a watcher
  // resuming from an older revision must be sent a fresh snapshot.
  uint64_t compacted_revision() const { return compacted_revision_.load(); }

  int64_t AddListener(Listener listener);
  void RemoveListener(int64_t id);

  Counts counts() const;

 private:
  struct Shard {
    mutable absl::Mutex mu;
    std::map<std::string, std::shared_ptr<const ConfigEntry>, std::less<>> entries
        ABSL_GUARDED_BY(mu);
  };
  Shard& ShardFor(std::string_view name) const;
  std::shared_ptr<const ConfigEntry> GetAny(std::string_view name) const;
  // The one commit path of every change: assigns the next revision to `entry` (and to its version
  // for kUpdated), keeps the tombstone index, swaps the entry in under its shard's lock, publishes
  // the revision and tells the listeners. `current` is the entry being replaced, or null.
  uint64_t Commit(ChangeKind kind, std::shared_ptr<ConfigEntry> entry, const ConfigEntry* current)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(writer_mu_);
  void Swap(std::shared_ptr<const ConfigEntry> entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(writer_mu_);
  void Notify(const Change& change) ABSL_EXCLUSIVE_LOCKS_REQUIRED(writer_mu_);
  void DropOldTombstones() ABSL_EXCLUSIVE_LOCKS_REQUIRED(writer_mu_);

  const Options options_;  // Constant after construction.
  const Clock* const clock_;
  std::unique_ptr<Shard[]> shards_;

  absl::Mutex writer_mu_;
  std::atomic<uint64_t> revision_{0};
  std::atomic<uint64_t> compacted_revision_{0};
  // Tombstones by revision, oldest first, for bounded forgetting.
  std::map<uint64_t, std::string> tombstones_ ABSL_GUARDED_BY(writer_mu_);

  mutable absl::Mutex listeners_mu_;
  std::map<int64_t, Listener> listeners_ ABSL_GUARDED_BY(listeners_mu_);
  int64_t next_listener_id_ ABSL_GUARDED_BY(listeners_mu_) = 1;
};

}  // namespace hearth
