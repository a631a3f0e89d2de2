#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace hearth {

// Owns a file descriptor; closes it on destruction. Move-only.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();

  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

// Opens `rel` (a relative, '/'-separated path) beneath the directory `root_fd` in one step: the
// resolution and the open are a single operation, so a symlink swapped in meanwhile cannot lead
// outside. `flags` are the final open flags (O_CLOEXEC | O_NOCTTY are always added; pass
// O_NONBLOCK for anything that must not block on a FIFO).
//
// Symlinks on the way are followed as long as they stay inside the root: relative ones (also
// through "..", never above the root), and absolute ones that point into `root_real` (the root's
// canonical path) or `root_given` (the path it was named by). Anything else is refused with
// FAILED_PRECONDITION, as are magic links (/proc/self/fd/N) and more than 40 symlinks.
// With `allow_external` every symlink is followed (the kernel's ordinary resolution).
//
// Uses openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) when the kernel has it; when openat2
// refuses (EXDEV: an absolute symlink or a ".." that may still be inside) or is missing (ENOSYS),
// an O_PATH | O_NOFOLLOW walk component by component decides.
//
// Errors are errno-shaped statuses (NOT_FOUND for ENOENT / ENOTDIR, PERMISSION_DENIED, ...) whose
// message names no path.
struct BeneathOptions {
  std::string root_real;
  std::string root_given;
  bool allow_external = false;
  bool use_openat2 = true;
};
absl::StatusOr<UniqueFd> OpenBeneath(int root_fd, std::string_view rel, int flags,
                                     const BeneathOptions& options);

// An errno as a status (NOT_FOUND for ENOENT / ENOTDIR, PERMISSION_DENIED for EACCES / EPERM,
// FAILED_PRECONDITION for ELOOP, INTERNAL otherwise) with message "what: strerror".
absl::Status ErrnoStatus(int err, std::string_view what);

}  // namespace hearth
