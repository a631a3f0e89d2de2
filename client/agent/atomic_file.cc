#include "client/agent/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace hearth_agent {
namespace {

// "<what> <path>: <strerror>", with the code errno maps to (ENOENT is NOT_FOUND, EACCES is
// PERMISSION_DENIED, ...).
absl::Status ErrnoError(int error_number, std::string_view what, const std::string& path) {
  return absl::ErrnoToStatus(error_number, absl::StrCat(std::string(what), " ", path));
}

// The directory part of `path` ("." when it has none, "/" for a file in the root).
std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::Status WriteAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "cannot write", path);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

// Everything after mkstemp: contents, owner, mode, fsync. Owner goes first because chown(2) may
// clear the set-id bits that fchmod sets.
absl::Status FillStaged(int fd, const std::string& path, std::string_view bytes, mode_t mode,
                        std::optional<uid_t> uid, std::optional<gid_t> gid) {
  if (absl::Status s = WriteAll(fd, bytes, path); !s.ok()) return s;
  if (uid.has_value() || gid.has_value()) {
    if (fchown(fd, uid.value_or(static_cast<uid_t>(-1)), gid.value_or(static_cast<gid_t>(-1))) !=
        0) {
      return ErrnoError(errno, "cannot chown", path);
    }
  }
  if (fchmod(fd, mode & 07777) != 0) return ErrnoError(errno, "cannot chmod", path);
  if (fsync(fd) != 0) return ErrnoError(errno, "cannot fsync", path);
  return absl::OkStatus();
}

}  // namespace

StagedFile::StagedFile(std::string path, std::string destination)
    : path_(std::move(path)), destination_(std::move(destination)), committed_(false) {}

StagedFile::StagedFile(StagedFile&& other) noexcept
    : path_(std::move(other.path_)),
      destination_(std::move(other.destination_)),
      committed_(std::exchange(other.committed_, true)) {}

StagedFile& StagedFile::operator=(StagedFile&& other) noexcept {
  if (this != &other) {
    if (!committed_) unlink(path_.c_str());
    path_ = std::move(other.path_);
    destination_ = std::move(other.destination_);
    committed_ = std::exchange(other.committed_, true);
  }
  return *this;
}

StagedFile::~StagedFile() {
  if (!committed_) unlink(path_.c_str());
}

absl::StatusOr<StagedFile> StagedFile::Create(const std::string& destination,
                                              std::string_view bytes, mode_t mode,
                                              std::optional<uid_t> uid, std::optional<gid_t> gid) {
  if (destination.empty() || destination.back() == '/' ||
      destination.find('\0') != std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot stage ", destination.empty() ? "an empty path" : destination, ": not a file path"));
  }
  const size_t slash = destination.rfind('/');
  const std::string base = slash == std::string::npos ? destination : destination.substr(slash + 1);
  const std::string dir = DirectoryOf(destination);
  std::string name = absl::StrCat(dir == "/" ? "" : dir, "/.", base, ".hearth-XXXXXX");
  std::vector<char> buffer(name.begin(), name.end());
  buffer.push_back('\0');
  const int fd = mkostemp(buffer.data(), O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, "cannot create a temporary file beside", destination);
  // From here on the StagedFile owns the temp file: an early return unlinks it.
  StagedFile staged(std::string(buffer.data()), destination);
  absl::Status status = FillStaged(fd, staged.path_, bytes, mode, uid, gid);
  if (close(fd) != 0 && status.ok()) status = ErrnoError(errno, "cannot close", staged.path_);
  if (!status.ok()) return status;
  return staged;
}

absl::Status StagedFile::Commit() {
  if (committed_) {
    return absl::FailedPreconditionError(
        absl::StrCat("staged file for ", destination_, " is already committed"));
  }
  if (rename(path_.c_str(), destination_.c_str()) != 0) {
    return ErrnoError(errno, absl::StrCat("cannot rename ", path_, " to"), destination_);
  }
  committed_ = true;
  // The rename is durable only once the directory entry is: fsync the directory.
  const std::string dir = DirectoryOf(destination_);
  const int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return ErrnoError(errno, "cannot open directory", dir);
  absl::Status status;
  if (fsync(dir_fd) != 0) status = ErrnoError(errno, "cannot fsync directory", dir);
  close(dir_fd);
  return status;
}

bool FileHolds(const std::string& path, std::string_view bytes) {
  // stat (not lstat): the destination may be an operator's symlink; what counts is its target.
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
      static_cast<uint64_t>(st.st_size) != bytes.size()) {
    return false;
  }
  // O_NONBLOCK: should a FIFO be swapped in after the stat, open must not wait for a writer.
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  bool same = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
              static_cast<uint64_t>(st.st_size) == bytes.size();
  char buffer[64 * 1024];
  size_t offset = 0;
  while (same) {
    const ssize_t n = read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      same = false;
    } else if (n == 0) {
      break;
    } else if (static_cast<size_t>(n) > bytes.size() - offset ||
               memcmp(buffer, bytes.data() + offset, static_cast<size_t>(n)) != 0) {
      same = false;  // longer than expected (it grew since the stat) or different
    } else {
      offset += static_cast<size_t>(n);
    }
  }
  close(fd);
  return same && offset == bytes.size();
}

absl::StatusOr<std::string> ReadFileAtMost(const std::string& path, size_t limit) {
  // O_NONBLOCK: a FIFO at `path` must fail the regular-file check, not block the open.
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return ErrnoError(errno, "cannot open", path);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    const int error_number = errno;
    close(fd);
    return ErrnoError(error_number, "cannot stat", path);
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return absl::FailedPreconditionError(absl::StrCat(path, " is not a regular file"));
  }
  const auto too_large = [&] {
    return absl::OutOfRangeError(
        absl::StrCat(path, " is larger than the limit of ", limit, " bytes"));
  };
  if (static_cast<uint64_t>(st.st_size) > limit) {
    close(fd);
    return too_large();
  }
  std::string out;
  // One byte more than the size: notice a file that grew since the fstat.
  out.resize(static_cast<size_t>(st.st_size) + 1);
  size_t filled = 0;
  while (true) {
    if (filled == out.size()) {
      if (filled > limit) break;
      out.resize(std::min(out.size() * 2, limit + 1));
    }
    const ssize_t n = read(fd, out.data() + filled, out.size() - filled);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error_number = errno;
      close(fd);
      return ErrnoError(error_number, "cannot read", path);
    }
    if (n == 0) break;
    filled += static_cast<size_t>(n);
  }
  close(fd);
  if (filled > limit) return too_large();
  out.resize(filled);
  return out;
}

absl::Status MakeDirectories(const std::string& dir, mode_t mode) {
  if (dir.empty()) return absl::OkStatus();
  // Each prefix ending before a '/', then the whole path.
  for (size_t end = dir.find('/', 1);; end = dir.find('/', end + 1)) {
    const std::string prefix = end == std::string::npos ? dir : dir.substr(0, end);
    if (!prefix.empty() && mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) {
      return absl::ErrnoToStatus(errno, absl::StrCat("cannot create directory ", prefix));
    }
    if (end == std::string::npos) break;
  }
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat(dir, " is not a directory"));
  }
  return absl::OkStatus();
}

}  // namespace hearth_agent
