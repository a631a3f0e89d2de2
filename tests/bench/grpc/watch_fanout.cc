// watch_fanout: holds many concurrent WatchConfigs streams on one hearthd, measures the daemon's
// resident memory per stream, then times one change (atomic rename of a TOML) until every stream
// has received its UPDATED event.
// Usage: watch_fanout --addr HOST:PORT --pid HEARTHD_PID --file ROOT/NAME/app.toml --name NAME
//        [--streams 10000] [--channels 16] [--changes 3] [--bytes 4096] [--include-json 0]
// Prints "key=value" lines (rss_*, open_s, change_i first_ms/p50_ms/last_ms).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "hearth/v1/config_service.grpc.pb.h"
#include "tests/bench/grpc/toml_gen.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace v1 = hearth::v1;

struct Shared {
  std::atomic<int> snapshot_ends{0};
  std::atomic<int> updated{0};
  std::atomic<int> done{0};
  std::atomic<int> failed{0};
  std::atomic<int> round{0};
  std::string name;
};

// One stream. Reactor callbacks for one stream never run concurrently.
class Watcher final : public grpc::ClientReadReactor<v1::WatchConfigsResponse> {
 public:
  Watcher(Shared* shared, v1::ConfigService::Stub* stub, bool include_json) : shared_(shared) {
    request_.add_names(shared->name);
    request_.set_include_json(include_json);
    stub->async()->WatchConfigs(&context_, &request_, this);
    StartRead(&response_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows.
    if (response_.snapshot_end() && !ended_) {
      ended_ = true;
      shared_->snapshot_ends.fetch_add(1, std::memory_order_release);
    } else if (response_.type() == v1::WATCH_EVENT_TYPE_UPDATED) {
      int round = shared_->round.load(std::memory_order_acquire);
      if (round != seen_round_) {
        seen_round_ = round;
        arrival_ = Clock::now();
        shared_->updated.fetch_add(1, std::memory_order_release);
      }
    }
    StartRead(&response_);
  }

  void OnDone(const grpc::Status& status) override {
    if (!status.ok() && status.error_code() != grpc::StatusCode::CANCELLED) {
      if (shared_->failed.fetch_add(1) < 3) {
        std::fprintf(stderr, "stream failed: %d %s\n", status.error_code(),
                     status.error_message().c_str());
      }
    }
    shared_->done.fetch_add(1, std::memory_order_release);
  }

  void Cancel() { context_.TryCancel(); }
  Clock::time_point arrival() const { return arrival_; }

 private:
  Shared* shared_;
  grpc::ClientContext context_;
  v1::WatchConfigsRequest request_;
  v1::WatchConfigsResponse response_;
  bool ended_ = false;
  int seen_round_ = 0;
  Clock::time_point arrival_{};
};

long RssKb(int pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/status";
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return -1;
  char line[256];
  long kb = -1;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, "VmRSS:", 6) == 0) kb = std::atol(line + 6);
  }
  std::fclose(f);
  return kb;
}

