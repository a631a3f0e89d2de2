#pragma once

#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "absl/time/time.h"
#include "server/core/store/config_renderer.h"
#include "server/http/http_message.h"
#include "server/http/validate_route.h"

namespace hearth::http {

// The HTTP API's routes over the store, as plain functions of a request (no sockets):
//   GET|HEAD /v1/configs/{name}?profile=&path=&format=&wait=   one document, its ETag, 304
//   GET      /v1/configs?prefix=&page_size=&page_token=         the list, with health and errors
//   GET      /v1/watch?names=&prefixes=&profile=&since_revision=  Server-Sent Events
//   GET      /v1/blame/{name}?profile=&path=                    which file:line set each leaf
//   POST     /v1/validate                                       a dry run (ValidateConfig)
//   GET      /healthz, /readyz                                  liveness and readiness
// Thread-safe (the renderer is; the routes hold no state of their own).
class ConfigRoutes {
 public:
  struct Options {
    absl::Duration max_wait = absl::Minutes(5);  // a blocking GET's `wait` is capped here
    // Why hearthd is not ready ("" when it is), as the gRPC health service says.
    std::function<std::string()> not_ready_reason;
    // This daemon's instance id: SSE event ids are REVISION@INSTANCE, and a Last-Event-ID of
    // another instance resumes with a snapshot flagged reset.
    std::string instance_id;
    // Only /healthz and /readyz (a plaintext health listener beside a TLS API); the rest 404.
    bool health_only = false;
  };

  // A blocking GET whose If-None-Match is current: the caller parks the request until `name`
  // changes or `deadline`, then calls Handle again with `expired` set at the deadline.
  struct Wait {
    std::string name;
    absl::Time deadline;
  };
  // A watch: the caller turns the connection into an SSE stream (http/sse_stream.h).
  struct Watch {
    std::vector<std::string> names;
    std::vector<std::string> prefixes;
    std::string profile;
    bool resume = false;  // send only what changed after since_revision
    uint64_t since_revision = 0;
    bool reset = false;  // a resume point that cannot be trusted: a full snapshot, flagged
  };
  // POST /v1/validate: the caller runs it on a worker (validate_route.h).
  using Outcome = std::variant<HttpResponse, Wait, Watch, ValidateRequest>;

  ConfigRoutes(const ConfigRenderer* renderer, Options options);

  // `expired`: a parked blocking GET reached its deadline (the answer is 304 unless the etag
  // changed meanwhile). `now` is when the request is handled (the wait's start).
  Outcome Handle(const HttpRequest& request, absl::Time now, bool expired = false) const;

 private:
  Outcome GetConfig(const HttpRequest& request, std::string_view encoded_name, absl::Time now,
                    bool expired) const;
  HttpResponse ListConfigs(const HttpRequest& request) const;
  Outcome WatchConfigs(const HttpRequest& request) const;
  HttpResponse Blame(const HttpRequest& request, std::string_view encoded_name) const;

  const ConfigRenderer* const renderer_;  // not owned
  const Options options_;
};

}  // namespace hearth::http
