#include "server/http/sse_stream.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "boost/asio/post.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/ssl.hpp"
#include "server/core/model/absl_compat.h"
#include "server/http/http_status.h"

namespace hearth::http {

namespace beast = boost::beast;
namespace asio = boost::asio;

namespace {

// A write gathers events up to about this many bytes.
constexpr size_t kWriteChunk = 64 << 10;

}  // namespace

template <class Stream>
SseStream<Stream>::SseStream(Stream stream, ConfigRoutes::Watch watch, SseHub* hub,
                             const SseOptions* options,
                             std::shared_ptr<std::atomic<size_t>> open_connections)
    : stream_(std::move(stream)),
      watch_(std::move(watch)),
      names_(watch_.names.begin(), watch_.names.end()),
      hub_(hub),
      options_(options),
      open_connections_(std::move(open_connections)),
      keepalive_(stream_.get_executor()) {}

template <class Stream>
SseStream<Stream>::~SseStream() {
  if (subscription_ != 0) hub_->Unsubscribe(subscription_);
  open_connections_->fetch_sub(1);
}

template <class Stream>
bool SseStream<Stream>::Matches(const std::string& name) const {
  if (names_.empty() && watch_.prefixes.empty()) return true;  // everything
  if (names_.count(name) > 0) return true;
  return std::any_of(watch_.prefixes.begin(), watch_.prefixes.end(),
                     [&](const std::string& p) { return name.starts_with(p); });
}

template <class Stream>
std::string SseStream<Stream>::Id(uint64_t revision) const {
  return absl::StrCat(revision, "@", options_->instance_id);
}

template <class Stream>
void SseStream<Stream>::Start() {
  std::weak_ptr<SseStream> weak = this->weak_from_this();
  auto executor = stream_.get_executor();
  subscription_ = hub_->Subscribe([weak, executor](const ConfigStore::Change& change) {
    asio::post(executor, [weak, change] {
      if (auto self = weak.lock()) self->OnChange(change);
    });
  });
  if (subscription_ == 0) {
    HttpResponse busy =
        ErrorResponse(absl::ResourceExhaustedError("too many watch streams are open; retry later"));
    out_ = absl::StrCat(
        "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\n"
        "Content-Length: ",
        busy.body.size(), "\r\nConnection: close\r\n\r\n", busy.body);
    closed_ = true;
  } else {
    // No Content-Length and no chunking: the body is the stream, until the connection closes.
    out_ =
        "HTTP/1.1 200 OK\r\nServer: hearthd\r\nContent-Type: text/event-stream\r\n"
        "Cache-Control: no-cache\r\nX-Accel-Buffering: no\r\nConnection: close\r\n\r\n"
        "retry: 1000\n\n";
    BuildBacklog();
  }
  writing_ = true;
  beast::get_lowest_layer(stream_).expires_after(options_->write_timeout);
  asio::async_write(
      stream_, asio::buffer(out_),
      beast::bind_front_handler(&SseStream<Stream>::OnWritten, this->shared_from_this()));
  if (!closed_) {
    ArmKeepalive();
    WatchForClose();
  }
}

template <class Stream>
void SseStream<Stream>::BuildBacklog() {
  const ConfigStore& store = hub_->store();
  // Subscribed first, so nothing between this read and the live changes is missed; what both
  // see is sent once (events go out in increasing revision order, and older ones are skipped).
  seen_revision_ = store.revision();
  std::vector<std::shared_ptr<const ConfigEntry>> entries;
  resume_ = watch_.resume && !watch_.reset && watch_.since_revision >= store.compacted_revision() &&
            watch_.since_revision <= store.revision();
  const bool resume = resume_;
  if (resume) {
    for (auto& e : store.ChangedSince(watch_.since_revision)) {
      if (Matches(e->name)) entries.push_back(std::move(e));
    }
  } else {
    for (auto& e : store.List()) {
      if (Matches(e->name)) entries.push_back(std::move(e));
    }
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a->mod_revision < b->mod_revision; });
  }
  backlog_.assign(entries.begin(), entries.end());
  synced_revision_ = seen_revision_;
  const bool reset = watch_.reset || (watch_.resume && !resume);
  while (!backlog_.empty() && out_.size() < kWriteChunk) {
    std::shared_ptr<const ConfigEntry> e = std::move(backlog_.front());
    backlog_.pop_front();
    AppendEntry(e->deleted ? nullptr : e.get(), e->name, e->mod_revision, /*backlog=*/true);
  }
  if (reset) {
    // Said before anything else of the snapshot reaches the client: throw away what you have.
    out_.insert(out_.find("retry: 1000\n\n") + 13,
                "event: reset\ndata: {\"reason\":\"the resume point is unknown to this daemon "
                "(another instance, or compacted): a full snapshot follows\"}\n\n");
  }
}

