#pragma once

#include <optional>
#include <string>

namespace hearth::testing {

// GET http://127.0.0.1:port/path over HTTP/1.0: the body of a 200 response, or nullopt on any
// failure. Each socket operation is bounded by a 5 s timeout.
std::optional<std::string> HttpGet(int port, const std::string& path);

}  // namespace hearth::testing
