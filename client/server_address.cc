#include "client/server_address.h"

#include <charconv>

namespace hearthctl {
namespace {

// Debian's Abseil has its own string_view type, so this file sticks to the standard library.
constexpr std::string_view kGrpcSchemes[] = {
    "unix:", "unix-abstract:", "dns:", "ipv4:", "ipv6:", "vsock:"};

bool ConsumePrefix(std::string_view* s, std::string_view prefix) {
  if (s->substr(0, prefix.size()) != prefix) return false;
  s->remove_prefix(prefix.size());
  return true;
}

absl::Status Invalid(std::string_view text, std::string_view why) {
  std::string msg = "invalid --server \"";
  msg.append(text).append("\": ").append(why);
  msg.append(" (expected host:port, host, http(s)://host:port or unix:///path)");
  return absl::InvalidArgumentError(msg);
}

}  // namespace

absl::StatusOr<ServerAddress> ParseServerAddress(std::string_view text) {
  ServerAddress out;
  for (std::string_view scheme : kGrpcSchemes) {
    if (text.substr(0, scheme.size()) == scheme) {
      out.target = std::string(text);
      return out;
    }
  }
  std::string_view rest = text;
  if (ConsumePrefix(&rest, "https://")) {
    out.tls = true;
  } else if (!ConsumePrefix(&rest, "http://") && rest.find("://") != std::string_view::npos) {
    return Invalid(text, "unknown scheme");
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos) {
    return Invalid(text, "a path is not allowed after the host");
  }

  std::string_view host = rest;
  std::string_view port;
  if (!rest.empty() && rest[0] == '[') {  // [v6] or [v6]:port
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return Invalid(text, "unterminated '['");
    host = rest.substr(0, close + 1);
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return Invalid(text, "expected ':' after ']'");
      port = after.substr(1);
      if (port.empty()) return Invalid(text, "empty port");
    }
  } else if (const size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    if (rest.find(':') != colon) {
      return Invalid(text, "an IPv6 address needs brackets, e.g. [::1]:7070");
    }
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (port.empty()) return Invalid(text, "empty port");
  }
  if (host.empty() || host == "[]") return Invalid(text, "empty host");
  int port_number = kDefaultPort;
  if (!port.empty()) {
    const char* end = port.data() + port.size();
    auto [ptr, ec] = std::from_chars(port.data(), end, port_number);
    if (ec != std::errc() || ptr != end) return Invalid(text, "port is not a number");
    if (port_number < 1 || port_number > 65535) return Invalid(text, "port out of range 1-65535");
  }
  out.target = std::string(host) + ":" + std::to_string(port_number);
  return out;
}

}  // namespace hearthctl
