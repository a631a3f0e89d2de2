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
class FileSystem {
 public:
  enum class Kind { kFile, kDirectory, kOther };
  struct DirEntry {
    std::string name;  // file name only
    Kind kind;         // after following symlinks
    bool is_symlink;
  };
  struct FileData {
    std::string content;
    uint64_t size = 0;
  };

  virtual ~FileSystem() = default;

  // Entries of `dir` (no "." / ".."), sorted by name. Entries whose symlink target does not exist
  // are reported with Kind::kOther.
  virtual absl::StatusOr<std::vector<DirEntry>> ListDir(const std::string& dir) const = 0;
  // Whole file, refusing (RESOURCE_EXHAUSTED) files larger than max_bytes.
  virtual absl::StatusOr<FileData> ReadFile(const std::string& path, uint64_t max_bytes) const = 0;
  // Canonical absolute path with every symlink resolved (realpath).
  virtual absl::StatusOr<std::string> RealPath(const std::string& path) const = 0;
};

using FileSystemPtr = std::unique_ptr<FileSystem>;

// The real one (POSIX).
FileSystemPtr NewPosixFileSystem();

}  // namespace hearth
