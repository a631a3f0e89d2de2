#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace hearth {

// The file-watching seam (STYLE.md #2, envoy's envoy/filesystem/watcher.h). A Watcher observes
// every directory below a set of roots and reports which DIRECTORIES changed, never which files
// (STYLE.md #5): the receiver re-reads the directory, so a file replaced by rename, a symlink
// swapped under it (the Kubernetes `..data` swap) or an editor's temp-file dance all look alike.
//
// When the watcher may have missed events (queue overflow, a watch it could not add, a root that
// vanished) it says so through on_trouble: the receiver must then rescan everything. While
// degraded() is true some directories are not watched at all and the receiver must poll.
//
// Thread-safety: Start() and Stop() are called from one owning thread. Callbacks run on the
// watcher's own thread, one at a time; they must be quick (hand real work to another thread) and
// must not call Start()/Stop() or destroy the watcher. stats() and degraded() are thread-safe.
class Watcher {
 public:
  enum class Trouble {
    kOverflow,    // the kernel dropped events (IN_Q_OVERFLOW)
    kWatchLimit,  // a directory could not be watched (ENOSPC / ENOMEM: max_user_watches)
    kFailure,     // anything else that lost events: a root vanished, a read error, no inotify
  };

  struct Callbacks {
    // Absolute directories whose entries (or the directory itself) changed, each at most once per
    // call. Directories that appeared are reported with every directory below them; directories
    // that vanished likewise (with the descendants that were being watched).
    //
    // `settled` is the subset of `dirs` where this batch completed a file (a config file closed
    // after writing or moved in, or the ConfigMap `..data` link swapped) and where no config
    // file is known to be still mid-write (created, not yet closed): reading such a directory
    // now sees whole files, so the receiver may rebuild at once instead of waiting for quiet.
    // Other changes (creations, deletions, renames away, attributes) may be one step of a longer
    // dance (an editor's save, a copy of several files) and are not settled.
    std::function<void(const std::vector<std::string>& dirs,
                       const std::vector<std::string>& settled)>
        on_change;
    // Events may have been lost: rescan everything. `detail` is meant for logs.
    std::function<void(Trouble trouble, const std::string& detail)> on_trouble;
  };

  struct Stats {
    uint64_t watches = 0;               // directories watched right now
    uint64_t events = 0;                // kernel events read (total)
    uint64_t changes_reported = 0;      // directories passed to on_change (total)
    uint64_t overflows = 0;             // IN_Q_OVERFLOW seen (total)
    uint64_t watch_limit_failures = 0;  // add-watch failures for lack of watches (total)
    uint64_t errors = 0;                // other failures: add-watch, read, lost roots (total)
    bool degraded = false;              // some directories are not watched: poll
    absl::Time last_event = absl::InfinitePast();  // when the last kernel event was read
  };

  virtual ~Watcher() = default;

  // Watches every directory below each of `roots` (paths are reported as root + "/" + relative
  // path, so pass roots the way the receiver names them). Returns once the directories present
  // now are watched: a change made after Start() returns is reported. Roots that do not exist
  // yet are not an error (degraded until they appear). Fails only when watching is impossible
  // (e.g. no inotify instance left); the caller then falls back to polling. Call at most once.
  virtual absl::Status Start(const std::vector<std::string>& roots, Callbacks callbacks) = 0;
  // Stops watching. On return no callback is running and none will run again. Idempotent.
  virtual void Stop() = 0;

  virtual bool degraded() const = 0;
  virtual Stats stats() const = 0;
};

using WatcherPtr = std::unique_ptr<Watcher>;

}  // namespace hearth