// Waits until pred() or timeout; returns pred().
template <typename Pred>
bool WaitFor(Pred pred, double timeout_s) {
  auto deadline = Clock::now() + std::chrono::duration<double>(timeout_s);
  while (!pred() && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return pred();
}

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  std::string addr, file;
  Shared shared;
  int pid = 0, streams = 10000, channels = 16, changes = 3;
  size_t bytes = 4096;
  bool include_json = false;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--addr")
      addr = v;
    else if (k == "--pid")
      pid = std::atoi(v.c_str());
    else if (k == "--file")
      file = v;
    else if (k == "--name")
      shared.name = v;
    else if (k == "--streams")
      streams = std::atoi(v.c_str());
    else if (k == "--channels")
      channels = std::atoi(v.c_str());
    else if (k == "--changes")
      changes = std::atoi(v.c_str());
    else if (k == "--bytes")
      bytes = std::strtoul(v.c_str(), nullptr, 10);
    else if (k == "--include-json")
      include_json = v != "0";
    else {
      std::fprintf(stderr, "unknown flag %s\n", k.c_str());
      return 2;
    }
  }
  if (addr.empty() || file.empty() || shared.name.empty() || pid <= 0) {
    std::fprintf(stderr, "usage: %s --addr A --pid P --file F --name N [--streams S]\n", argv[0]);
    return 2;
  }
  long rss_idle = RssKb(pid);
  std::vector<std::shared_ptr<grpc::Channel>> chans;
  std::vector<std::unique_ptr<v1::ConfigService::Stub>> stubs;
  for (int c = 0; c < channels; ++c) {
    grpc::ChannelArguments args;
    args.SetInt("hearth.bench_channel", c);  // distinct args: one TCP connection per channel
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    chans.push_back(grpc::CreateCustomChannel(addr, grpc::InsecureChannelCredentials(), args));
    if (!chans.back()->WaitForConnected(std::chrono::system_clock::now() +
                                        std::chrono::seconds(10))) {
      std::fprintf(stderr, "channel %d: cannot connect to %s\n", c, addr.c_str());
      return 1;
    }
    stubs.push_back(v1::ConfigService::NewStub(chans.back()));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  long rss_connected = RssKb(pid);

  Clock::time_point open_start = Clock::now();
  std::vector<std::unique_ptr<Watcher>> watchers;
  watchers.reserve(static_cast<size_t>(streams));
  for (int i = 0; i < streams; ++i) {
    watchers.push_back(std::make_unique<Watcher>(&shared, stubs[i % channels].get(), include_json));
  }
  bool all_open =
      WaitFor([&] { return shared.snapshot_ends.load() + shared.failed.load() >= streams; }, 120);
  double open_s = Ms(Clock::now() - open_start) / 1000;
  std::printf("streams=%d channels=%d snapshot_ends=%d failed=%d open_s=%.3f\n", streams, channels,
              shared.snapshot_ends.load(), shared.failed.load(), open_s);
  if (!all_open || shared.failed.load() > 0) {
    std::fprintf(stderr, "not every stream got its snapshot\n");
    return 1;
  }
  std::this_thread::sleep_for(std::chrono::seconds(2));
  long rss_open = RssKb(pid);
  std::printf("rss_idle_kb=%ld rss_connected_kb=%ld rss_open_kb=%ld bytes_per_stream=%.0f\n",
              rss_idle, rss_connected, rss_open,
              static_cast<double>(rss_open - rss_connected) * 1024.0 / streams);

  int exit_code = 0;
  for (int r = 1; r <= changes; ++r) {
    shared.updated.store(0);
    shared.round.store(r, std::memory_order_release);
    std::string tmp = hearth::bench::WriteTemp(file, hearth::bench::MakeToml(bytes, 5000 + r));
    Clock::time_point t0 = Clock::now();
    if (tmp.empty() || std::rename(tmp.c_str(), file.c_str()) != 0) {
      std::perror("write/rename");
      return 1;
    }
    bool all =
        WaitFor([&] { return shared.updated.load(std::memory_order_acquire) >= streams; }, 60);
    std::vector<double> ms;
    for (const auto& w : watchers) {
      if (w->arrival() >= t0) ms.push_back(Ms(w->arrival() - t0));
    }
    std::sort(ms.begin(), ms.end());
    if (!all || ms.empty()) {
      std::printf("change_%d received=%zu of %d (timeout)\n", r, ms.size(), streams);
      exit_code = 1;
      break;
    }
    std::printf("change_%d received=%zu first_ms=%.2f p50_ms=%.2f p99_ms=%.2f last_ms=%.2f\n", r,
                ms.size(), ms.front(), ms[ms.size() / 2], ms[ms.size() * 99 / 100], ms.back());
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  std::printf("rss_end_kb=%ld\n", RssKb(pid));
  std::fflush(stdout);
  for (auto& w : watchers) w->Cancel();
  WaitFor([&] { return shared.done.load() >= streams; }, 30);
  std::_Exit(exit_code);  // skip tearing down 10k reactors and channels one by one
}
