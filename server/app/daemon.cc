#include "server/app/daemon.h"

#include <pthread.h>
#include <signal.h>

#include <memory>

#include "spdlog/spdlog.h"
#include "server/watch/inotify_watcher.h"

namespace hearth {
namespace {

// Blocks the signals we handle in every thread (threads inherit the mask), so that only the
// main thread's sigwait() sees them.
sigset_t BlockHandledSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

}  // namespace

int RunDaemon(DaemonOptions options) {
  sigset_t signals = BlockHandledSignals();
  // Writing to a client that went away must not kill the daemon.
  signal(SIGPIPE, SIG_IGN);

  ConfigEngine engine(options.engine);
  auto coordinator = std::make_unique<ReloadCoordinator>(
      &engine, std::make_unique<InotifyWatcher>(InotifyWatcher::Options{}), options.reload);
  if (absl::Status s = coordinator->Start(); !s.ok()) {
    spdlog::error("cannot start the reload coordinator: {}", s.ToString());
    return 1;
  }
  ReloadCoordinator* coordinator_ptr = coordinator.get();
  options.grpc.healthy = [coordinator_ptr] {
    ReloadCoordinator::Stats s = coordinator_ptr->stats();
    // Polling still delivers changes, so a degraded watcher stays ready; a stopped one does not.
    return s.watching || s.degraded;
  };
  absl::StatusOr<std::unique_ptr<rpc::GrpcServer>> server =
      rpc::GrpcServer::Start(options.grpc, &engine);
  if (!server.ok()) {
    spdlog::error("cannot start the gRPC server: {}", server.status().ToString());
    return 1;
  }
  const std::vector<int>& ports = (*server)->ports();
  for (size_t i = 0; i < options.grpc.listen.size(); ++i) {
    const std::string& addr = options.grpc.listen[i];
    if (addr.rfind("unix:", 0) == 0) {
      spdlog::info("serving gRPC on {}", addr);
    } else {
      std::string host = addr.substr(0, addr.rfind(':'));
      spdlog::info("serving gRPC on {}:{}", host, i < ports.size() ? ports[i] : 0);
    }
  }

  absl::Time start = absl::Now();
  ConfigEngine::Report report = engine.ScanAll();
  for (const std::string& e : report.root_errors) spdlog::error("root: {}", e);
  for (const auto& entry : engine.store().List()) {
    for (const std::string& e : entry->errors) spdlog::warn("config {}: {}", entry->name, e);
  }
  spdlog::info("loaded {} configs ({} ok, {} with errors) in {}", report.configs,
               report.configs - report.failed, report.failed,
               absl::FormatDuration(absl::Now() - start));
  (*server)->SetServing(true);

  while (true) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      spdlog::info("SIGHUP: full rescan");
      coordinator->RequestRescan();
      continue;
    }
    spdlog::info("{}: shutting down (grace {})", sig == SIGTERM ? "SIGTERM" : "SIGINT",
                 absl::FormatDuration(options.shutdown_grace));
    break;
  }
  (*server)->Shutdown(options.shutdown_grace);
  coordinator->Stop();
  server->reset();
  coordinator.reset();
  spdlog::info("stopped");
  return 0;
}

}  // namespace hearth
