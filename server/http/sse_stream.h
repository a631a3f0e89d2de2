#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "boost/asio/steady_timer.hpp"
#include "boost/beast/core.hpp"
#include "server/core/store/config_store.h"
#include "server/http/config_routes.h"
#include "server/http/sse_hub.h"

namespace hearth::http {

struct SseOptions {
  std::string instance_id;
  // A `: keepalive` comment and a progress event this often, so proxies keep the connection and a
  // dead client is noticed.
  std::chrono::milliseconds keepalive{15000};
  // One write must finish within this; a client that reads nothing for so long is closed (it
  // resumes with Last-Event-ID, nothing is lost: events are coalesced per config, not queued).
  std::chrono::milliseconds write_timeout{60000};
};

// One `GET /v1/watch` as Server-Sent Events, mirroring WatchConfigs:
//   event: snapshot | updated | deleted | config_error   data: {"type":..,"name":..,...}
//   event: synced (the snapshot is complete)              event: progress
// `synced` and every live event carry `id: REVISION@INSTANCE`, in increasing revision order, so
// an EventSource that reconnects with Last-Event-ID gets exactly what it missed (or, from another
// instance or a compacted revision, a snapshot preceded by `event: reset`). The backlog before
// `synced` carries no id: an interrupted snapshot is sent again whole. Pending changes are kept per
// config (the newest wins), so a slow client costs at most one entry per config it watches.
//
// Runs on the connection's strand; owns itself through the handlers in flight.
template <class Stream>
class SseStream : public std::enable_shared_from_this<SseStream<Stream>> {
 public:
  SseStream(Stream stream, ConfigRoutes::Watch watch, SseHub* hub, const SseOptions* options,
            std::shared_ptr<std::atomic<size_t>> open_connections);
  ~SseStream();

  // Subscribes and starts writing. `subscription` was taken by the caller (SseHub::Subscribe
  // with a callback that forwards to OnChange through Forwarder()).
  void Start();

 private:
  bool Matches(const std::string& name) const;
  void OnChange(const ConfigStore::Change& change);
  void BuildBacklog();
  void Pump();
  void OnWritten(boost::beast::error_code ec, size_t bytes);
  void ArmKeepalive();
  void WatchForClose();
  void Close();
  // Appends one event for `entry` (or a deletion of `name` at `revision`): part of the backlog
  // (snapshot or resume, no id) or a live change (id REVISION@INSTANCE).
  void AppendEntry(const ConfigEntry* entry, const std::string& name, uint64_t revision,
                   bool backlog);
  std::string Id(uint64_t revision) const;

  Stream stream_;
  const ConfigRoutes::Watch watch_;
  const std::set<std::string> names_;
  SseHub* const hub_;
  const SseOptions* const options_;
  std::shared_ptr<std::atomic<size_t>> open_connections_;
  uint64_t subscription_ = 0;
  boost::asio::steady_timer keepalive_;
  char read_byte_[64];

  std::deque<std::shared_ptr<const ConfigEntry>> backlog_;  // snapshot or resume, sorted
  bool resume_ = false;  // the backlog is what changed since the resume point, not a snapshot
  bool synced_sent_ = false;
  uint64_t synced_revision_ = 0;
  std::map<std::string, uint64_t> pending_;       // live changes: name -> newest revision notified
  std::map<std::string, uint64_t> backlog_sent_;  // revision the backlog showed, per name
  uint64_t last_id_ = 0;                          // revision of the last event sent
  uint64_t seen_revision_ = 0;                    // newest change notified (matching or not)
  std::string out_;                               // being written
  bool writing_ = false;
  bool closed_ = false;
  bool progress_due_ = false;
};

}  // namespace hearth::http
