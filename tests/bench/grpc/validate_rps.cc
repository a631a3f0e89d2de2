// validate_rps: ValidateConfig calls per second against a running hearthd, closed loop: --threads
// client threads each keep one call in flight for --seconds. Every call layers one candidate of
// about --bytes bytes over config --name. --mode hit sends the same candidate every time (after
// the first call the validation cache answers); --mode miss makes each candidate distinct (every
// call is a build). Usage:
//   validate_rps --addr HOST:PORT --name NAME [--mode hit|miss] [--bytes 2048] [--threads 8]
//                [--seconds 10]
// Prints one line: "validate mode=.. calls=.. errors=.. seconds=.. rps=.. p50_us=.. p99_us=..".
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
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

long Percentile(const std::vector<long>& sorted, double p) {
  if (sorted.empty()) return -1;
  size_t idx = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(idx, sorted.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  std::string addr, name, mode = "hit";
  size_t bytes = 2048;
  int threads = 8;
  double seconds = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--addr")
      addr = v;
    else if (k == "--name")
      name = v;
    else if (k == "--mode")
      mode = v;
    else if (k == "--bytes")
      bytes = std::strtoul(v.c_str(), nullptr, 10);
    else if (k == "--threads")
      threads = std::atoi(v.c_str());
    else if (k == "--seconds")
      seconds = std::atof(v.c_str());
    else {
      std::fprintf(stderr, "unknown flag %s\n", k.c_str());
      return 2;
    }
  }
  if (addr.empty() || name.empty() || (mode != "hit" && mode != "miss") || threads < 1) {
    std::fprintf(stderr, "usage: %s --addr HOST:PORT --name NAME [--mode hit|miss]\n", argv[0]);
    return 2;
  }
  auto channel = grpc::CreateChannel(addr, grpc::InsecureChannelCredentials());
  auto stub = v1::ConfigService::NewStub(channel);
  // Warm up (and, for hit, fill the cache) with one call.
  const std::string same = hearth::bench::MakeToml(bytes, 1);
  {
    v1::ValidateConfigRequest request;
    request.set_name(name);
    v1::CandidateFile* file = request.add_files();
    file->set_file_name("50-candidate.toml");
    file->set_content(same);
    v1::ValidateConfigResponse response;
    grpc::ClientContext context;
    grpc::Status status = stub->ValidateConfig(&context, request, &response);
    if (!status.ok() || !response.valid()) {
      std::fprintf(stderr, "warm-up call failed: %s %s\n", status.error_message().c_str(),
                   response.errors_size() ? response.errors(0).c_str() : "");
      return 1;
    }
  }
  std::atomic<long> next_generation{2};
  std::atomic<long> errors{0};
  std::vector<std::vector<long>> latencies(threads);
  const Clock::time_point start = Clock::now();
  const Clock::time_point end = start + std::chrono::microseconds(static_cast<long>(seconds * 1e6));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      v1::ValidateConfigRequest request;
      request.set_name(name);
      v1::CandidateFile* file = request.add_files();
      file->set_file_name("50-candidate.toml");
      while (Clock::now() < end) {
        file->set_content(mode == "hit" ? same : hearth::bench::MakeToml(bytes, next_generation++));
        v1::ValidateConfigResponse response;
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        const Clock::time_point t0 = Clock::now();
        grpc::Status status = stub->ValidateConfig(&context, request, &response);
        const long us =
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count();
        if (!status.ok() || !response.valid()) {
          ++errors;
          continue;
        }
        latencies[t].push_back(us);
      }
    });
  }
  for (std::thread& th : pool) th.join();
  const double took = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<long> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  std::printf("validate mode=%s calls=%zu errors=%ld seconds=%.2f rps=%.0f p50_us=%ld p99_us=%ld\n",
              mode.c_str(), all.size(), errors.load(), took, static_cast<double>(all.size()) / took,
              Percentile(all, 50), Percentile(all, 99));
  return 0;
}
