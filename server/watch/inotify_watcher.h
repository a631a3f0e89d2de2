#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/watch/watcher.h"

namespace hearth {

// Linux inotify implementation of Watcher (envoy's WatcherImpl, extended to whole trees).
//
// One inotify watch per directory below each root; files are never watched (STYLE.md #5). What
// is reported as a change of directory D:
//   - an entry of D created, deleted, moved in or out, written and closed (IN_CLOSE_WRITE) or
//     its attributes changed (chmod, touch, link count);
//   - a subdirectory created, moved in or made accessible again: it is watched, and it and every
//     directory below it are reported (files may have been written before the watch existed);
//   - a subdirectory deleted or moved out: its watches are dropped and it and its descendants
//     are reported (the receiver removes their configs);
//   - the Kubernetes ConfigMap swap (`..data` symlink replaced by rename) in D: D is reported,
//     plus every directory reached through D's symlinked entries (projected `a/b` items).
// Not subscribed: IN_MODIFY (fires per write(): floods the queue and wakes us for editor swap
// files; IN_CLOSE_WRITE marks the end of a write) and IN_ACCESS/IN_OPEN. A writer that keeps a
// file open while rewriting it is only seen by the periodic poll.
// Hidden directories (name starting with '.') are not watched: the engine ignores them (.git,
// editor state), and the kubelet's `..2024_01_01_...` data directories are reached through the
// `..data` symlink, whose swap is watched.
// Symlinks are tracked by what they resolve to: a symlink to a directory (`rel -> .releases/v1`)
// is watched through, its target's tree reported under the link's name (an inode reached under
// several names is reported under each); when the link is created, replaced (rename) or removed,
// the old target's watches are dropped and the new target is watched and reported. Links into
// the kubelet's `..TIMESTAMP` directories are the exception: those change only by the `..data`
// swap. A root that is itself a symlink is re-resolved when the link in its parent directory is
// replaced (that directory is watched for it) and every second besides (chains of links); a new
// target is watched in place of the old and reported as Trouble::kFailure, so the receiver
// rescans.
//
// Degraded mode: when a watch cannot be added for lack of watches (ENOSPC / ENOMEM from
// inotify_add_watch, i.e. fs.inotify.max_user_watches) or a root is missing, the watcher logs,
// counts, reports Trouble and sets degraded(); every retry_interval it walks the roots again and
// clears degraded() once every directory is watched. IN_Q_OVERFLOW is reported as kOverflow after
// the watch table has been re-synchronised with the disk.
//
// Thread-safety: see Watcher. All watch bookkeeping is confined to the watcher's thread after
// Start() returns. The destructor calls Stop().
class InotifyWatcher : public Watcher {
 public:
  struct Options {
    // While degraded: how often to retry adding the missing watches / finding missing roots.
    absl::Duration retry_interval = absl::Seconds(5);
    // Size of the buffer for one read() of the inotify fd.
    size_t read_buffer_bytes = 64u << 10;
    // Which file names are config files, for Callbacks::on_change's `settled` (ConfigBuilder::
    // IsConfigFile in hearthd). Null: every name not starting with '.'.
    std::function<bool(std::string_view file_name)> is_config_file;
    // A config file created and never closed (a hard link, a FIFO, a writer that died) stops
    // holding its directory unsettled after this long.
    absl::Duration max_write_time = absl::Seconds(10);
  };

  InotifyWatcher() : InotifyWatcher(Options()) {}
  explicit InotifyWatcher(Options options);
  ~InotifyWatcher() override;
  InotifyWatcher(const InotifyWatcher&) = delete;
  InotifyWatcher& operator=(const InotifyWatcher&) = delete;

  absl::Status Start(const std::vector<std::string>& roots, Callbacks callbacks) override;
  void Stop() override;
  bool degraded() const override { return degraded_.load(std::memory_order_acquire); }
  Stats stats() const override;

  // Makes the watcher thread behave as if the kernel had reported IN_Q_OVERFLOW (fs.inotify.
  // max_queued_events cannot be lowered by an unprivileged test).
  void InjectOverflowForTest();
  // From now on, adding a watch fails as with ENOSPC once `max_watches` watches exist.
  void SetWatchLimitForTest(size_t max_watches) { watch_limit_for_test_.store(max_watches); }

 private:
  // What one round of work produced, delivered through the callbacks at its end.
  struct Batch {
    std::vector<std::string> dirs;
    absl::flat_hash_set<std::string> seen_dirs;
    absl::flat_hash_set<std::string> completed;  // dirs where a file was completed (see settled)
    std::vector<std::pair<Trouble, std::string>> troubles;
    void Report(const std::string& dir);
    void ReportCompleted(const std::string& dir);
    void AddTrouble(Trouble trouble, std::string detail);
  };
  // Result of one inotify_add_watch.
  enum class AddResult { kAdded, kAlready, kGone, kLimit, kError };

