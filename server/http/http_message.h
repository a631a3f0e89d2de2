#pragma once

#include <string>
#include <utility>
#include <vector>

namespace hearth::http {

// One parsed request as the routes see it: no sockets, no Beast types, so that the routes are
// tested as plain functions (tests/http/config_routes_test.cc).
struct HttpRequest {
  std::string method;  // GET, HEAD, POST, ...
  std::string path;    // the target up to '?', still percent-encoded
  std::string query;   // after '?', still percent-encoded
  std::string if_none_match;
  std::string last_event_id;  // an EventSource reconnecting (SSE resume)
  std::string body;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type / Length
  std::string body;

  void AddHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
};

}  // namespace hearth::http
