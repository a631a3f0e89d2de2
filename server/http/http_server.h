#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/store/config_renderer.h"
#include "server/core/store/config_store.h"
#include "server/http/change_notifier.h"
#include "server/http/config_routes.h"
#include "server/http/http_session.h"
#include "server/http/sse_hub.h"
#include "server/http/sse_stream.h"

namespace boost::asio {
class io_context;
class thread_pool;
namespace ssl {
class context;
}
}  // namespace boost::asio

namespace hearth::http {

// hearthd's HTTP/1.1 API (`--http-listen`): a thin adapter that serves the store through
// ConfigRoutes on Boost.Beast and Asio, with a fixed number of threads whatever the number of
// connections (an idle or parked connection costs a socket and a few hundred bytes, no thread).
//
// Thread-safety: Start and Shutdown from one thread; the server runs on its own threads.
// Shutdown order (also the destructor's): stop listening to the store, stop the threads, then
// drop the connections.
class HttpServer {
 public:
  struct Options {
    std::vector<std::string> listen;  // HOST:PORT ([v6]:PORT); port 0 picks one
    // PEM files, as gRPC's: with cert and key the listeners above speak TLS (1.2 and later);
    // with client_ca too, clients must present a certificate it signed (mutual TLS).
    std::string tls_cert;
    std::string tls_key;
    std::string tls_client_ca;
    // Plaintext listeners serving only /healthz and /readyz, for probes that cannot do TLS.
    std::vector<std::string> health_listen;
    int threads = 1;
    size_t max_connections = 10000;    // further connections are closed at once
    size_t max_waiters = 10000;        // parked blocking GETs; more get 429
    size_t max_watch_streams = 10000;  // open /v1/watch streams; more get 429
    std::string instance_id;           // SSE event ids; "" picks a random one
    int validate_threads = 2;          // POST /v1/validate runs here
    int max_validations = 16;          // running or queued; more get 429
    SseOptions sse;
    size_t render_cache_bytes = 16u << 20;
    SessionLimits limits;
    ConfigRoutes::Options routes;
  };

  // `dry_runner` (not owned; null disables POST /v1/validate) runs validations.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(Options options, ConfigStore* store,
                                                           const DryRunner* dry_runner = nullptr);
  ~HttpServer();

  // The bound port of each listen address, in order.
  const std::vector<int>& ports() const { return ports_; }
  const std::vector<int>& health_ports() const { return health_ports_; }
  size_t open_connections() const { return open_connections_->load(); }
  size_t waiting_requests() const { return notifier_->waiting(); }  // parked blocking GETs
  size_t watch_streams() const { return hub_->streams(); }
  void Shutdown();

 private:
  struct Impl;
  HttpServer() = default;

  Options options_;
  std::unique_ptr<ConfigRenderer> renderer_;
  std::unique_ptr<ConfigRoutes> routes_;
  std::unique_ptr<ChangeNotifier> notifier_;
  std::unique_ptr<SseHub> hub_;
  SessionContext context_;
  std::shared_ptr<std::atomic<size_t>> open_connections_ = std::make_shared<std::atomic<size_t>>(0);
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<boost::asio::thread_pool> validate_pool_;
  std::atomic<int> validations_{0};
  std::vector<std::thread> threads_;
  std::vector<int> ports_;
  std::vector<int> health_ports_;
  std::unique_ptr<boost::asio::ssl::context> tls_;  // null: plaintext
  std::unique_ptr<ConfigRoutes> health_routes_;
  SessionContext health_context_;
  bool stopped_ = false;
};

}  // namespace hearth::http
