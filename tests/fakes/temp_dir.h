#pragma once

#include <string>
#include <string_view>

namespace hearth::testing {

// A fresh directory under $TEST_TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // Absolute path of `rel` inside the directory.
  std::string Path(std::string_view rel) const;
  // Writes `content` to `rel`, creating parent directories. Aborts the test on failure.
  void Write(std::string_view rel, std::string_view content) const;
  // Writes to a temporary sibling and renames it over `rel` (an editor's atomic save).
  void WriteAtomic(std::string_view rel, std::string_view content) const;
  void MakeDirs(std::string_view rel) const;
  void Remove(std::string_view rel) const;  // file or whole tree

 private:
  std::string path_;
};

}  // namespace hearth::testing
