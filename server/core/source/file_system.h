#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace hearth {

// The filesystem reader seam (STYLE.md #2): the engine reads roots only through this, so tests can
// inject failures. Implementations are thread-safe.
//
// Every access names a root (a directory path, opened afresh on each call, so a root that is a
// symlink re-pointed to a new tree is followed) and a path relative to it ("" or "." for the root
// itself). The path is resolved and opened in one step beneath the root (STYLE.md #11): a
// symlink, wherever it sits on the path, may lead anywhere inside the root, but one that leads
// outside it is refused unless `allow_external` (--allow-external-symlinks), and no symlink
// swapped in between a check and the open can change that, because there is no separate check.
// Only regular files are read and nothing ever blocks on a FIFO or a device.
//
// Status codes callers rely on:
//   NOT_FOUND           the path does not exist (ENOENT, ENOTDIR): really gone;
//   FAILED_PRECONDITION it resolves outside the root (refused), or a symlink loop;
//   INVALID_ARGUMENT    not a regular file (ReadFile) / not a directory (ListDir);
//   RESOURCE_EXHAUSTED  the file is over max_bytes;
//   PERMISSION_DENIED, INTERNAL  EACCES / EIO and the like: there, but unreadable now.
// Messages never contain a path (the caller knows the relative name and prefixes it), so no
// absolute path and no byte of a refused file can reach an error.
class FileSystem {
 public:
  enum class Kind { kFile, kDirectory, kOther };
  struct DirEntry {
    std::string name;  // file name only
    Kind kind;         // after following symlinks beneath the root (kOther: dangling, refused)
    bool is_symlink;
    bool outside_root = false;  // a symlink refused because it resolves outside the root
    uint64_t dev = 0;           // of what the entry resolves to (loop detection)
    uint64_t ino = 0;
  };
  struct FileData {
    std::string content;
    uint64_t size = 0;
  };

  virtual ~FileSystem() = default;

  // Entries of directory `rel` below `root` (no "." / ".."), sorted by name.
  virtual absl::StatusOr<std::vector<DirEntry>> ListDir(const std::string& root,
                                                        std::string_view rel,
                                                        bool allow_external) const = 0;
  // The whole regular file `rel` below `root`, refusing (RESOURCE_EXHAUSTED) files larger than
  // max_bytes.
  virtual absl::StatusOr<FileData> ReadFile(const std::string& root, std::string_view rel,
                                            uint64_t max_bytes, bool allow_external) const = 0;
  // Canonical absolute path with every symlink resolved (realpath). For naming only (mapping a
  // watcher's directory to a config): never used to decide what may be opened.
  virtual absl::StatusOr<std::string> RealPath(const std::string& path) const = 0;
};

using FileSystemPtr = std::unique_ptr<FileSystem>;

// The real one (POSIX; openat2(2) on Linux 5.6+, an O_NOFOLLOW walk elsewhere).
FileSystemPtr NewPosixFileSystem();

// For tests: the same, but never uses openat2, so the component-by-component walk is exercised
// on every kernel.
FileSystemPtr NewPosixFileSystemWithoutOpenat2ForTest();

}  // namespace hearth
