#include "server/core/source/open_beneath.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <deque>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/core/model/absl_compat.h"

namespace hearth {
namespace {

// Linux's own limit (MAXSYMLINKS).
constexpr int kMaxSymlinks = 40;
// Set once the kernel said it has no openat2 (ENOSYS): no point asking again.
std::atomic<bool> no_openat2{false};

int NoCtty(int flags) { return (flags & O_PATH) != 0 ? 0 : O_NOCTTY; }

absl::Status Outside() {
  return absl::FailedPreconditionError(
      "symlink resolves outside the root; refused (see --allow-external-symlinks)");
}

// Pushes the components of `path` in front of `todo`, in order.
void PushFront(std::string_view path, std::deque<std::string>* todo) {
  std::vector<std::string> parts = absl::StrSplit(Sv(path), '/', absl::SkipEmpty());
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) todo->push_front(std::move(*it));
}

// `path` below `base` (with a '/' boundary): the rest, or nullopt.
std::optional<std::string_view> StripPrefix(std::string_view path, std::string_view base) {
  while (base.size() > 1 && base.back() == '/') base.remove_suffix(1);
  if (base.empty() || path.substr(0, base.size()) != base) return std::nullopt;
  if (path.size() == base.size()) return std::string_view();
  if (base == "/") return path.substr(1);
  if (path[base.size()] != '/') return std::nullopt;
  return path.substr(base.size() + 1);
}

std::string RealPathOfFd(int fd) {
  char link[64];
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  char buf[PATH_MAX];
  ssize_t n = readlink(link, buf, sizeof(buf) - 1);
  if (n <= 0) return "";
  return std::string(buf, static_cast<size_t>(n));
}

// The userland resolver: one O_PATH | O_NOFOLLOW open per component, so no symlink is ever
// followed by the kernel; each one is read and resolved here, within the root.
absl::StatusOr<UniqueFd> Walk(int root_fd, std::string_view rel, int flags,
                              const BeneathOptions& options) {
  std::deque<std::string> todo;
  PushFront(rel, &todo);
  std::vector<UniqueFd> dirs;  // the directories below the root we are in (physical path)
  std::string root_real = options.root_real;
  int links = 0;
  auto current = [&] { return dirs.empty() ? root_fd : dirs.back().get(); };
  while (!todo.empty()) {
    std::string name = std::move(todo.front());
    todo.pop_front();
    if (name == ".") continue;
    if (name == "..") {
      if (dirs.empty()) return Outside();
      dirs.pop_back();
      continue;
    }
    const bool last = todo.empty();
    UniqueFd fd(openat(current(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (fd.get() < 0) return ErrnoStatus(errno, "cannot open");
    struct stat st;
    if (fstat(fd.get(), &st) != 0) return ErrnoStatus(errno, "cannot stat");
    if (S_ISLNK(st.st_mode)) {
      if (++links > kMaxSymlinks) return ErrnoStatus(ELOOP, "cannot open");
      char buf[PATH_MAX];
      ssize_t n = readlinkat(fd.get(), "", buf, sizeof(buf));
      if (n < 0) return ErrnoStatus(errno, "cannot read symlink");
      if (n == 0 || static_cast<size_t>(n) >= sizeof(buf))
        return ErrnoStatus(ENOENT, "cannot open");
      std::string_view target(buf, static_cast<size_t>(n));
      if (target[0] == '/') {
        if (root_real.empty()) root_real = RealPathOfFd(root_fd);
        std::optional<std::string_view> rest = StripPrefix(target, root_real);
        if (!rest) rest = StripPrefix(target, options.root_given);
        if (!rest) return Outside();
        dirs.clear();  // start again at the root
        PushFront(*rest, &todo);
      } else {
        PushFront(target, &todo);
      }
      continue;
    }
    if (!last) {
      if (!S_ISDIR(st.st_mode)) return ErrnoStatus(ENOTDIR, "cannot open");
      dirs.push_back(std::move(fd));
      continue;
    }
    if ((flags & O_PATH) != 0) return fd;
    UniqueFd final_fd(openat(current(), name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
    if (final_fd.get() >= 0) return final_fd;
    if (errno != ELOOP) return ErrnoStatus(errno, "cannot open");
    // Replaced by a symlink since the O_PATH open: resolve it again (bounded like any link).
    if (++links > kMaxSymlinks) return ErrnoStatus(ELOOP, "cannot open");
    todo.push_front(std::move(name));
  }
  // The path ended at a directory ("" / "." / "a/..").
  UniqueFd fd(openat(current(), ".", flags | O_CLOEXEC | NoCtty(flags)));
  if (fd.get() < 0) return ErrnoStatus(errno, "cannot open");
  return fd;
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.release();
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) close(fd_);
}

absl::Status ErrnoStatus(int err, std::string_view what) {
  std::string msg = absl::StrCat(Sv(what), ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(msg);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(msg);
    case ELOOP:
      return absl::FailedPreconditionError(msg);
    default:
      return absl::InternalError(msg);
  }
}

absl::StatusOr<UniqueFd> OpenBeneath(int root_fd, std::string_view rel, int flags,
                                     const BeneathOptions& options) {
  // openat2 refuses O_PATH with anything but O_CLOEXEC / O_DIRECTORY / O_NOFOLLOW.
  if ((flags & O_PATH) != 0) flags &= O_PATH | O_DIRECTORY;
  const std::string path = rel.empty() ? std::string(".") : std::string(rel);
  if (options.allow_external) {
    // The kernel's ordinary resolution; still only what the flags allow (O_NONBLOCK etc.).
    UniqueFd fd(openat(root_fd, path.c_str(), flags | O_CLOEXEC | NoCtty(flags)));
    if (fd.get() < 0) return ErrnoStatus(errno, "cannot open");
    return fd;
  }
  if (options.use_openat2 && !no_openat2.load(std::memory_order_relaxed)) {
    open_how how;
    std::memset(&how, 0, sizeof(how));
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC | NoCtty(flags));
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
    int err = 0;
    for (int attempt = 0; attempt < 3; ++attempt) {
      const long fd = syscall(SYS_openat2, root_fd, path.c_str(), &how, sizeof(how));
      if (fd >= 0) return UniqueFd(static_cast<int>(fd));
      err = errno;
      if (err != EAGAIN && err != EINTR) break;  // EAGAIN: a rename raced a ".." check
    }
    if (err == ENOSYS) {
      no_openat2.store(true, std::memory_order_relaxed);
    } else if (err != EXDEV && err != ELOOP && err != EAGAIN && err != EINTR) {
      return ErrnoStatus(err, "cannot open");
    }
    // EXDEV: an absolute symlink or a ".." on the way, which may still stay inside the root;
    // ELOOP: a magic link or a long chain. The walk decides.
  }
  return Walk(root_fd, rel, flags, options);
}

}  // namespace hearth
