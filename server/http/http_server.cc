#include "server/http/http_server.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/ssl.hpp"
#include "boost/asio/strand.hpp"
#include "boost/asio/thread_pool.hpp"
#include "server/core/model/absl_compat.h"
#include "server/core/model/instance_id.h"

namespace hearth::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct HttpServer::Impl {
  asio::io_context io;
  struct Listener {
    std::unique_ptr<tcp::acceptor> acceptor;
    bool health = false;  // plaintext, /healthz and /readyz only
  };
  std::vector<Listener> listeners;

  void Accept(Listener* listener, HttpServer* server) {
    listener->acceptor->async_accept(asio::make_strand(io), [this, listener, server](
                                                                boost::system::error_code ec,
                                                                tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;
      if (!ec) {
        if (server->open_connections_->fetch_add(1) >= server->options_.max_connections) {
          server->open_connections_->fetch_sub(1);
          boost::system::error_code ignored;
          socket.close(ignored);  // over the cap: the client retries elsewhere or later
        } else if (listener->health) {
          std::make_shared<HttpSession<PlainStream>>(
              PlainStream(std::move(socket)), &server->health_context_, server->open_connections_)
              ->Start();
        } else if (server->tls_ != nullptr) {
          std::make_shared<HttpSession<TlsStream>>(
              TlsStream(PlainStream(std::move(socket)), *server->tls_), &server->context_,
              server->open_connections_)
              ->Start();
        } else {
          std::make_shared<HttpSession<PlainStream>>(PlainStream(std::move(socket)),
                                                     &server->context_, server->open_connections_)
              ->Start();
        }
      }
      Accept(listener, server);
    });
  }
};

namespace {

absl::StatusOr<tcp::endpoint> ParseListen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(absl::StrCat("--http-listen ", listen, ": want HOST:PORT"));
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  uint32_t port = 0;
  if (!absl::SimpleAtoi(Sv(std::string_view(listen).substr(colon + 1)), &port) || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("--http-listen ", listen, ": bad port"));
  }
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("--http-listen ", listen, ": the host must be an IP address"));
  }
  return tcp::endpoint(address, static_cast<uint16_t>(port));
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(Options options, ConfigStore* store,
                                                              const DryRunner* dry_runner) {
  std::unique_ptr<HttpServer> server(new HttpServer());
  server->options_ = std::move(options);
  if (server->options_.instance_id.empty()) server->options_.instance_id = NewInstanceId();
  server->options_.routes.instance_id = server->options_.instance_id;
  server->options_.sse.instance_id = server->options_.instance_id;
  server->renderer_ = std::make_unique<ConfigRenderer>(
      store, ConfigRenderer::Options{.cache_bytes = server->options_.render_cache_bytes});
  server->routes_ =
      std::make_unique<ConfigRoutes>(server->renderer_.get(), server->options_.routes);
  server->notifier_ = std::make_unique<ChangeNotifier>(store, server->options_.max_waiters);
  server->hub_ = std::make_unique<SseHub>(store, server->options_.max_watch_streams);
  server->validate_pool_ =
      std::make_unique<asio::thread_pool>(std::max(1, server->options_.validate_threads));
  server->context_ = SessionContext{server->routes_.get(),
                                    server->notifier_.get(),
                                    server->hub_.get(),
                                    &server->options_.limits,
                                    &server->options_.sse,
                                    dry_runner,
                                    store,
                                    server->validate_pool_.get(),
                                    &server->validations_,
                                    server->options_.max_validations};
  const Options& o = server->options_;
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    return absl::InvalidArgumentError("the TLS certificate and key go together");
  }
  if (!o.tls_cert.empty()) {
    auto tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    boost::system::error_code ec;
    tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                         asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                         asio::ssl::context::no_tlsv1_1,
                     ec);
    if (!ec) tls->use_certificate_chain_file(o.tls_cert, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("HTTP TLS: cannot use the certificate ", o.tls_cert, ": ", ec.message()));
    }
    tls->use_private_key_file(o.tls_key, asio::ssl::context::pem, ec);
    if (ec) {
      return absl::InvalidArgumentError(
          absl::StrCat("HTTP TLS: cannot use the key ", o.tls_key, ": ", ec.message()));
    }
    if (!o.tls_client_ca.empty()) {
      tls->load_verify_file(o.tls_client_ca, ec);
      if (!ec) {
        tls->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert, ec);
      }
      if (ec) {
        return absl::InvalidArgumentError(absl::StrCat("HTTP TLS: cannot use the client CA ",
                                                       o.tls_client_ca, ": ", ec.message()));
      }
    }
    server->tls_ = std::move(tls);
  }
  ConfigRoutes::Options health = o.routes;
  health.health_only = true;
  server->health_routes_ = std::make_unique<ConfigRoutes>(server->renderer_.get(), health);
  server->health_context_ = server->context_;
  server->health_context_.routes = server->health_routes_.get();
  server->impl_ = std::make_unique<Impl>();
  std::vector<std::pair<std::string, bool>> addresses;
  for (const std::string& listen : o.listen) addresses.emplace_back(listen, false);
  for (const std::string& listen : o.health_listen) addresses.emplace_back(listen, true);
  for (const auto& [listen, health_only] : addresses) {
    absl::StatusOr<tcp::endpoint> endpoint = ParseListen(listen);
    if (!endpoint.ok()) return endpoint.status();
    auto acceptor = std::make_unique<tcp::acceptor>(server->impl_->io);
    boost::system::error_code ec;
    acceptor->open(endpoint->protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor->bind(*endpoint, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError(
          absl::StrCat("--http-listen ", listen, ": cannot listen: ", ec.message()));
    }
    (health_only ? server->health_ports_ : server->ports_)
        .push_back(acceptor->local_endpoint().port());
    server->impl_->listeners.push_back(Impl::Listener{std::move(acceptor), health_only});
  }
  for (Impl::Listener& listener : server->impl_->listeners) {
    server->impl_->Accept(&listener, server.get());
  }
  const int threads = std::max(1, server->options_.threads);
  for (int i = 0; i < threads; ++i) {
    server->threads_.emplace_back([impl = server->impl_.get()] { impl->io.run(); });
  }
  return server;
}

HttpServer::~HttpServer() { Shutdown(); }

void HttpServer::Shutdown() {
  if (stopped_) return;
  stopped_ = true;
  if (notifier_) notifier_->Detach();
  if (hub_) hub_->Detach();
  // Validations in flight finish (bounded by the build budget) before the sessions they answer
  // go away.
  if (validate_pool_) validate_pool_->join();
  if (impl_) impl_->io.stop();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
  // Destroys the acceptors and every pending handler (and with them the sessions, which
  // unsubscribe from the notifier: it is still alive).
  impl_.reset();
}

}  // namespace hearth::http
