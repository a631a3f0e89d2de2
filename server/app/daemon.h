#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "server/core/config_engine.h"
#include "server/http/http_server.h"
#include "server/rpc/grpc_server.h"
#include "server/watch/reload_coordinator.h"

namespace hearth {

// `hearthd serve`: the long-running daemon. Composes the engine, the file watcher with its reload
// coordinator, the gRPC server and the metrics endpoint, and handles signals.
//
// Start-up order: watcher first (so no change made during the initial load is missed), then the
// gRPC server (health NOT_SERVING), then the initial full load, then health SERVING.
// Shutdown order (SIGTERM / SIGINT): health NOT_SERVING, watch streams end with UNAVAILABLE,
// in-flight calls finish within shutdown_grace, builds still running when it ends (dry runs,
// rebuilds) are cancelled (ConfigEngine::CancelBuilds), then the watcher and coordinator stop,
// then the engine is destroyed. SIGHUP forces a full rescan.
// Logs go through spdlog's default logger (see logging.h); each config's rebuild errors are logged
// once when they change ("file:line:col: message"), never config values.
struct DaemonOptions {
  ConfigEngine::Options engine;
  rpc::GrpcServer::Options grpc;
  http::HttpServer::Options http;  // no listen address: no HTTP API
  ReloadCoordinator::Options reload;
  std::string metrics_listen = "127.0.0.1:7071";  // empty: no metrics endpoint
  absl::Duration shutdown_grace = absl::Seconds(5);
  // How often readiness is re-evaluated: every root is a readable directory, the reload worker
  // is not stalled (reload.stall_threshold), and the file watcher works (or, while it is
  // degraded, its polling fallback rescanned recently). Changes
  // are logged with the age of the last file event and of the last full scan.
  absl::Duration health_interval = absl::Seconds(1);
};

// Runs until SIGTERM or SIGINT. Returns the process exit code: 0 after a clean shutdown, 1 when
// start-up failed (the reason is logged).
int RunDaemon(DaemonOptions options);

}  // namespace hearth
