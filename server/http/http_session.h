#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>

#include "absl/time/time.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/thread_pool.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "boost/beast/ssl.hpp"
#include "server/http/change_notifier.h"
#include "server/http/config_routes.h"
#include "server/http/http_message.h"
#include "server/http/sse_hub.h"
#include "server/http/sse_stream.h"

namespace hearth::http {

// Per-connection budgets.
struct SessionLimits {
  size_t max_header_bytes = 16 << 10;
  size_t max_body_bytes = 1 << 20;
  // A request must arrive whole within this of the connection's start or the previous answer:
  // a slow or silent client (slowloris) is closed, it never holds a worker.
  std::chrono::milliseconds request_timeout{10000};
};

// The two kinds of connection: plaintext, and TLS over TCP (--tls-cert).
using PlainStream = boost::beast::tcp_stream;
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// What every session of one server shares. Not owned; outlives the sessions.
struct SessionContext {
  const ConfigRoutes* routes = nullptr;
  ChangeNotifier* notifier = nullptr;  // blocking GETs
  SseHub* hub = nullptr;               // /v1/watch streams
  const SessionLimits* limits = nullptr;
  const SseOptions* sse = nullptr;
  // POST /v1/validate: dry runs on their own threads, at most max_validations at once (429).
  const DryRunner* dry_runner = nullptr;  // null: validation is UNIMPLEMENTED here
  const ConfigStore* store = nullptr;
  boost::asio::thread_pool* validate_pool = nullptr;
  std::atomic<int>* validations = nullptr;
  int max_validations = 0;
};

// One HTTP/1.1 connection: reads requests with Beast's parser under the limits above, answers
// them through ConfigRoutes, keeps the connection alive, and parks a blocking GET on a timer and
// a ChangeNotifier subscription (no thread waits). Runs on its own strand; owned by the handlers
// in flight (shared_from_this), so it goes away when the last one finishes.
template <class Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  HttpSession(Stream stream, const SessionContext* context,
              std::shared_ptr<std::atomic<size_t>> open_connections);
  ~HttpSession();

  void Start();

 private:
  void Handshake();  // TLS only: the handshake, under the request timeout
  void Read();
  void OnRead(boost::beast::error_code ec, size_t bytes);
  // Answers request_ (`expired`: a parked wait reached its deadline).
  void Answer(bool expired);
  void Park(const ConfigRoutes::Wait& wait);
  void Validate(ValidateRequest request);
  void OnWake();
  void Write(HttpResponse response, bool close);
  void OnWrite(bool close, boost::beast::error_code ec, size_t bytes);
  void Close();

  Stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  boost::beast::http::response<boost::beast::http::string_body> response_;
  HttpRequest request_;
  bool keep_alive_ = true;
  boost::asio::steady_timer wait_timer_;
  uint64_t subscription_ = 0;
  uint64_t wait_generation_ = 0;  // a wake or timeout of an older wait is ignored
  absl::Time parked_deadline_ = absl::InfiniteFuture();  // of the blocking GET in progress
  const SessionContext* const context_;
  const ConfigRoutes* const routes_;
  ChangeNotifier* const notifier_;
  const SessionLimits* const limits_;
  std::shared_ptr<std::atomic<size_t>> open_connections_;  // null once handed to an SseStream
};

}  // namespace hearth::http
