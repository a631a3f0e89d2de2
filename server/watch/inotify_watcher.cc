#include "server/watch/inotify_watcher.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/core/model/absl_compat.h"
#include "spdlog/spdlog.h"

namespace hearth {
namespace {

// What a directory watch listens to; see the class comment for why IN_MODIFY is not here.
constexpr uint32_t kEventMask = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
                                IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
// Below a root: never follow a symlink, never watch a file that replaced the directory.
constexpr uint32_t kSubdirFlags = IN_ONLYDIR | IN_DONT_FOLLOW;
// A root itself may be a symlink (a mounted volume, /etc/hearth -> ...).
constexpr uint32_t kRootFlags = IN_ONLYDIR;
// What the directory holding a symlinked root is watched for: the link replaced or removed.
constexpr uint32_t kLinkMask =
    IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_ONLYDIR | IN_DONT_FOLLOW | IN_MASK_ADD;
// Config files tracked as mid-write per directory; past it the directory stays unsettled (its
// changes wait for quiet, as every change did before) until the entries age out.
constexpr size_t kMaxTrackedWrites = 256;
// How deep ReportSymlinkedDirs follows a ConfigMap's projected directories.
constexpr int kMaxSymlinkDepth = 8;
// How deep a tree is watched (the engine's own walk stops at the same depth).
constexpr int kMaxTreeDepth = 32;
// How often symlinked roots are re-resolved besides their link watch (a chain of links, or a
// link in a directory that cannot be watched).
constexpr absl::Duration kRootCheckInterval = absl::Seconds(1);

// Hidden directories are not configs (the engine skips them: .git, editor state), and the
// kubelet's `..TIMESTAMP` data directories are reached through `..data`, whose swap we see.
bool IsHiddenDir(std::string_view name) { return !name.empty() && name[0] == '.'; }

std::string JoinPath(const std::string& dir, std::string_view name) {
  if (dir == "/") return absl::StrCat("/", Sv(name));
  return absl::StrCat(dir, "/", Sv(name));
}

std::string BaseName(const std::string& path) { return path.substr(path.rfind('/') + 1); }

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string NormalizeRoot(std::string root) {
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  return root;
}

std::string ErrnoText(int err) { return std::error_code(err, std::generic_category()).message(); }

bool IsSymlink(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

bool IsSymlinkToDir(const std::string& path) {
  struct stat st;
  return IsSymlink(path) && stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// A ConfigMap's projected directory (`team -> ..data/team`): its target sits in the kubelet's
// immutable `..TIMESTAMP` data directory and changes only by the `..data` swap, which is watched
// (and reported through ReportSymlinkedDirs), so it is not watched itself.
bool IsKubeletLink(const std::string& path) {
  char buf[PATH_MAX];
  const ssize_t n = readlink(path.c_str(), buf, sizeof(buf));
  if (n <= 0) return false;
  const std::string_view target(buf, static_cast<size_t>(n));
  const std::string_view first = target.substr(0, target.find('/'));
  return first.size() > 2 && first.substr(0, 2) == "..";
}

std::string RealPathOrEmpty(const std::string& path) {
  char buf[PATH_MAX];
  return realpath(path.c_str(), buf) != nullptr ? std::string(buf) : std::string();
}

// Names of the subdirectories of `dir`, hidden ones skipped, with symlinks to directories
// (marked true: their targets are watched under the link's name). False if `dir` cannot be
// listed.
bool ListSubdirs(const std::string& dir, std::vector<std::pair<std::string, bool>>* names) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return false;
  while (const dirent* e = readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == ".." || IsHiddenDir(name)) continue;
    unsigned char type = e->d_type;
    struct stat st;
    if (type == DT_UNKNOWN && fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
      type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK : DT_UNKNOWN;
    }
    if (type == DT_DIR) {
      names->emplace_back(name, false);
    } else if (type == DT_LNK && fstatat(dirfd(d), e->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode) &&
               !IsKubeletLink(JoinPath(dir, name))) {
      names->emplace_back(name, true);
    }
  }
  closedir(d);
  return true;
}

}  // namespace

void InotifyWatcher::Batch::Report(const std::string& dir) {
  if (seen_dirs.insert(dir).second) dirs.push_back(dir);
}

void InotifyWatcher::Batch::ReportCompleted(const std::string& dir) {
  Report(dir);
  completed.insert(dir);
}

bool InotifyWatcher::IsConfigFile(std::string_view name) const {
  if (options_.is_config_file) return options_.is_config_file(name);
  return !name.empty() && name[0] != '.';
}

void InotifyWatcher::TrackWrite(const std::string& dir, uint32_t mask, const std::string& name,
                                Batch* batch) {
  if (name.empty() || (mask & IN_ISDIR) || !IsConfigFile(name)) return;
  if (mask & IN_CREATE) {
    auto& files = writing_[dir];
    if (files.size() < kMaxTrackedWrites || files.count(name) > 0) {
      files[name] = absl::Now();
    } else {
      files[""] = absl::Now();  // too many: a marker that keeps the directory unsettled
    }
    return;
  }
  if (mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM)) {
    if (auto it = writing_.find(dir); it != writing_.end()) {
      it->second.erase(name);
      if (it->second.empty()) writing_.erase(it);
    }
  }
  // A file written and closed, or moved in whole (an atomic save's rename): complete.
  if (mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) batch->completed.insert(dir);
}

