// rollout_bench: the reporting path at fleet size, against a running hearthd. --clients distinct
// clients each report config --name once (--threads threads, one call in flight each), then
// GetRolloutStatus is called --queries times, serially, and its latency measured, both listing
// the default 1000 clients and asking for counts only (max_clients 1). Usage:
//   rollout_bench --addr HOST:PORT --name NAME [--clients 10000] [--threads 8] [--queries 200]
// Prints "report clients=.. errors=.. seconds=.. rps=.." then one "status ..." line per listing
// size: "status max_clients=.. current=.. behind=.. rejected=.. p50_us=.. p99_us=..".
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
  std::string addr, name;
  int clients = 10000, threads = 8, queries = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--addr") {
      addr = v;
    } else if (k == "--name") {
      name = v;
    } else if (k == "--clients") {
      clients = std::atoi(v.c_str());
    } else if (k == "--threads") {
      threads = std::atoi(v.c_str());
    } else if (k == "--queries") {
      queries = std::atoi(v.c_str());
    } else {
      std::fprintf(stderr, "unknown flag %s\n", k.c_str());
      return 2;
    }
  }
  if (addr.empty() || name.empty() || clients < 1 || threads < 1 || queries < 1) {
    std::fprintf(stderr, "usage: rollout_bench --addr HOST:PORT --name NAME [--clients N]\n");
    return 2;
  }
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  auto channel = grpc::CreateCustomChannel(addr, grpc::InsecureChannelCredentials(), args);
  auto stub = v1::ConfigService::NewStub(channel);

  // The served etag: a tenth of the clients report an older one, a hundredth reject it.
  v1::GetConfigRequest get;
  get.set_name(name);
  v1::GetConfigResponse served;
  {
    grpc::ClientContext context;
    const grpc::Status status = stub->GetConfig(&context, get, &served);
    if (!status.ok()) {
      std::fprintf(stderr, "GetConfig: %s\n", status.error_message().c_str());
      return 1;
    }
  }

  std::atomic<int> next{0}, errors{0};
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = next++; i < clients; i = next++) {
        v1::ReportStatusRequest request;
        request.set_client_id("pod-" + std::to_string(i));
        (*request.mutable_labels())["pod"] = "pod-" + std::to_string(i);
        (*request.mutable_labels())["node"] = "node-" + std::to_string(i % 100);
        v1::AppliedConfig* config = request.add_configs();
        config->set_name(name);
        config->set_revision(served.revision());
        config->set_etag(i % 10 == 1 ? "an-older-etag" : served.etag());
        config->set_outcome(i % 100 == 2 ? v1::APPLY_OUTCOME_REJECTED : v1::APPLY_OUTCOME_APPLIED);
        if (i % 100 == 2) config->set_reason("check failed: exit status 1");
        v1::ReportStatusResponse response;
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        if (!stub->ReportStatus(&context, request, &response).ok()) ++errors;
      }
    });
  }
  for (std::thread& t : workers) t.join();
  const double report_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("report clients=%d errors=%d seconds=%.3f rps=%.0f\n", clients, errors.load(),
              report_seconds, clients / report_seconds);

  for (const uint32_t max_clients : {1000u, 1u}) {
    std::vector<long> us;
    v1::GetRolloutStatusResponse response;
    for (int q = 0; q < queries; ++q) {
      v1::GetRolloutStatusRequest request;
      request.set_name(name);
      request.set_max_clients(max_clients);
      response.Clear();
      grpc::ClientContext context;
      const auto t0 = Clock::now();
      const grpc::Status status = stub->GetRolloutStatus(&context, request, &response);
      us.push_back(
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t0).count());
      if (!status.ok()) {
        std::fprintf(stderr, "GetRolloutStatus: %s\n", status.error_message().c_str());
        return 1;
      }
    }
    std::sort(us.begin(), us.end());
    std::printf(
        "status max_clients=%u listed=%d current=%u behind=%u rejected=%u p50_us=%ld "
        "p99_us=%ld\n",
        max_clients, response.clients_size(), response.current(), response.behind(),
        response.rejected(), Percentile(us, 50), Percentile(us, 99));
  }
  return errors.load() == 0 ? 0 : 1;
}
