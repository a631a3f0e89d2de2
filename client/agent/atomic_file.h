#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hearth_agent {

// A file staged beside its destination (same directory, so the rename is atomic), written and
// fsynced, not yet visible at the destination. The destructor removes it unless committed.
// Not thread-safe.
class StagedFile {
 public:
  // Creates `<dir>/.<base>.hearth-XXXXXX` with `mode` (and owner, when given) and writes `bytes`.
  static absl::StatusOr<StagedFile> Create(const std::string& destination, std::string_view bytes,
                                           mode_t mode, std::optional<uid_t> uid,
                                           std::optional<gid_t> gid);
  StagedFile(StagedFile&&) noexcept;
  StagedFile& operator=(StagedFile&&) noexcept;
  ~StagedFile();

  const std::string& path() const { return path_; }
  // rename(2) over the destination, then fsync of the directory.
  absl::Status Commit();

 private:
  StagedFile(std::string path, std::string destination);
  std::string path_;
  std::string destination_;
  bool committed_ = true;
};

// True when `path` is a regular file holding exactly `bytes` (files larger than bytes are not
// read in full).
bool FileHolds(const std::string& path, std::string_view bytes);

// Creates the directory `dir` and any missing parents with `mode` (like mkdir -p); OK when it
// exists already. Errors name the directory that could not be made.
absl::Status MakeDirectories(const std::string& dir, mode_t mode);

// The contents of the regular file `path` (symlinks followed) when it holds at most `limit`
// bytes. OUT_OF_RANGE naming the limit when it is larger, FAILED_PRECONDITION when it is not a
// regular file, errno's code (NOT_FOUND, PERMISSION_DENIED, ...) when it cannot be opened or read.
// Messages name the path.
absl::StatusOr<std::string> ReadFileAtMost(const std::string& path, size_t limit);

}  // namespace hearth_agent