void InotifyWatcher::Batch::AddTrouble(Trouble trouble, std::string detail) {
  for (const auto& t : troubles) {
    if (t.first == trouble) return;  // one of each kind per batch is enough to trigger a rescan
  }
  troubles.emplace_back(trouble, std::move(detail));
}

InotifyWatcher::InotifyWatcher(Options options) : options_(std::move(options)) {}

InotifyWatcher::~InotifyWatcher() { Stop(); }

absl::Status InotifyWatcher::Start(const std::vector<std::string>& roots, Callbacks callbacks) {
  if (started_) return absl::FailedPreconditionError("InotifyWatcher::Start called twice");
  started_ = true;
  callbacks_ = std::move(callbacks);
  for (const std::string& root : roots) roots_.push_back(NormalizeRoot(root));

  inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  const int init_errno = errno;
  if (inotify_fd_ >= 0) wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (inotify_fd_ < 0 || wake_fd_ < 0) {
    const int err = inotify_fd_ < 0 ? init_errno : errno;
    if (inotify_fd_ >= 0) close(inotify_fd_);
    inotify_fd_ = -1;
    degraded_.store(true);
    {
      absl::MutexLock lock(&stats_mu_);
      ++stats_.errors;
    }
    spdlog::error("inotify unavailable ({}): falling back to polling", ErrnoText(err));
    return absl::UnavailableError(absl::StrCat("inotify_init1: ", ErrnoText(err)));
  }
  read_buffer_.resize(std::max(options_.read_buffer_bytes, sizeof(inotify_event) + NAME_MAX + 1));
  WatchRootLinks();
  Reconcile(/*report=*/false, &start_batch_);
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

void InotifyWatcher::Stop() {
  if (thread_.joinable()) {
    stopping_.store(true);
    const uint64_t one = 1;
    const ssize_t n = write(wake_fd_, &one, sizeof(one));
    (void)n;  // the eventfd cannot be full; the thread also checks stopping_ on every wake-up
    thread_.join();
  }
  if (inotify_fd_ >= 0) close(inotify_fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
  inotify_fd_ = wake_fd_ = -1;
}

Watcher::Stats InotifyWatcher::stats() const {
  absl::MutexLock lock(&stats_mu_);
  Stats s = stats_;
  s.degraded = degraded();
  return s;
}

void InotifyWatcher::InjectOverflowForTest() {
  inject_overflow_.store(true);
  const uint64_t one = 1;
  const ssize_t n = write(wake_fd_, &one, sizeof(one));
  (void)n;
}

void InotifyWatcher::Run() {
  Deliver(&start_batch_);
  while (!stopping_.load()) {
    int timeout_ms = -1;
    const absl::Time wake_at =
        std::min(degraded() ? next_retry_ : absl::InfiniteFuture(), next_root_check_);
    if (wake_at != absl::InfiniteFuture()) {
      const int64_t left = absl::ToInt64Milliseconds(wake_at - absl::Now()) + 1;
      timeout_ms = static_cast<int>(std::clamp<int64_t>(left, 0, INT_MAX));
    }
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    if (poll(fds, 2, timeout_ms) < 0) {
      if (errno == EINTR) continue;
      return Fail(absl::StrCat("poll on inotify fd: ", ErrnoText(errno)));
    }
    if (stopping_.load()) break;

    Batch batch;
    if (fds[1].revents & POLLIN) {
      uint64_t value;
      const ssize_t n = read(wake_fd_, &value, sizeof(value));
      (void)n;
    }
    bool overflow = inject_overflow_.exchange(false);
    if (fds[0].revents & POLLIN) {
      const absl::Status read = ReadEvents(&batch, &overflow);
      if (!read.ok()) {
        Deliver(&batch);
        return Fail(std::string(read.message()));
      }
    }
    if (overflow) {
      {
        absl::MutexLock lock(&stats_mu_);
        ++stats_.overflows;
      }
      spdlog::warn("inotify event queue overflowed: events were lost, rescanning every root");
      Reconcile(/*report=*/false, &batch);
      batch.AddTrouble(Trouble::kOverflow, "inotify event queue overflowed");
    }
    if (absl::Now() >= next_root_check_) CheckRoots(&batch);
    if (degraded() && absl::Now() >= next_retry_) {
      next_retry_ = absl::InfiniteFuture();
      Reconcile(/*report=*/true, &batch);
      if (!degraded()) spdlog::info("inotify watcher recovered: every directory is watched again");
    }
    Deliver(&batch);
  }
}

void InotifyWatcher::Fail(const std::string& detail) {
  spdlog::error("{}: the inotify watcher stops, falling back to polling", detail);
  degraded_.store(true);  // for good: nothing clears it once the thread is gone
  {
    absl::MutexLock lock(&stats_mu_);
    ++stats_.errors;
  }
  Batch batch;
  batch.AddTrouble(Trouble::kFailure, detail);
  Deliver(&batch);
}

absl::Status InotifyWatcher::ReadEvents(Batch* batch, bool* overflow) {
  uint64_t events = 0;
  absl::Status status;
  while (true) {
    const ssize_t n = read(inotify_fd_, read_buffer_.data(), read_buffer_.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      status = absl::InternalError(absl::StrCat("read of inotify fd: ", ErrnoText(errno)));
      break;
    }
    if (n == 0) break;
    const char* p = read_buffer_.data();
    const char* const end = p + n;
    while (p + sizeof(inotify_event) <= end) {
      inotify_event event;
      std::memcpy(&event, p, sizeof(event));
      const char* name_start = p + sizeof(inotify_event);
      const size_t name_len = std::min<size_t>(event.len, end - name_start);
      const std::string name(name_start, strnlen(name_start, name_len));
      p = name_start + event.len;
      ++events;
      if (event.mask & IN_Q_OVERFLOW) {
        *overflow = true;
        continue;
      }
      HandleEvent(event.wd, event.mask, name, batch);
    }
  }
  if (events > 0) {
    absl::MutexLock lock(&stats_mu_);
    stats_.events += events;
    stats_.last_event = absl::Now();
  }
  return status;
}

void InotifyWatcher::HandleEvent(int wd, uint32_t mask, const std::string& name, Batch* batch) {
  if (const auto link = link_roots_.find(wd); link != link_roots_.end()) {
    if (mask & IN_IGNORED) {
      link_roots_.erase(link);  // the directory holding the link is gone; the periodic check stays
    } else {
      const std::vector<std::string> roots = link->second;
      for (const std::string& root : roots) {
        if (name == BaseName(root)) CheckRoot(root, batch);
      }
    }
  }
  const auto it = wd_paths_.find(wd);
  if (it == wd_paths_.end()) return;  // a watch already dropped (its IN_IGNORED, a late event)
  if (mask & IN_IGNORED) return LoseWatch(wd, "lost its watch", batch);
  if (mask & IN_UNMOUNT) return LoseWatch(wd, "was unmounted", batch);
  if (mask & IN_DELETE_SELF) return LoseWatch(wd, "was deleted", batch);
  if (mask & IN_MOVE_SELF) {
    // A subdirectory's move was handled through its parent's IN_MOVED_FROM / IN_MOVED_TO; a root
    // has no watched parent.
    const std::vector<std::string> paths = it->second;
    for (const std::string& path : paths) {
      if (IsRoot(path)) LoseRoot(path, "was moved away", batch);
    }
    return;
  }
  const std::vector<std::string> dirs = it->second;  // a copy: the handlers edit the table
  for (const std::string& dir : dirs) {
    if (name.empty() || !(mask & IN_ISDIR)) {
      // An entry of `dir` (or `dir` itself) changed.
      batch->Report(dir);
      TrackWrite(dir, mask, name, batch);
      if ((mask & (IN_MOVED_TO | IN_CREATE)) && name == "..data") {
        // The kubelet's swap: one rename that re-points every projected dir at once, complete.
        batch->ReportCompleted(dir);
        ReportSymlinkedDirs(dir, 0, batch, /*completed=*/true);
      } else if (!name.empty() && !IsHiddenDir(name) &&
                 (mask & (IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM))) {
        RewatchLink(JoinPath(dir, name), batch);  // perhaps a symlink to a directory
      }
      continue;
    }
    if (IsHiddenDir(name)) continue;
    const std::string child = JoinPath(dir, name);
    if (mask & (IN_DELETE | IN_MOVED_FROM)) {
      std::vector<std::string> removed;
      UnwatchTree(child, &removed);
      batch->Report(child);
      for (const std::string& r : removed) batch->Report(r);
    } else if ((mask & IN_ATTRIB) && path_to_wd_.count(child) > 0) {
      batch->Report(child);  // chmod / touch of a watched subdirectory
    } else if (mask & (IN_CREATE | IN_MOVED_TO | IN_ATTRIB)) {
      // New, or perhaps readable again: watch it, then report all of it, since its files may
      // have been written before the watch existed.
      std::vector<std::string> found, added;
      WatchTree(child, /*is_root=*/false, &found, &added, batch);
      for (const std::string& f : found) batch->Report(f);
    }
  }
}

void InotifyWatcher::Deliver(Batch* batch) {
  if (!batch->dirs.empty()) {
    {
      absl::MutexLock lock(&stats_mu_);
      stats_.changes_reported += batch->dirs.size();
    }
    std::vector<std::string> settled;
    if (!batch->completed.empty()) {
      const absl::Time stale = absl::Now() - options_.max_write_time;
      for (auto it = writing_.begin(); it != writing_.end();) {
        absl::erase_if(it->second, [&](const auto& file) { return file.second < stale; });
        if (it->second.empty()) {
          writing_.erase(it++);
        } else {
          ++it;
        }
      }
      for (const std::string& dir : batch->dirs) {
        if (batch->completed.count(dir) > 0 && writing_.count(dir) == 0) settled.push_back(dir);
      }
    }
    if (callbacks_.on_change) callbacks_.on_change(batch->dirs, settled);
  }
  for (const auto& [trouble, detail] : batch->troubles) {
    if (callbacks_.on_trouble) callbacks_.on_trouble(trouble, detail);
  }
  batch->dirs.clear();
  batch->seen_dirs.clear();
  batch->completed.clear();
  batch->troubles.clear();
}

void InotifyWatcher::Reconcile(bool report, Batch* batch) {
  unwatched_dirs_ = false;  // AddWatch sets it again if the limit is still in the way
  std::vector<std::string> found, added;
  for (const std::string& root : roots_) {
    const size_t before = found.size();
    WatchTree(root, /*is_root=*/true, &found, &added, batch);
    const bool present = found.size() > before && found[before] == root;
    if (present) {
      if (missing_roots_.erase(root) > 0) spdlog::info("watch root {} is back", root);
    } else if (missing_roots_.insert(root).second) {
      spdlog::warn("watch root {} is missing or not a directory: polling until it appears", root);
      {
        absl::MutexLock lock(&stats_mu_);
        ++stats_.errors;
      }
      batch->AddTrouble(Trouble::kFailure, absl::StrCat("watch root ", root, " is missing"));
    }
  }
  const absl::flat_hash_set<std::string> found_set(found.begin(), found.end());
  std::vector<std::string> stale;
  for (const auto& [path, wd] : path_to_wd_) {
    if (!found_set.contains(path)) stale.push_back(path);
  }
  for (const std::string& path : stale) UnmapPath(path, /*rm_watch=*/true);
  if (report) {
    for (const std::string& dir : added) batch->Report(dir);
    for (const std::string& dir : stale) batch->Report(dir);
  }
  UpdateDegraded();
}

void InotifyWatcher::WatchTree(const std::string& dir, bool is_root,
                               std::vector<std::string>* found, std::vector<std::string>* added,
                               Batch* batch) {
  // Depth-first with an explicit stack. Each directory is watched BEFORE it is listed, so a
  // subdirectory created meanwhile is either listed here or announced by an event. A symlink to
  // a directory is followed: its target is watched under the link's name (one inode may then be
  // watched under several names; events are reported under each). A link back to a directory
  // already on the path (a loop) is not.
  struct Pending {
    std::string path;
    bool follow;  // the path itself may be a symlink: watch its target
    int depth;
    std::vector<int> wds;  // of the directories above, against symlink loops
  };
  std::vector<Pending> stack;
  stack.push_back({dir, is_root || IsSymlink(dir), 0, {}});
  while (!stack.empty()) {
    Pending cur = std::move(stack.back());
    stack.pop_back();
    const AddResult result = AddWatch(cur.path, cur.follow, batch);
    if (result == AddResult::kGone) continue;
    const auto mapped = path_to_wd_.find(cur.path);
    if (mapped != path_to_wd_.end()) {
      if (std::find(cur.wds.begin(), cur.wds.end(), mapped->second) != cur.wds.end()) {
        UnmapPath(cur.path, /*rm_watch=*/false);  // a loop: the inode is watched above already
        continue;
      }
      cur.wds.push_back(mapped->second);
    }
    if (result == AddResult::kAdded) added->push_back(cur.path);
    found->push_back(cur.path);
    if (cur.depth >= kMaxTreeDepth) continue;
    std::vector<std::pair<std::string, bool>> names;
    if (!ListSubdirs(cur.path, &names)) continue;
    for (const auto& [name, is_link] : names) {
      stack.push_back({JoinPath(cur.path, name), is_link, cur.depth + 1, cur.wds});
    }
  }
}

InotifyWatcher::AddResult InotifyWatcher::AddWatch(const std::string& dir, bool follow,
                                                   Batch* batch) {
  const auto mapped = path_to_wd_.find(dir);
  int wd = -1;
  int err = ENOSPC;
  if (mapped != path_to_wd_.end() || wd_paths_.size() < watch_limit_for_test_.load()) {
    wd = inotify_add_watch(inotify_fd_, dir.c_str(),
                           kEventMask | (follow ? kRootFlags : kSubdirFlags));
    err = errno;
  }
  if (wd < 0) {
    if (err == ENOENT || err == ENOTDIR) return AddResult::kGone;  // raced with a delete
    if (err == ENOSPC || err == ENOMEM) {
      unwatched_dirs_ = true;
      {
        absl::MutexLock lock(&stats_mu_);
        ++stats_.watch_limit_failures;
      }
      if (!limit_logged_) {
        limit_logged_ = true;
        spdlog::error(
            "cannot watch {}: {} (raise fs.inotify.max_user_watches); polling until every "
            "directory is watched",
            dir, ErrnoText(err));
      }
      batch->AddTrouble(Trouble::kWatchLimit, absl::StrCat("no inotify watch left for ", dir));
      UpdateDegraded();
      return AddResult::kLimit;
    }
    {
      absl::MutexLock lock(&stats_mu_);
      ++stats_.errors;
    }
    spdlog::warn("cannot watch {}: {}", dir, ErrnoText(err));
    return AddResult::kError;
  }
  if (mapped != path_to_wd_.end()) {
    if (mapped->second == wd) return AddResult::kAlready;
    UnmapPath(dir, /*rm_watch=*/true);  // another directory now has this name
  }
  path_to_wd_[dir] = wd;
  std::vector<std::string>& paths = wd_paths_[wd];
  if (std::find(paths.begin(), paths.end(), dir) == paths.end()) paths.push_back(dir);
  SyncWatchCount();
  return AddResult::kAdded;
}

void InotifyWatcher::UnwatchTree(const std::string& dir, std::vector<std::string>* removed) {
  std::vector<std::string> paths;
  if (path_to_wd_.count(dir) > 0) paths.push_back(dir);
  // Descendants sort contiguously after dir + "/" (but not after dir itself: "a b" < "a/").
  const std::string prefix = dir == "/" ? dir : dir + "/";
  for (auto it = path_to_wd_.lower_bound(prefix);
       it != path_to_wd_.end() && absl::StartsWith(it->first, prefix); ++it) {
    if (it->first != dir) paths.push_back(it->first);
  }
  for (const std::string& path : paths) {
    UnmapPath(path, /*rm_watch=*/true);
    removed->push_back(path);
  }
}

void InotifyWatcher::UnmapPath(const std::string& path, bool rm_watch) {
  const auto it = path_to_wd_.find(path);
  if (it == path_to_wd_.end()) return;
  const int wd = it->second;
  path_to_wd_.erase(it);
  const auto wit = wd_paths_.find(wd);
  if (wit != wd_paths_.end()) {
    std::vector<std::string>& paths = wit->second;
    paths.erase(std::remove(paths.begin(), paths.end(), path), paths.end());
    if (paths.empty()) {
      // EINVAL when the kernel already dropped it (deleted directory): nothing to do then. A
      // watch that also serves a symlinked root's link stays.
      if (rm_watch && link_roots_.count(wd) == 0) inotify_rm_watch(inotify_fd_, wd);
      wd_paths_.erase(wit);
    }
  }
  SyncWatchCount();
}

void InotifyWatcher::LoseWatch(int wd, const char* why, Batch* batch) {
  const auto it = wd_paths_.find(wd);
  if (it == wd_paths_.end()) return;
  const std::vector<std::string> paths = it->second;
  for (const std::string& path : paths) {
    if (IsRoot(path)) {
      LoseRoot(path, why, batch);
      continue;
    }
    std::vector<std::string> removed;
    UnwatchTree(path, &removed);
    batch->Report(path);
    for (const std::string& r : removed) batch->Report(r);
  }
}

void InotifyWatcher::LoseRoot(const std::string& root, const char* why, Batch* batch) {
  std::vector<std::string> removed;
  UnwatchTree(root, &removed);
  batch->Report(root);
  for (const std::string& r : removed) batch->Report(r);
  if (missing_roots_.insert(root).second) {
    spdlog::warn("watch root {} {}: polling until it is back", root, why);
    {
      absl::MutexLock lock(&stats_mu_);
      ++stats_.errors;
    }
    batch->AddTrouble(Trouble::kFailure, absl::StrCat("watch root ", root, " ", why));
  }
  UpdateDegraded();
}

void InotifyWatcher::RewatchLink(const std::string& path, Batch* batch) {
  std::vector<std::string> removed;
  UnwatchTree(path, &removed);  // whatever it led to before (nothing if it was a plain file)
  for (const std::string& r : removed) batch->Report(r);
  if (!IsSymlinkToDir(path) || IsKubeletLink(path)) return;
  std::vector<std::string> found, added;
  WatchTree(path, /*is_root=*/false, &found, &added, batch);
  for (const std::string& f : found) batch->Report(f);
}

void InotifyWatcher::ReportSymlinkedDirs(const std::string& dir, int depth, Batch* batch,
                                         bool completed) {
  if (depth > kMaxSymlinkDepth) return;
  std::vector<std::string> children;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return;
  while (const dirent* e = readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == ".." || IsHiddenDir(name)) continue;
    // At the top only symlinks matter: real subdirectories are watched themselves.
    if (depth == 0 && e->d_type != DT_LNK && e->d_type != DT_UNKNOWN) continue;
    struct stat lst, st;
    if (depth == 0 &&
        (fstatat(dirfd(d), e->d_name, &lst, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISLNK(lst.st_mode))) {
      continue;
    }
    if (fstatat(dirfd(d), e->d_name, &st, 0) != 0 || !S_ISDIR(st.st_mode)) continue;
    children.push_back(JoinPath(dir, name));
  }
  closedir(d);
  for (const std::string& child : children) {
    if (completed) {
      batch->ReportCompleted(child);
    } else {
      batch->Report(child);
    }
    ReportSymlinkedDirs(child, depth + 1, batch, completed);
  }
}

void InotifyWatcher::WatchRootLinks() {
  for (const std::string& root : roots_) {
    if (!IsSymlink(root) || root_real_.count(root) > 0) continue;
    root_real_[root] = RealPathOrEmpty(root);
    const std::string parent = DirName(root);
    const int wd = inotify_add_watch(inotify_fd_, parent.c_str(), kLinkMask);
    if (wd < 0) {
      spdlog::warn("cannot watch {} for a re-pointed root symlink: {} (checked every {})", parent,
                   ErrnoText(errno), absl::FormatDuration(kRootCheckInterval));
      continue;
    }
    std::vector<std::string>& roots = link_roots_[wd];
    if (std::find(roots.begin(), roots.end(), root) == roots.end()) roots.push_back(root);
  }
  if (!root_real_.empty()) next_root_check_ = absl::Now() + kRootCheckInterval;
}

void InotifyWatcher::CheckRoot(const std::string& root, Batch* batch) {
  const auto known = root_real_.find(root);
  if (known == root_real_.end()) return;
  const std::string real = RealPathOrEmpty(root);
  if (real == known->second) return;
  known->second = real;
  spdlog::info("watch root {} now resolves to {}: watching the new tree", root,
               real.empty() ? "nothing" : real);
  std::vector<std::string> removed;
  UnwatchTree(root, &removed);
  for (const std::string& r : removed) batch->Report(r);
  std::vector<std::string> found, added;
  if (!real.empty()) WatchTree(root, /*is_root=*/true, &found, &added, batch);
  for (const std::string& f : found) batch->Report(f);
  if (!found.empty() && found.front() == root) {
    if (missing_roots_.erase(root) > 0) spdlog::info("watch root {} is back", root);
  } else {
    missing_roots_.insert(root);
  }
  UpdateDegraded();
  // Every config of the root may have changed: the receiver rescans.
  batch->AddTrouble(Trouble::kFailure, absl::StrCat("watch root ", root, " was re-pointed"));
}

void InotifyWatcher::CheckRoots(Batch* batch) {
  for (const std::string& root : roots_) CheckRoot(root, batch);
  next_root_check_ = root_real_.empty() ? absl::InfiniteFuture() : absl::Now() + kRootCheckInterval;
}

bool InotifyWatcher::IsRoot(const std::string& path) const {
  return std::find(roots_.begin(), roots_.end(), path) != roots_.end();
}

void InotifyWatcher::UpdateDegraded() {
  const bool degraded = !missing_roots_.empty() || unwatched_dirs_;
  if (degraded && next_retry_ == absl::InfiniteFuture()) {
    next_retry_ = absl::Now() + options_.retry_interval;
  }
  if (!degraded) {
    next_retry_ = absl::InfiniteFuture();
    limit_logged_ = false;
  }
  degraded_.store(degraded, std::memory_order_release);
}

void InotifyWatcher::SyncWatchCount() {
  absl::MutexLock lock(&stats_mu_);
  stats_.watches = wd_paths_.size();
}

}  // namespace hearth
