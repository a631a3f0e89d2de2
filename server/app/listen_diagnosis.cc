#include "server/app/listen_diagnosis.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/core/model/absl_compat.h"

namespace hearth {
namespace {

std::string DiagnoseUnix(const std::string& path) {
  if (path.empty()) return "the socket path is empty";
  if (path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    return absl::StrCat("the socket path is ", path.size(), " bytes; at most ",
                        sizeof(sockaddr_un{}.sun_path) - 1, " fit in a unix socket address");
  }
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    return absl::StrCat("directory ", dir, " does not exist (create it, or choose another path)");
  }
  if (!S_ISDIR(st.st_mode)) return absl::StrCat(dir, " is not a directory");
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return absl::StrCat("no permission to create a socket in ", dir, " (", std::strerror(errno),
                        ")");
  }
  return "";
}

std::string DiagnoseTcp(std::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return "expected HOST:PORT";
  std::string host(address.substr(0, colon));
  const std::string port(address.substr(colon + 1));
  int port_number = -1;
  if (!absl::SimpleAtoi(port, &port_number) || port_number < 0 || port_number > 65535) {
    return absl::StrCat("port \"", port, "\" is not a number from 0 to 65535");
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(), &hints, &found);
      rc != 0) {
    return absl::StrCat("cannot resolve host \"", host, "\": ", ::gai_strerror(rc));
  }
  std::string why;
  for (addrinfo* a = found; a != nullptr && why.empty(); a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));  // as gRPC and civetweb do
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0) {
      switch (errno) {
        case EADDRINUSE:
          why = absl::StrCat("port ", port_number, " is already in use by another process");
          break;
        case EADDRNOTAVAIL:
          why = absl::StrCat(host, " is not an address of this machine");
          break;
        case EACCES:
          why = absl::StrCat("port ", port_number,
                             " is privileged (below 1024: run with CAP_NET_BIND_SERVICE or "
                             "choose a higher port)");
          break;
        default:
          why = std::strerror(errno);
      }
    }
    ::close(fd);
  }
  ::freeaddrinfo(found);
  return why;
}

}  // namespace

std::string DiagnoseListenAddress(std::string_view address) {
  if (address.substr(0, 5) == "unix:") {
    std::string_view path = address.substr(5);
    if (path.substr(0, 2) == "//") path.remove_prefix(2);  // unix:///abs -> /abs
    return DiagnoseUnix(std::string(path));
  }
  return DiagnoseTcp(address);
}

}  // namespace hearth
