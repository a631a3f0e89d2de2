// watch_latency: time from an atomic save (rename of a 4 KB TOML over a config file) to the
// WatchConfigs UPDATED event arriving at a client. One stream, N sequential changes.
// Usage: watch_latency --addr HOST:PORT --file ROOT/NAME/app.toml --name NAME [--n 200]
//        [--bytes 4096] [--gap-ms 80] [--include-json 1] [--raw FILE]
// Prints one summary line: "latency_us n=.. p50=.. p90=.. p99=.. max=.. min=.. mean=..".
#include <algorithm>
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

long Percentile(std::vector<long> sorted, double p) {
  if (sorted.empty()) return -1;
  size_t idx = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(idx, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  std::string addr, file, name, raw;
  int n = 200, gap_ms = 80;
  size_t bytes = 4096;
  bool include_json = true;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--addr")
      addr = v;
    else if (k == "--file")
      file = v;
    else if (k == "--name")
      name = v;
    else if (k == "--n")
      n = std::atoi(v.c_str());
    else if (k == "--bytes")
      bytes = std::strtoul(v.c_str(), nullptr, 10);
    else if (k == "--gap-ms")
      gap_ms = std::atoi(v.c_str());
    else if (k == "--include-json")
      include_json = v != "0";
    else if (k == "--raw")
      raw = v;
    else {
      std::fprintf(stderr, "unknown flag %s\n", k.c_str());
      return 2;
    }
  }
  if (addr.empty() || file.empty() || name.empty()) {
    std::fprintf(stderr, "usage: %s --addr HOST:PORT --file PATH --name NAME [--n N]\n", argv[0]);
    return 2;
  }
  auto channel = grpc::CreateChannel(addr, grpc::InsecureChannelCredentials());
  auto stub = v1::ConfigService::NewStub(channel);
  grpc::ClientContext ctx;
  v1::WatchConfigsRequest req;
  req.add_names(name);
  req.set_include_json(include_json);
  auto reader = stub->WatchConfigs(&ctx, req);
  v1::WatchConfigsResponse msg;
  bool seen_end = false;
  while (!seen_end && reader->Read(&msg)) seen_end = msg.snapshot_end();
  if (!seen_end) {
    std::fprintf(stderr, "stream ended before snapshot_end: %s\n",
                 reader->Finish().error_message().c_str());
    return 1;
  }
  std::vector<long> lat_us;
  long coalesced = 0;
  for (int i = 0; i < n; ++i) {
    std::string text = hearth::bench::MakeToml(bytes, 1000 + i);
    std::string tmp = hearth::bench::WriteTemp(file, text);
    if (tmp.empty()) {
      std::perror("write temp");
      return 1;
    }
    Clock::time_point t0 = Clock::now();
    if (std::rename(tmp.c_str(), file.c_str()) != 0) {
      std::perror("rename");
      return 1;
    }
    bool got = false;
    while (!got && reader->Read(&msg)) {
      if (msg.type() == v1::WATCH_EVENT_TYPE_UPDATED && msg.name() == name)
        got = true;
      else if (msg.type() == v1::WATCH_EVENT_TYPE_ERROR) {
        std::fprintf(stderr, "ERROR event: %s\n", msg.errors_size() ? msg.errors(0).c_str() : "?");
        return 1;
      }
    }
    if (!got) {
      std::fprintf(stderr, "stream ended\n");
      return 1;
    }
    lat_us.push_back(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count());
    coalesced = static_cast<long>(msg.coalesced());
    std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms));
  }
  ctx.TryCancel();
  if (!raw.empty()) {
    if (std::FILE* f = std::fopen(raw.c_str(), "w")) {
      for (long us : lat_us) std::fprintf(f, "%ld\n", us);
      std::fclose(f);
    }
  }
  std::vector<long> sorted = lat_us;
  std::sort(sorted.begin(), sorted.end());
  double mean = 0;
  for (long us : sorted) mean += static_cast<double>(us);
  mean /= static_cast<double>(sorted.size());
  std::printf("latency_us n=%zu p50=%ld p90=%ld p99=%ld max=%ld min=%ld mean=%.0f coalesced=%ld\n",
              sorted.size(), Percentile(sorted, 50), Percentile(sorted, 90), Percentile(sorted, 99),
              sorted.back(), sorted.front(), mean, coalesced);
  return 0;
}