  void Run();
  // Drains the inotify fd; sets *overflow on IN_Q_OVERFLOW. An error means the fd is unusable.
  absl::Status ReadEvents(Batch* batch, bool* overflow);
  // The watcher thread cannot go on: log, count, report kFailure, stay degraded.
  void Fail(const std::string& detail);
  void HandleEvent(int wd, uint32_t mask, const std::string& name, Batch* batch);
  // Tracks config files being written in `dir` (created, not yet closed) and marks the
  // directory completed in `batch` when `mask` finishes one.
  void TrackWrite(const std::string& dir, uint32_t mask, const std::string& name, Batch* batch);
  bool IsConfigFile(std::string_view name) const;
  void Deliver(Batch* batch);

  // Re-synchronises the watch table with the disk: watches every directory below the roots,
  // drops watches of directories that are gone. Reports new and vanished directories to `batch`
  // when `report`. Recomputes degraded().
  void Reconcile(bool report, Batch* batch);
  // Watches `dir` and every directory below it; appends each directory found to `found` and
  // each directory newly watched to `added`.
  void WatchTree(const std::string& dir, bool is_root, std::vector<std::string>* found,
                 std::vector<std::string>* added, Batch* batch);
  // `follow`: `dir` may be a symlink (a root, or a symlink to a directory): watch its target.
  AddResult AddWatch(const std::string& dir, bool follow, Batch* batch);
  // Drops the watches of `dir` and every directory below it, appending each to `removed`.
  void UnwatchTree(const std::string& dir, std::vector<std::string>* removed);
  void UnmapPath(const std::string& path, bool rm_watch);
  // The watch `wd` is gone (deleted, unmounted, moved away): forget its directories.
  void LoseWatch(int wd, const char* why, Batch* batch);
  void LoseRoot(const std::string& root, const char* why, Batch* batch);
  // `path` (an entry of a watched directory) was created, replaced, or removed: drops what it
  // led to, and if it is now a symlink to a directory, watches its target under `path` and
  // reports it all.
  void RewatchLink(const std::string& path, Batch* batch);
  // Reports every directory reachable from `dir` through symlinked entries (ConfigMap swaps).
  void ReportSymlinkedDirs(const std::string& dir, int depth, Batch* batch, bool completed);
  // For each root that is a symlink: remembers its target and watches the directory holding the
  // link, so that a re-pointed root (`ln -sfn v2 root`, rename) is seen at once.
  void WatchRootLinks();
  // Re-resolves a symlinked root; when its target changed, watches the new tree instead of the
  // old, reports both, and asks for a rescan (kFailure).
  void CheckRoot(const std::string& root, Batch* batch);
  void CheckRoots(Batch* batch);
  bool IsRoot(const std::string& path) const;
  void UpdateDegraded();
  void SyncWatchCount();

  const Options options_;  // Constant after construction.
  int inotify_fd_ = -1;
  int wake_fd_ = -1;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> inject_overflow_{false};
  std::atomic<size_t> watch_limit_for_test_{SIZE_MAX};
  std::atomic<bool> degraded_{false};
  bool started_ = false;

  // Set by Start(), then confined to the watcher thread.
  Callbacks callbacks_;
  std::vector<std::string> roots_;
  Batch start_batch_;  // troubles found by Start(), delivered by the thread
  std::vector<char> read_buffer_;
  std::map<std::string, int> path_to_wd_;
  absl::flat_hash_map<int, std::vector<std::string>> wd_paths_;
  std::set<std::string> missing_roots_;
  bool unwatched_dirs_ = false;  // a watch could not be added for lack of watches
  bool limit_logged_ = false;    // one error log per degraded episode
  absl::Time next_retry_ = absl::InfiniteFuture();
  std::map<std::string, std::string> root_real_;  // symlinked root -> its target's real path
  absl::flat_hash_map<int, std::vector<std::string>> link_roots_;  // wd of a link's directory
  absl::Time next_root_check_ = absl::InfiniteFuture();
  // Config files created and not yet closed: directory -> file name -> when created. Bounded by
  // kMaxTrackedWrites per directory and by Options::max_write_time.
  absl::flat_hash_map<std::string, absl::flat_hash_map<std::string, absl::Time>> writing_;

  mutable absl::Mutex stats_mu_;
  Stats stats_ ABSL_GUARDED_BY(stats_mu_);
};

}  // namespace hearth
