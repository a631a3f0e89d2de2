#pragma once

#include <optional>
#include <string>

namespace hearth::testing {

// A TCP connection to 127.0.0.1:port whose receive and send operations time out after
// `timeout_seconds`; -1 if it cannot connect. The caller closes it.
int ConnectLoopback(int port, int timeout_seconds = 5);

// Sends the raw bytes `request` to 127.0.0.1:port and returns everything read until the server
// closes the connection or a read times out (`timeout_seconds`); "" if it cannot connect.
std::string HttpExchange(int port, const std::string& request, int timeout_seconds = 5);

// GET http://127.0.0.1:port/path over HTTP/1.0: the body of a 200 response, or nullopt on any
// failure. Each socket operation is bounded by a 5 s timeout.
std::optional<std::string> HttpGet(int port, const std::string& path);

}  // namespace hearth::testing
