#pragma once

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "server/core/source/file_system.h"

namespace hearth::testing {

// Wraps the real filesystem and fails reads (or listings) of chosen paths, named root + "/" +
// relative path, to test unreadable files and directories even when tests run as root (where
// chmod 000 does not stop reads). Thread-safe.
class FaultyFileSystem : public FileSystem {
 public:
  FaultyFileSystem() : real_(NewPosixFileSystem()) {}

  void FailRead(const std::string& path, absl::Status status) {
    absl::MutexLock lock(&mu_);
    failures_[path] = std::move(status);
  }

  void FailList(const std::string& path, absl::Status status) {
    absl::MutexLock lock(&mu_);
    list_failures_[path] = std::move(status);
  }
  void Clear() {
    absl::MutexLock lock(&mu_);
    failures_.clear();
    list_failures_.clear();
  }

  absl::StatusOr<std::vector<DirEntry>> ListDir(const std::string& root, std::string_view rel,
                                                bool allow_external) const override {
    {
      absl::MutexLock lock(&mu_);
      auto it = list_failures_.find(Join(root, rel));
      if (it != list_failures_.end()) return it->second;
    }
    return real_->ListDir(root, rel, allow_external);
  }
  absl::StatusOr<FileData> ReadFile(const std::string& root, std::string_view rel,
                                    uint64_t max_bytes, bool allow_external) const override {
    {
      absl::MutexLock lock(&mu_);
      auto it = failures_.find(Join(root, rel));
      if (it != failures_.end()) return it->second;
    }
    return real_->ReadFile(root, rel, max_bytes, allow_external);
  }
  absl::StatusOr<std::string> RealPath(const std::string& path) const override {
    return real_->RealPath(path);
  }

 private:
  static std::string Join(const std::string& root, std::string_view rel) {
    return rel.empty() ? root : root + "/" + std::string(rel);
  }

  FileSystemPtr real_;
  mutable absl::Mutex mu_;
  std::map<std::string, absl::Status> failures_;
  std::map<std::string, absl::Status> list_failures_;
};

}  // namespace hearth::testing
