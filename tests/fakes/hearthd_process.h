#pragma once

// The real hearthd, started by a test: `[prefix...] hearthd serve [--root R]... [--grpc-listen A]
// [--metrics-listen M] [flags...]`, its stdout and stderr in files the test names. Every wait is
// bounded by a deadline; the destructor SIGKILLs a daemon that is still running (Subprocess).
// gRPC-free: health is `hearthctl health`, readiness a line in the log.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "tests/fakes/subprocess.h"
#include "tests/fakes/temp_dir.h"

namespace hearth::testing {

// The build tree's binaries.
std::string HearthdBinary();
std::string HearthctlBinary();

// Argv prefixes that exec hearthd (so the pid stays hearthd's).
// prlimit --as=<bytes>: an address-space limit.
std::vector<std::string> PrlimitPrefix(uint64_t address_space_bytes);
// setpriv as uid/gid 65534 with no supplementary groups.
std::vector<std::string> UnprivilegedPrefix();

struct HearthdOptions {
  std::vector<std::string> prefix;            // e.g. PrlimitPrefix(), UnprivilegedPrefix()
  std::vector<std::string> roots;             // one --root each
  std::optional<std::string> grpc_listen;     // --grpc-listen when set ("unix://PATH", "H:P")
  std::optional<std::string> metrics_listen;  // --metrics-listen when set ("" disables)
  std::vector<std::string> flags;             // appended after the above
  std::string out_path;                       // the daemon's stdout
  std::string err_path;                       // the daemon's stderr: its log
};

// The common test setup: `roots`, --grpc-listen unix://STATE/hearth.sock, metrics disabled,
// `flags`, stdout and stderr in STATE/hearthd.out and STATE/hearthd.log.
HearthdOptions UnixSocketOptions(const TempDir& state, std::vector<std::string> roots,
                                 std::vector<std::string> flags);

class HearthdProcess {
 public:
  explicit HearthdProcess(HearthdOptions options);
  HearthdProcess(const HearthdProcess&) = delete;
  HearthdProcess& operator=(const HearthdProcess&) = delete;

  Subprocess& process() { return *process_; }
  bool running() { return process_->running(); }
  void Signal(int sig) const { process_->Signal(sig); }
  // The exit code (128+signal if killed), or -1 if it still runs after `timeout`.
  int Wait(std::chrono::milliseconds timeout) { return process_->Wait(timeout); }

  // The --grpc-listen address ("" if none was given), usable as `hearthctl --server`.
  const std::string& server() const { return server_; }
  const std::string& err_path() const { return options_.err_path; }
  std::string err() const;  // stderr so far (the log)
  std::string log() const;  // stderr then stdout so far

  // One `hearthctl --server server() health`: true if it says SERVING (exit 0).
  bool Healthy() const;
  // Polls Healthy() until it equals `healthy`; false if the daemon exits or time runs out.
  bool WaitHealth(bool healthy, std::chrono::milliseconds timeout = std::chrono::seconds(30));
  bool WaitServing(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    return WaitHealth(true, timeout);
  }
  // Polls stderr until it contains `needle`; false if the daemon exits without it or time runs out.
  bool WaitForLog(const std::string& needle,
                  std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // The port of the "serving metrics on 127.0.0.1:PORT" log line, waiting up to `timeout`; 0 if
  // there is none.
  int LoggedMetricsPort(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The same for "serving HTTP on 127.0.0.1:PORT" (--http-listen).
  int LoggedHttpPort(std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  int LoggedPort(const std::regex& line, std::chrono::milliseconds timeout);

  HearthdOptions options_;
  std::string server_;
  std::unique_ptr<Subprocess> process_;
};

}  // namespace hearth::testing
