#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hearth::rpc {

// Claims a unix socket path for one server without ever taking it from a live process.
//
// gRPC unlinks whatever socket sits at a unix listen path before it binds, and unlinks the path
// again at shutdown, so a second hearthd would silently take over the first one's socket and
// delete it when it exits. Instead:
//   1. Prepare(): if the path exists it must be a socket nobody answers on (connect() gives
//      ECONNREFUSED: stale); a live socket or a non-socket file is an error. gRPC is then told to
//      listen on a private temporary path next to it.
//   2. Commit() (after gRPC bound): re-checks the path, rename(2)s the bound socket over it
//      (atomic: clients see the old stale socket or ours, never nothing) and records its st_dev /
//      st_ino.
//   3. Release() (after the server stopped): unlinks the path only if it is still that inode.
// gRPC's own unlink at shutdown then targets the temporary path, which no longer exists.
//
// Thread-compatible; one per unix listen address.
class UnixSocketClaim {
 public:
  // `address` is a gRPC unix address: "unix:///abs/path", "unix:/abs/path" or "unix:rel/path".
  explicit UnixSocketClaim(std::string_view address);
  ~UnixSocketClaim() = default;
  UnixSocketClaim(const UnixSocketClaim&) = delete;
  UnixSocketClaim& operator=(const UnixSocketClaim&) = delete;
  UnixSocketClaim(UnixSocketClaim&&) = default;

  const std::string& path() const { return path_; }

  // FAILED_PRECONDITION "unix socket X is in use by another process" for a live socket,
  // "X exists and is not a socket" for anything else at the path; INVALID_ARGUMENT for a path
  // too long for a socket address. On success returns the address gRPC should listen on.
  absl::StatusOr<std::string> Prepare();

  // Moves the socket gRPC bound at the temporary path to path(), first setting its permission
  // bits to `mode` unless it is 0 (so the socket never appears with other bits). Same errors as
  // Prepare() if someone claimed the path in between.
  absl::Status Commit(mode_t mode = 0);

  // Removes path() if it is still the socket Commit() put there (and the temporary path if
  // Commit() never ran). Idempotent.
  void Release();

  // Whether a process accepts connections on the unix socket at `path` (for tests and Prepare).
  static bool IsLive(const std::string& path);

 private:
  absl::Status CheckPath() const;

  std::string path_;
  std::string temp_path_;
  bool committed_ = false;
  bool released_ = false;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

}  // namespace hearth::rpc
