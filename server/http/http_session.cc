#include "server/http/http_session.h"

#include <string>
#include <type_traits>
#include <utility>

#include "absl/time/clock.h"
#include "boost/asio/dispatch.hpp"
#include "boost/asio/post.hpp"
#include "server/http/http_status.h"

namespace hearth::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace asio = boost::asio;

template <class Stream>
HttpSession<Stream>::HttpSession(Stream stream, const SessionContext* context,
                                 std::shared_ptr<std::atomic<size_t>> open_connections)
    : stream_(std::move(stream)),
      wait_timer_(stream_.get_executor()),
      context_(context),
      routes_(context->routes),
      notifier_(context->notifier),
      limits_(context->limits),
      open_connections_(std::move(open_connections)) {}

template <class Stream>
HttpSession<Stream>::~HttpSession() {
  if (subscription_ != 0) notifier_->Unsubscribe(subscription_);
  if (open_connections_ != nullptr) open_connections_->fetch_sub(1);
}

template <class Stream>
void HttpSession<Stream>::Start() {
  asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      self->Handshake();
    } else {
      self->Read();
    }
  });
}

template <class Stream>
void HttpSession<Stream>::Handshake() {
  if constexpr (std::is_same_v<Stream, TlsStream>) {
    beast::get_lowest_layer(stream_).expires_after(limits_->request_timeout);
    stream_.async_handshake(boost::asio::ssl::stream_base::server,
                            [self = this->shared_from_this()](beast::error_code ec) {
                              if (ec) return self->Close();  // not TLS, or a refused client cert
                              self->Read();
                            });
  }
}

template <class Stream>
void HttpSession<Stream>::Read() {
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(limits_->max_header_bytes));
  parser_->body_limit(limits_->max_body_bytes);
  beast::get_lowest_layer(stream_).expires_after(limits_->request_timeout);
  bhttp::async_read(
      stream_, buffer_, *parser_,
      beast::bind_front_handler(&HttpSession<Stream>::OnRead, this->shared_from_this()));
}

template <class Stream>
void HttpSession<Stream>::OnRead(beast::error_code ec, size_t) {
  if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted ||
      ec == beast::error::timeout || ec == asio::error::connection_reset ||
      ec == asio::error::eof) {
    return Close();  // the client left, or sent nothing in time
  }
  if (ec) {
    // What the parser refused: answer once, then close (the stream is out of sync).
    absl::Status status = absl::InvalidArgumentError("malformed HTTP request");
    int http_status = 400;
    if (ec == bhttp::error::body_limit) {
      status = absl::ResourceExhaustedError("request body is larger than its limit");
      http_status = 413;
    } else if (ec == bhttp::error::header_limit) {
      status = absl::ResourceExhaustedError("request headers are larger than their limit");
      http_status = 431;
    }
    HttpResponse response = ErrorResponse(status);
    response.status = http_status;
    return Write(std::move(response), /*close=*/true);
  }
  bhttp::request<bhttp::string_body> request = parser_->release();
  keep_alive_ = request.keep_alive();
  const beast::string_view target = request.target();
  const size_t q = target.find('?');
  request_.method = std::string(request.method_string());
  request_.path = std::string(target.substr(0, q));
  request_.query = q == beast::string_view::npos ? "" : std::string(target.substr(q + 1));
  request_.if_none_match = std::string(request[bhttp::field::if_none_match]);
  request_.last_event_id = std::string(request["Last-Event-ID"]);
  request_.body = std::move(request.body());
  Answer(/*expired=*/false);
}

template <class Stream>
void HttpSession<Stream>::Answer(bool expired) {
  ConfigRoutes::Outcome outcome = routes_->Handle(request_, absl::Now(), expired);
  if (auto* watch = std::get_if<ConfigRoutes::Watch>(&outcome)) {
    // The connection becomes an event stream; this session ends here (pipelined requests after
    // a watch are not read: the stream is the rest of the connection).
    beast::get_lowest_layer(stream_).expires_never();
    std::make_shared<SseStream<Stream>>(std::move(stream_), std::move(*watch), context_->hub,
                                        context_->sse, std::move(open_connections_))
        ->Start();
    return;
  }
  if (auto* validate = std::get_if<ValidateRequest>(&outcome)) {
    return Validate(std::move(*validate));
  }
  if (auto* wait = std::get_if<ConfigRoutes::Wait>(&outcome)) {
    // Woken by a change that left this answer's etag as it was (another variant, path or
    // format): wait on, until the first deadline.
    if (parked_deadline_ != absl::InfiniteFuture()) {
      wait->deadline = std::min(wait->deadline, parked_deadline_);
    }
    parked_deadline_ = wait->deadline;
    return Park(*wait);
  }
  parked_deadline_ = absl::InfiniteFuture();
  Write(std::get<HttpResponse>(std::move(outcome)), !keep_alive_);
}

