#pragma once

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "server/core/file_system.h"

namespace hearth::testing {

// Wraps the real filesystem and fails reads of chosen paths, to test unreadable files even when
// tests run as root (where chmod 000 does not stop reads). Thread-safe.
class FaultyFileSystem : public FileSystem {
 public:
  FaultyFileSystem() : real_(NewPosixFileSystem()) {}

  void FailRead(const std::string& path, absl::Status status) {
    absl::MutexLock lock(&mu_);
    failures_[path] = std::move(status);
  }

  absl::StatusOr<std::vector<DirEntry>> ListDir(const std::string& dir) const override {
    return real_->ListDir(dir);
  }
  absl::StatusOr<FileData> ReadFile(const std::string& path, uint64_t max_bytes) const override {
    {
      absl::MutexLock lock(&mu_);
      auto it = failures_.find(path);
      if (it != failures_.end()) return it->second;
    }
    return real_->ReadFile(path, max_bytes);
  }
  absl::StatusOr<std::string> RealPath(const std::string& path) const override {
    return real_->RealPath(path);
  }

 private:
  FileSystemPtr real_;
  mutable absl::Mutex mu_;
  std::map<std::string, absl::Status> failures_;
};

}  // namespace hearth::testing
