#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "server/core/file_system.h"

namespace hearth {
namespace {

absl::Status ErrnoError(int err, const std::string& what, const std::string& path) {
  std::string msg = absl::StrCat(path, ": ", what, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(msg);
    case EACCES:
    case EPERM:
      return absl::PermissionDeniedError(msg);
    default:
      return absl::InternalError(msg);
  }
}

// Closes a file descriptor on scope exit.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

class PosixFileSystem : public FileSystem {
 public:
  absl::StatusOr<std::vector<DirEntry>> ListDir(const std::string& dir) const override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return ErrnoError(errno, "cannot list directory", dir);
    std::vector<DirEntry> out;
    int dfd = ::dirfd(d);
    while (true) {
      errno = 0;
      struct dirent* e = ::readdir(d);
      if (e == nullptr) break;
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      DirEntry entry{name, Kind::kOther, false};
      struct stat st;
      if (::fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
        entry.is_symlink = true;
      }
      if (::fstatat(dfd, e->d_name, &st, 0) == 0) {
        if (S_ISREG(st.st_mode)) entry.kind = Kind::kFile;
        if (S_ISDIR(st.st_mode)) entry.kind = Kind::kDirectory;
      }
      out.push_back(std::move(entry));
    }
    int err = errno;
    ::closedir(d);
    if (err != 0) return ErrnoError(err, "cannot read directory", dir);
    std::sort(out.begin(), out.end(),
              [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
    return out;
  }

  absl::StatusOr<FileData> ReadFile(const std::string& path, uint64_t max_bytes) const override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoError(errno, "cannot open", path);
    FdCloser closer(fd);
    struct stat st;
    if (::fstat(fd, &st) != 0) return ErrnoError(errno, "cannot stat", path);
    if (!S_ISREG(st.st_mode)) return absl::InvalidArgumentError(path + ": not a regular file");
    if (static_cast<uint64_t>(st.st_size) > max_bytes) {
      return absl::ResourceExhaustedError(absl::StrCat(path, ": file is ", st.st_size,
                                                       " bytes, over the limit of ", max_bytes,
                                                       " (--max-file-bytes)"));
    }
    FileData data;
    // One byte of slack detects a file that grew since fstat without a second read buffer.
    data.content.resize(static_cast<size_t>(st.st_size) + 1);
    size_t got = 0;
    while (true) {
      if (got == data.content.size()) {
        if (got > max_bytes) break;
        data.content.resize(std::min<uint64_t>(got * 2, max_bytes + 1));
      }
      ssize_t n = ::read(fd, data.content.data() + got, data.content.size() - got);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoError(errno, "cannot read", path);
      }
      if (n == 0) break;
      got += static_cast<size_t>(n);
    }
    if (got > max_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat(path, ": file is over the limit of ", max_bytes, " bytes (--max-file-bytes)"));
    }
    data.content.resize(got);
    data.size = got;
    return data;
  }

  absl::StatusOr<std::string> RealPath(const std::string& path) const override {
    char buf[PATH_MAX];
    if (::realpath(path.c_str(), buf) == nullptr) return ErrnoError(errno, "cannot resolve", path);
    return std::string(buf);
  }
};

}  // namespace

FileSystemPtr NewPosixFileSystem() { return std::make_unique<PosixFileSystem>(); }

}  // namespace hearth
