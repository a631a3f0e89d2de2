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
#include "server/core/model/absl_compat.h"
#include "server/core/source/file_system.h"
#include "server/core/source/open_beneath.h"

namespace hearth {
namespace {

std::string Join(std::string_view dir, std::string_view name) {
  if (dir.empty() || dir == ".") return std::string(name);
  return absl::StrCat(Sv(dir), "/", Sv(name));
}

class PosixFileSystem : public FileSystem {
 public:
  explicit PosixFileSystem(bool use_openat2) : use_openat2_(use_openat2) {}

  absl::StatusOr<std::vector<DirEntry>> ListDir(const std::string& root, std::string_view rel,
                                                bool allow_external) const override {
    absl::StatusOr<UniqueFd> root_fd = OpenRoot(root);
    if (!root_fd.ok()) return root_fd.status();
    const BeneathOptions beneath = Beneath(root, allow_external);
    absl::StatusOr<UniqueFd> fd =
        OpenBeneath(root_fd->get(), rel, O_RDONLY | O_DIRECTORY | O_NONBLOCK, beneath);
    if (!fd.ok()) return fd.status();
    // getdents64 on the descriptor already open, not fdopendir + readdir: those add an fstat and
    // two fcntl calls to every listing, and a rebuild lists its directory every time.
    const int dfd = fd->get();
    std::vector<DirEntry> out;
    alignas(struct dirent64) char buf[16384];
    int err = 0;
    ssize_t filled = 0;
    for (ssize_t at = 0;;) {
      if (at >= filled) {
        filled = ::getdents64(dfd, buf, sizeof(buf));
        if (filled <= 0) {
          if (filled < 0) err = errno;
          break;
        }
        at = 0;
      }
      const auto* e = reinterpret_cast<const struct dirent64*>(buf + at);
      at += e->d_reclen;
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      DirEntry entry{name, Kind::kOther, false};
      unsigned char type = e->d_type;
      if (type == DT_UNKNOWN) {
        struct stat st;
        if (::fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone
        type = S_ISLNK(st.st_mode)   ? DT_LNK
               : S_ISDIR(st.st_mode) ? DT_DIR
               : S_ISREG(st.st_mode) ? DT_REG
                                     : DT_UNKNOWN;
      }
      if (type == DT_REG) entry.kind = Kind::kFile;
      if (type == DT_DIR) entry.kind = Kind::kDirectory;
      if (type == DT_LNK) {
        // Where it leads, resolved beneath the root exactly as a later open will be.
        entry.is_symlink = true;
        absl::StatusOr<UniqueFd> target =
            OpenBeneath(root_fd->get(), Join(rel, name), O_PATH, beneath);
        struct stat st;
        if (target.ok() && ::fstat(target->get(), &st) == 0) {
          if (S_ISREG(st.st_mode)) entry.kind = Kind::kFile;
          if (S_ISDIR(st.st_mode)) entry.kind = Kind::kDirectory;
          entry.dev = st.st_dev;
          entry.ino = st.st_ino;
        } else if (!target.ok() && absl::IsFailedPrecondition(target.status())) {
          entry.outside_root = true;
        }
      }
      out.push_back(std::move(entry));
    }
    if (err != 0) return ErrnoStatus(err, "cannot read directory");
    std::sort(out.begin(), out.end(),
              [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
    return out;
  }

  absl::StatusOr<FileData> ReadFile(const std::string& root, std::string_view rel,
                                    uint64_t max_bytes, bool allow_external) const override {
    absl::StatusOr<UniqueFd> root_fd = OpenRoot(root);
    if (!root_fd.ok()) return root_fd.status();
    // O_NONBLOCK: a FIFO (or a device) put in a config's place must never block the reader.
    absl::StatusOr<UniqueFd> opened =
        OpenBeneath(root_fd->get(), rel, O_RDONLY | O_NONBLOCK, Beneath(root, allow_external));
    if (!opened.ok()) return opened.status();
    const int fd = opened->get();
    struct stat st;
    if (::fstat(fd, &st) != 0) return ErrnoStatus(errno, "cannot stat");
    if (!S_ISREG(st.st_mode)) return absl::InvalidArgumentError("not a regular file");
    if (static_cast<uint64_t>(st.st_size) > max_bytes) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "file is ", st.st_size, " bytes, over the limit of ", max_bytes, " (--max-file-bytes)"));
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
        return ErrnoStatus(errno, "cannot read");
      }
      if (n == 0) break;
      const bool short_read = static_cast<size_t>(n) < data.content.size() - got;
      got += static_cast<size_t>(n);
      // A short read that has brought every byte fstat counted is the end of the file: no second
      // read just to see EOF. (Short of that size, the file shrank or the read was cut: read on.)
      if (short_read && got >= static_cast<size_t>(st.st_size)) break;
    }
    if (got > max_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("file is over the limit of ", max_bytes, " bytes (--max-file-bytes)"));
    }
    data.content.resize(got);
    data.size = got;
    return data;
  }

  absl::StatusOr<std::string> RealPath(const std::string& path) const override {
    char buf[PATH_MAX];
    if (::realpath(path.c_str(), buf) == nullptr) return ErrnoStatus(errno, "cannot resolve");
    return std::string(buf);
  }

 private:
  // The root is opened afresh on every call: a root that is a symlink re-pointed to a new tree
  // is followed at once, and "inside the root" always means inside its current target.
  static absl::StatusOr<UniqueFd> OpenRoot(const std::string& root) {
    UniqueFd fd(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) return ErrnoStatus(errno, "cannot open root");
    return fd;
  }

  BeneathOptions Beneath(const std::string& root, bool allow_external) const {
    BeneathOptions o;
    o.root_given = root;
    o.allow_external = allow_external;
    o.use_openat2 = use_openat2_;
    return o;
  }

  const bool use_openat2_;
};

}  // namespace

FileSystemPtr NewPosixFileSystem() { return std::make_unique<PosixFileSystem>(true); }

FileSystemPtr NewPosixFileSystemWithoutOpenat2ForTest() {
  return std::make_unique<PosixFileSystem>(false);
}

}  // namespace hearth
