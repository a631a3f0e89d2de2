#include "server/rpc/unix_socket_claim.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace hearth::rpc {
namespace {

// sun_path holds 108 bytes including the terminating NUL.
constexpr size_t kMaxSocketPath = sizeof(sockaddr_un::sun_path) - 1;

std::string PathOf(std::string_view address) {
  std::string_view p = address;
  if (p.starts_with("unix:")) p.remove_prefix(5);
  if (p.starts_with("//")) p.remove_prefix(2);  // unix:///abs -> /abs
  return std::string(p);
}

// "dir/name" -> "dir/.name.<pid>-<n>.tmp" (same directory, so rename(2) stays on one
// filesystem; <n> tells apart several claims of one process).
std::string TempPathFor(const std::string& path) {
  static std::atomic<int> counter{0};
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  return absl::StrCat(dir, ".", base, ".", getpid(), "-", counter.fetch_add(1), ".tmp");
}

}  // namespace

UnixSocketClaim::UnixSocketClaim(std::string_view address)
    : path_(PathOf(address)), temp_path_(TempPathFor(path_)) {}

bool UnixSocketClaim::IsLive(const std::string& path) {
  if (path.size() > kMaxSocketPath) return false;
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  int rc;
  do {
    rc = connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr));
  } while (rc != 0 && errno == EINTR);
  const int err = rc == 0 ? 0 : errno;
  close(fd);
  // EAGAIN: the listener's backlog is full, so it is alive. Only "nobody listens" is stale.
  return err != ECONNREFUSED && err != ENOENT;
}

absl::Status UnixSocketClaim::CheckPath() const {
  struct stat st;
  if (lstat(path_.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return absl::FailedPreconditionError(
        absl::StrCat("cannot inspect unix socket path ", path_, ": ", std::strerror(errno)));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path_, " exists and is not a socket; refusing to replace it"));
  }
  if (IsLive(path_)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "unix socket ", path_, " is in use by another process (is another hearthd running?)"));
  }
  return absl::OkStatus();  // stale: nobody listens; Commit() replaces it
}

absl::StatusOr<std::string> UnixSocketClaim::Prepare() {
  if (path_.empty()) return absl::InvalidArgumentError("empty unix socket path");
  if (temp_path_.size() > kMaxSocketPath) {
    return absl::InvalidArgumentError(
        absl::StrCat("unix socket path ", path_, " is too long (",
                     kMaxSocketPath - (temp_path_.size() - path_.size()), " bytes at most)"));
  }
  if (absl::Status s = CheckPath(); !s.ok()) return s;
  unlink(temp_path_.c_str());  // a leftover of a crashed process with our pid; ours to reuse
  return absl::StrCat("unix:", temp_path_);
}

absl::Status UnixSocketClaim::Commit(mode_t mode) {
  if (absl::Status s = CheckPath(); !s.ok()) return s;
  if (mode != 0 && chmod(temp_path_.c_str(), mode) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot set the mode of unix socket ", path_, ": ", std::strerror(errno)));
  }
  if (rename(temp_path_.c_str(), path_.c_str()) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot move the socket into place at ", path_, ": ", std::strerror(errno)));
  }
  struct stat st;
  if (lstat(path_.c_str(), &st) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("unix socket ", path_, " vanished after bind: ", std::strerror(errno)));
  }
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  committed_ = true;
  return absl::OkStatus();
}

void UnixSocketClaim::Release() {
  if (released_) return;
  released_ = true;
  if (!committed_) {
    unlink(temp_path_.c_str());
    return;
  }
  struct stat st;
  if (lstat(path_.c_str(), &st) != 0) return;
  if (S_ISSOCK(st.st_mode) && st.st_dev == dev_ && st.st_ino == ino_) unlink(path_.c_str());
}

}  // namespace hearth::rpc