template <class Stream>
void HttpSession<Stream>::Park(const ConfigRoutes::Wait& wait) {
  const uint64_t generation = ++wait_generation_;
  std::weak_ptr<HttpSession> weak = this->weak_from_this();
  auto executor = stream_.get_executor();
  subscription_ = notifier_->Subscribe(wait.name, [weak, executor, generation] {
    asio::post(executor, [weak, generation] {
      if (auto self = weak.lock(); self && self->wait_generation_ == generation) self->OnWake();
    });
  });
  if (subscription_ == 0) {
    return Write(ErrorResponse(absl::ResourceExhaustedError(
                     "too many blocking requests are waiting; retry without wait, or later")),
                 !keep_alive_);
  }
  // No read timeout while parked: the wait's own deadline bounds it.
  beast::get_lowest_layer(stream_).expires_never();
  const absl::Duration left = wait.deadline - absl::Now();
  wait_timer_.expires_after(std::chrono::microseconds(absl::ToInt64Microseconds(left)));
  wait_timer_.async_wait([self = this->shared_from_this(), generation](beast::error_code ec) {
    if (ec || self->wait_generation_ != generation) return;  // woken (cancelled) or superseded
    ++self->wait_generation_;
    if (self->subscription_ != 0) self->notifier_->Unsubscribe(self->subscription_);
    self->subscription_ = 0;
    self->parked_deadline_ = absl::InfiniteFuture();
    self->Answer(/*expired=*/true);
  });
}

template <class Stream>
void HttpSession<Stream>::Validate(ValidateRequest request) {
  if (context_->dry_runner == nullptr) {
    return Write(ErrorResponse(absl::UnimplementedError("this server runs no validations")),
                 !keep_alive_);
  }
  if (context_->validations->fetch_add(1) >= context_->max_validations) {
    context_->validations->fetch_sub(1);
    return Write(ErrorResponse(
                     absl::ResourceExhaustedError("too many validations are running; retry later")),
                 !keep_alive_);
  }
  // The build reads files and may take a while: on the validation pool, never on the
  // connection's thread; the answer comes back to this session's strand.
  asio::post(*context_->validate_pool, [self = this->shared_from_this(),
                                        request = std::move(request)]() mutable {
    HttpResponse response =
        RunValidate(*self->context_->dry_runner, *self->context_->store, std::move(request));
    self->context_->validations->fetch_sub(1);
    asio::post(self->stream_.get_executor(), [self, response = std::move(response)]() mutable {
      self->Write(std::move(response), !self->keep_alive_);
    });
  });
}

template <class Stream>
void HttpSession<Stream>::OnWake() {
  ++wait_generation_;
  subscription_ = 0;  // fired: the notifier forgot it
  wait_timer_.cancel();
  Answer(/*expired=*/absl::Now() >= parked_deadline_);
}

template <class Stream>
void HttpSession<Stream>::Write(HttpResponse response, bool close) {
  response_ = {};
  response_.result(static_cast<unsigned>(response.status));
  response_.version(11);
  response_.set(bhttp::field::server, "hearthd");
  if (!response.content_type.empty()) {
    response_.set(bhttp::field::content_type, response.content_type);
  }
  for (auto& [name, value] : response.headers) response_.set(name, value);
  response_.keep_alive(!close);
  const size_t length = response.body.size();
  if (request_.method == "HEAD") {
    response_.content_length(length);  // what GET would send
  } else {
    response_.body() = std::move(response.body);
    response_.prepare_payload();
  }
  beast::get_lowest_layer(stream_).expires_after(limits_->request_timeout);
  bhttp::async_write(
      stream_, response_,
      beast::bind_front_handler(&HttpSession<Stream>::OnWrite, this->shared_from_this(), close));
}

template <class Stream>
void HttpSession<Stream>::OnWrite(bool close, beast::error_code ec, size_t) {
  if (ec || close) return Close();
  Read();
}

template <class Stream>
void HttpSession<Stream>::Close() {
  beast::error_code ignored;
  beast::get_lowest_layer(stream_).socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  beast::get_lowest_layer(stream_).close();
}

template class HttpSession<PlainStream>;
template class HttpSession<TlsStream>;

}  // namespace hearth::http