template <class Stream>
void SseStream<Stream>::AppendEntry(const ConfigEntry* entry, const std::string& name,
                                    uint64_t revision, bool backlog) {
  if (!backlog) {
    // A live change already shown by the backlog (it read the entry after the change), or one
    // at or before the synced point: sent once only.
    if (revision <= last_id_) return;
    auto shown = backlog_sent_.find(name);
    if (shown != backlog_sent_.end()) {
      const bool same = shown->second == revision;
      backlog_sent_.erase(shown);
      if (same) return;
    }
    last_id_ = revision;
  } else {
    backlog_sent_[name] = revision;
  }
  const char* type = "UPDATED";
  const char* event = "updated";
  if (entry == nullptr) {
    type = "DELETED";
    event = "deleted";
  } else if (backlog && !resume_) {
    type = "SNAPSHOT";
    event = "snapshot";
  } else if (!entry->errors.empty()) {
    type = "ERROR";
    event = "config_error";
  }
  std::string data = absl::StrCat("{\"type\":\"", type, "\",\"name\":", JsonQuoteAscii(name),
                                  ",\"revision\":", revision);
  if (entry != nullptr) {
    if (entry->version != nullptr) {
      const RenderedDocument& variant = entry->version->Variant(watch_.profile);
      absl::StrAppend(&data, ",\"etag\":\"", variant.etag, "\"");
      if (std::string_view(type) != "ERROR" && variant.json != nullptr) {
        absl::StrAppend(&data, ",\"document\":", *variant.json);  // canonical JSON, one line
      }
    }
    absl::StrAppend(&data, ",\"errors\":", JsonStringListAscii(entry->errors));
  }
  data += "}";
  // Backlog events carry no id: until `synced`, a reconnecting client still holds its old
  // Last-Event-ID and gets the whole backlog again, so an interrupted snapshot never counts as
  // delivered.
  if (!backlog) absl::StrAppend(&out_, "id: ", Id(revision), "\n");
  absl::StrAppend(&out_, "event: ", event, "\ndata: ", data, "\n\n");
}

template <class Stream>
void SseStream<Stream>::OnChange(const ConfigStore::Change& change) {
  if (closed_) return;
  seen_revision_ = std::max(seen_revision_, change.revision);
  if (!Matches(change.name)) return;
  uint64_t& newest = pending_[change.name];
  newest = std::max(newest, change.revision);
  Pump();
}

template <class Stream>
void SseStream<Stream>::Pump() {
  if (writing_ || closed_) return;
  out_.clear();
  const ConfigStore& store = hub_->store();
  while (!backlog_.empty() && out_.size() < kWriteChunk) {
    std::shared_ptr<const ConfigEntry> e = std::move(backlog_.front());
    backlog_.pop_front();
    AppendEntry(e->deleted ? nullptr : e.get(), e->name, e->mod_revision, /*backlog=*/true);
  }
  if (backlog_.empty() && !synced_sent_) {
    synced_sent_ = true;
    last_id_ = synced_revision_;  // everything up to it is in the backlog just sent
    absl::StrAppend(&out_, "id: ", Id(last_id_),
                    "\nevent: synced\ndata: {\"revision\":", synced_revision_, "}\n\n");
  }
  if (backlog_.empty()) {
    // Live changes, oldest first by their current revision, so ids only grow.
    while (!pending_.empty() && out_.size() < kWriteChunk) {
      std::string name;
      std::shared_ptr<const ConfigEntry> entry;
      uint64_t revision = UINT64_MAX;
      for (const auto& [n, notified] : pending_) {
        std::shared_ptr<const ConfigEntry> e = store.Get(n);
        const uint64_t r = e != nullptr ? e->mod_revision : notified;
        if (r < revision) {
          revision = r;
          name = n;
          entry = std::move(e);
        }
      }
      pending_.erase(name);
      AppendEntry(entry.get(), name, revision, /*backlog=*/false);
    }
    if (pending_.empty() && progress_due_ && synced_sent_) {
      progress_due_ = false;
      last_id_ = std::max(last_id_, seen_revision_);
      absl::StrAppend(&out_, ": keepalive\nid: ", Id(last_id_),
                      "\nevent: progress\ndata: {\"revision\":", seen_revision_, "}\n\n");
    }
  }
  if (out_.empty()) return;
  writing_ = true;
  beast::get_lowest_layer(stream_).expires_after(options_->write_timeout);
  asio::async_write(
      stream_, asio::buffer(out_),
      beast::bind_front_handler(&SseStream<Stream>::OnWritten, this->shared_from_this()));
}

template <class Stream>
void SseStream<Stream>::OnWritten(beast::error_code ec, size_t) {
  writing_ = false;
  if (ec || closed_) return Close();
  Pump();
}

template <class Stream>
void SseStream<Stream>::ArmKeepalive() {
  keepalive_.expires_after(options_->keepalive);
  keepalive_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
    if (ec || self->closed_) return;
    self->progress_due_ = true;
    self->Pump();
    self->ArmKeepalive();
  });
}

template <class Stream>
void SseStream<Stream>::WatchForClose() {
  // The client sends nothing on an SSE stream; a read that completes means it closed (or sent
  // bytes it should not): either way the stream ends.
  stream_.async_read_some(
      asio::buffer(read_byte_),
      [self = this->shared_from_this()](beast::error_code, size_t) { self->Close(); });
}

template <class Stream>
void SseStream<Stream>::Close() {
  if (closed_ && !beast::get_lowest_layer(stream_).socket().is_open()) return;
  closed_ = true;
  keepalive_.cancel();
  if (subscription_ != 0) {
    hub_->Unsubscribe(subscription_);
    subscription_ = 0;
  }
  beast::error_code ignored;
  beast::get_lowest_layer(stream_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(stream_).close();
}

template class SseStream<boost::beast::tcp_stream>;
template class SseStream<boost::beast::ssl_stream<boost::beast::tcp_stream>>;

}  // namespace hearth::http
