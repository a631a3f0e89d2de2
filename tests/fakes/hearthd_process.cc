#include "tests/fakes/hearthd_process.h"

#include <regex>
#include <thread>
#include <utility>

namespace hearth::testing {
namespace {

using namespace std::chrono_literals;

constexpr auto kPoll = 10ms;

}  // namespace

std::string HearthdBinary() { return std::string(HEARTH_BINARY_DIR) + "/server/hearthd"; }
std::string HearthctlBinary() { return std::string(HEARTH_BINARY_DIR) + "/client/hearthctl"; }

std::vector<std::string> PrlimitPrefix(uint64_t address_space_bytes) {
  return {"/usr/bin/prlimit", "--as=" + std::to_string(address_space_bytes), "--"};
}

std::vector<std::string> UnprivilegedPrefix() {
  return {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"};
}

HearthdOptions UnixSocketOptions(const TempDir& state, std::vector<std::string> roots,
                                 std::vector<std::string> flags) {
  HearthdOptions o;
  o.roots = std::move(roots);
  o.grpc_listen = "unix://" + state.Path("hearth.sock");
  o.metrics_listen = "";
  o.flags = std::move(flags);
  o.out_path = state.Path("hearthd.out");
  o.err_path = state.Path("hearthd.log");
  return o;
}

HearthdProcess::HearthdProcess(HearthdOptions options)
    : options_(std::move(options)), server_(options_.grpc_listen.value_or("")) {
  std::vector<std::string> argv = options_.prefix;
  argv.insert(argv.end(), {HearthdBinary(), "serve"});
  for (const std::string& root : options_.roots) argv.insert(argv.end(), {"--root", root});
  if (options_.grpc_listen) argv.insert(argv.end(), {"--grpc-listen", *options_.grpc_listen});
  if (options_.metrics_listen) {
    argv.insert(argv.end(), {"--metrics-listen", *options_.metrics_listen});
  }
  argv.insert(argv.end(), options_.flags.begin(), options_.flags.end());
  process_ = std::make_unique<Subprocess>(argv, options_.out_path, options_.err_path);
}

std::string HearthdProcess::err() const { return ReadFileOrEmpty(options_.err_path); }

std::string HearthdProcess::log() const { return err() + ReadFileOrEmpty(options_.out_path); }

bool HearthdProcess::Healthy() const {
  return RunCommand({HearthctlBinary(), "--server", server_, "health"}, 10s).exit_code == 0;
}

bool HearthdProcess::WaitHealth(bool healthy, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return false;
    if (Healthy() == healthy) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

bool HearthdProcess::WaitForLog(const std::string& needle, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    // Read before asking whether it runs: a line written just before exiting still counts.
    const bool exited = !running();
    if (err().find(needle) != std::string::npos) return true;
    if (exited || std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kPoll);
  }
}

int HearthdProcess::LoggedPort(const std::regex& line, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const std::string text = err();
    std::smatch m;
    if (std::regex_search(text, m, line)) return std::stoi(m[1]);
    if (std::chrono::steady_clock::now() >= deadline) return 0;
    std::this_thread::sleep_for(kPoll);
  }
}

int HearthdProcess::LoggedMetricsPort(std::chrono::milliseconds timeout) {
  static const std::regex kMetrics("serving metrics on 127\\.0\\.0\\.1:([0-9]+)");
  return LoggedPort(kMetrics, timeout);
}

int HearthdProcess::LoggedHttpPort(std::chrono::milliseconds timeout) {
  static const std::regex kHttp("serving HTTP on 127\\.0\\.0\\.1:([0-9]+)");
  return LoggedPort(kHttp, timeout);
}

}  // namespace hearth::testing
