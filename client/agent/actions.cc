#include "client/agent/actions.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "client/agent/process_runner.h"

namespace hearth_agent {
namespace {

constexpr size_t kMaxPidfileBytes = 64;
constexpr size_t kMaxResponseBytes = 64 << 10;

// Closes `fd` on scope exit (-1 is no fd).
class ScopedFd {
 public:
  explicit ScopedFd(int fd = -1) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// ---- kSignal ----

// Reads at most `max` bytes of a small file (/proc entries); nullopt when it cannot be read.
std::optional<std::string> ReadSmallFile(const std::string& path, size_t max) {
  ScopedFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return std::nullopt;
  std::string data(max, '\0');
  size_t got = 0;
  while (got < max) {
    const ssize_t n = read(fd.get(), data.data() + got, max - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  data.resize(got);
  return data;
}

// Errors name the pidfile's path, never what is in it.
absl::StatusOr<pid_t> ReadPidfile(const std::string& path) {
  // O_NONBLOCK: a FIFO planted at the path must not hang the action executor.
  ScopedFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) return absl::ErrnoToStatus(errno, absl::StrCat("pidfile ", path));
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return absl::ErrnoToStatus(errno, absl::StrCat("pidfile ", path));
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat("pidfile ", path, " is not a regular file"));
  }
  const absl::Status garbage = absl::InvalidArgumentError(
      absl::StrCat("pidfile ", path, " does not hold a decimal pid greater than 1"));
  if (st.st_size > static_cast<off_t>(kMaxPidfileBytes)) return garbage;
  char buf[kMaxPidfileBytes];
  ssize_t n;
  do {
    n = read(fd.get(), buf, sizeof(buf));
  } while (n < 0 && errno == EINTR);
  if (n < 0) return absl::ErrnoToStatus(errno, absl::StrCat("pidfile ", path));
  const absl::string_view text = absl::StripAsciiWhitespace(absl::string_view(buf, n));
  // Digits only: SimpleAtoi alone would take a sign and surrounding spaces.
  if (text.empty() || text.size() > 10 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return absl::ascii_isdigit(c); })) {
    return garbage;
  }
  int64_t pid = 0;
  if (!absl::SimpleAtoi(text, &pid) || pid <= 1 || pid > INT32_MAX) return garbage;
  return static_cast<pid_t>(pid);
}

absl::Status SignalByPidfile(const std::string& path, int sig) {
  absl::StatusOr<pid_t> pid = ReadPidfile(path);
  if (!pid.ok()) return pid.status();
  if (*pid == getpid()) {
    return absl::FailedPreconditionError(
        absl::StrCat("pidfile ", path, " names hearth-agent itself; not signalling it"));
  }
  if (kill(*pid, sig) != 0) {
    const int err = errno;
    return absl::ErrnoToStatus(
        err, err == ESRCH ? absl::StrCat("no process has the pid in pidfile ", path, " (stale?)")
                          : absl::StrCat("signal the process in pidfile ", path));
  }
  return absl::OkStatus();
}

absl::string_view BaseName(absl::string_view path) {
  const size_t slash = path.rfind('/');
  return slash == absl::string_view::npos ? path : path.substr(slash + 1);
}

// Whether /proc/<pid> (as `proc_dir`) runs an executable whose base name is `name`. The exe link
// is the truth; when it cannot be read (another user's process, or a kernel thread) the comm
// name is used, which the kernel truncates to 15 bytes, so a longer `name` matches only by exe.
bool ProcessNameMatches(const std::string& proc_dir, absl::string_view name) {
  char target[PATH_MAX];
  const ssize_t n = readlink((proc_dir + "/exe").c_str(), target, sizeof(target));
  if (n > 0) {
    absl::string_view exe(target, static_cast<size_t>(n));
    // An executable replaced on disk (a package upgrade) still runs as the old one.
    constexpr absl::string_view kDeleted = " (deleted)";
    if (absl::EndsWith(exe, kDeleted)) exe.remove_suffix(kDeleted.size());
    return BaseName(exe) == name;
  }
  std::optional<std::string> comm = ReadSmallFile(proc_dir + "/comm", 64);
  if (!comm || absl::StripTrailingAsciiWhitespace(*comm) != name) return false;
  // A zombie keeps its comm but is no longer the process anyone means.
  std::optional<std::string> stat = ReadSmallFile(proc_dir + "/stat", 512);
  if (!stat) return false;
  const size_t paren = stat->rfind(')');
  return paren != std::string::npos && paren + 2 < stat->size() && (*stat)[paren + 2] != 'Z';
}

absl::Status SignalByName(const std::string& name, int sig) {
  if (name.empty() || name.find('/') != std::string::npos) {
    return absl::InvalidArgumentError("process must be an executable's base name");
  }
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return absl::ErrnoToStatus(errno, "open /proc");
  const pid_t self = getpid();
  int signalled = 0;
  int failed = 0;
  int last_errno = 0;
  while (const dirent* entry = readdir(proc)) {
    int64_t pid = 0;
    if (!absl::ascii_isdigit(entry->d_name[0]) || !absl::SimpleAtoi(entry->d_name, &pid) ||
        pid == self) {
      continue;
    }
    if (!ProcessNameMatches(absl::StrCat("/proc/", entry->d_name), name)) continue;
    if (kill(static_cast<pid_t>(pid), sig) == 0) {
      ++signalled;
    } else if (errno != ESRCH) {  // ESRCH: it exited since the scan saw it
      ++failed;
      last_errno = errno;
    }
  }
  closedir(proc);
  if (failed > 0) {
    return absl::ErrnoToStatus(last_errno, absl::StrFormat("signal %d of %d processes named '%s'",
                                                           failed, failed + signalled, name));
  }
  if (signalled == 0) return absl::NotFoundError(absl::StrCat("no process named '", name, "'"));
  return absl::OkStatus();
}

// ---- kWebhook ----

struct HttpUrl {
  std::string host;  // as written, brackets stripped from an IPv6 literal
  int port = 80;
  std::string host_header;  // host[:port] as written
  std::string target;       // path and query, what the request line names
  std::string host_port;    // host:port, the port always shown
  std::string display;      // host:port/path, no query: safe for error messages
};

bool HasControlOrSpace(absl::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) == 0x7f;
  });
}

absl::StatusOr<HttpUrl> ParseHttpUrl(absl::string_view url) {
  constexpr absl::string_view kScheme = "http://";
  if (absl::StartsWithIgnoreCase(url, "https://")) {
    return absl::InvalidArgumentError("webhook URL: https is not supported (no TLS); use http://");
  }
  if (!absl::StartsWithIgnoreCase(url, kScheme)) {
    return absl::InvalidArgumentError("webhook URL must be http://host[:port]/path");
  }
  absl::string_view rest = url.substr(kScheme.size());
  rest = rest.substr(0, rest.find('#'));  // a fragment is never sent
  const size_t end = rest.find_first_of("/?");
  const absl::string_view authority = rest.substr(0, end);
  absl::string_view target = end == absl::string_view::npos ? "" : rest.substr(end);
  if (authority.find('@') != absl::string_view::npos) {
    return absl::InvalidArgumentError("webhook URL: credentials in the URL are not supported");
  }
  if (authority.empty() || HasControlOrSpace(authority) || HasControlOrSpace(target)) {
    return absl::InvalidArgumentError("webhook URL must be http://host[:port]/path");
  }
  HttpUrl out;
  absl::string_view port_text;
  bool has_port = false;
  if (authority.front() == '[') {  // [IPv6 literal]
    const size_t close = authority.find(']');
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError("webhook URL: unterminated [IPv6] host");
    }
    out.host = std::string(authority.substr(1, close - 1));
    const absl::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return absl::InvalidArgumentError("webhook URL must be http://host[:port]/path");
      }
      has_port = true;
      port_text = after.substr(1);
    }
  } else {
    const size_t colon = authority.find(':');
    if (colon != absl::string_view::npos) {
      if (authority.find(':', colon + 1) != absl::string_view::npos) {
        return absl::InvalidArgumentError("webhook URL: an IPv6 host must be in brackets");
      }
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
    out.host = std::string(authority.substr(0, colon));
  }
  if (out.host.empty()) return absl::InvalidArgumentError("webhook URL has no host");
  if (has_port && (port_text.empty() || port_text.size() > 5 ||
                   !std::all_of(port_text.begin(), port_text.end(),
                                [](char c) { return absl::ascii_isdigit(c); }) ||
                   !absl::SimpleAtoi(port_text, &out.port) || out.port < 1 || out.port > 65535)) {
    return absl::InvalidArgumentError("webhook URL: the port must be 1-65535");
  }
  out.host_header = std::string(authority);
  if (target.empty() || target.front() == '?') {
    out.target = absl::StrCat("/", target);
  } else {
    out.target = std::string(target);
  }
  const absl::string_view path = absl::string_view(out.target).substr(0, out.target.find('?'));
  out.host_port = absl::StrCat(
      out.host.find(':') != std::string::npos ? absl::StrCat("[", out.host, "]") : out.host, ":",
      out.port);
  out.display = absl::StrCat(out.host_port, path);
  return out;
}

int PollTimeoutMs(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return 0;
  return static_cast<int>(
      std::min<int64_t>(absl::ToInt64Milliseconds(absl::Ceil(d, absl::Milliseconds(1))), 1 << 30));
}

// Waits until `fd` has `events` or the deadline; `what` names the step for the error.
absl::Status WaitFor(int fd, short events, absl::Time deadline, absl::string_view what) {
  while (true) {
    pollfd p{fd, events, 0};
    const int ready = poll(&p, 1, PollTimeoutMs(deadline - absl::Now()));
    if (ready > 0) return absl::OkStatus();
    if (ready == 0) return absl::DeadlineExceededError(absl::StrCat(what, ": timed out"));
    if (errno != EINTR) return absl::ErrnoToStatus(errno, what);
  }
}

// The addresses of `host`: literals and "localhost" without asking a resolver. A name goes to
// getaddrinfo, which the deadline cannot bound.
absl::StatusOr<std::vector<sockaddr_storage>> Resolve(const HttpUrl& url) {
  std::vector<sockaddr_storage> out;
  sockaddr_storage ss{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  const std::string host = url.host == "localhost" ? "127.0.0.1" : url.host;
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(url.port));
    out.push_back(ss);
    return out;
  }
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(url.port));
    out.push_back(ss);
    return out;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (rc != 0) {
    return absl::UnavailableError(absl::StrCat("resolve ", host, ": ", gai_strerror(rc)));
  }
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    if (a->ai_family != AF_INET && a->ai_family != AF_INET6) continue;
    sockaddr_storage addr{};
    memcpy(&addr, a->ai_addr, a->ai_addrlen);
    if (a->ai_family == AF_INET) {
      reinterpret_cast<sockaddr_in*>(&addr)->sin_port = htons(static_cast<uint16_t>(url.port));
    } else {
      reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port = htons(static_cast<uint16_t>(url.port));
    }
    out.push_back(addr);
  }
  freeaddrinfo(found);
  if (out.empty()) return absl::UnavailableError(absl::StrCat("resolve ", host, ": no address"));
  return out;
}

// A non-blocking socket connected to one of the URL's addresses, by the deadline.
absl::StatusOr<int> Connect(const HttpUrl& url, absl::Time deadline) {
  absl::StatusOr<std::vector<sockaddr_storage>> addrs = Resolve(url);
  if (!addrs.ok()) return addrs.status();
  const std::string what = absl::StrCat("connect to ", url.host_port);
  absl::Status last = absl::UnavailableError(what);
  for (const sockaddr_storage& addr : *addrs) {
    const int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return absl::ErrnoToStatus(errno, "socket");
    const socklen_t len = addr.ss_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    int err = 0;
    if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), len) != 0) {
      err = errno;
      if (err == EINPROGRESS || err == EINTR) {  // EINTR: it goes on in the background
        absl::Status ready = WaitFor(fd, POLLOUT, deadline, what);
        if (!ready.ok()) {
          close(fd);
          return ready;  // the deadline is shared: no time left for another address
        }
        socklen_t err_len = sizeof(err);
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0) err = errno;
      }
    }
    if (err == 0) return fd;
    close(fd);
    last = absl::UnavailableError(absl::StrCat(what, ": ", strerror(err)));
  }
  return last;
}

absl::Status SendAll(int fd, absl::string_view data, absl::Time deadline) {
  while (!data.empty()) {
    const ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      absl::Status ready = WaitFor(fd, POLLOUT, deadline, "send the request");
      if (!ready.ok()) return ready;
      continue;
    }
    return absl::UnavailableError(absl::StrCat("send the request: ", strerror(errno)));
  }
  return absl::OkStatus();
}

// "HTTP/1.x DDD[ reason]" -> DDD.
std::optional<int> ParseStatusLine(absl::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.size() < 12 || !absl::StartsWith(line, "HTTP/1.") || !absl::ascii_isdigit(line[7]) ||
      line[8] != ' ' || (line.size() > 12 && line[12] != ' ')) {
    return std::nullopt;
  }
  const absl::string_view digits = line.substr(9, 3);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return absl::ascii_isdigit(c); })) {
    return std::nullopt;
  }
  int code = 0;
  if (!absl::SimpleAtoi(digits, &code) || code < 100) return std::nullopt;
  return code;
}

// Reads up to the end of the status line (at most kMaxResponseBytes) and returns its code.
absl::StatusOr<int> ReadStatus(int fd, absl::Time deadline) {
  std::string response;
  char buf[4096];
  while (response.find('\n') == std::string::npos) {
    if (response.size() >= kMaxResponseBytes) {
      return absl::UnavailableError("no HTTP status line in the first 64 KiB of the response");
    }
    const ssize_t n = recv(fd, buf, std::min(sizeof(buf), kMaxResponseBytes - response.size()), 0);
    if (n > 0) {
      response.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) break;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      absl::Status ready = WaitFor(fd, POLLIN, deadline, "wait for the response");
      if (!ready.ok()) return ready;
      continue;
    }
    return absl::UnavailableError(absl::StrCat("read the response: ", strerror(errno)));
  }
  if (response.empty()) {
    return absl::UnavailableError("the server closed the connection without a response");
  }
  std::optional<int> code =
      ParseStatusLine(absl::string_view(response).substr(0, response.find('\n')));
  if (!code) return absl::UnavailableError("malformed HTTP status line in the response");
  return *code;
}

std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppendFormat(&out, "\\u%04x", static_cast<unsigned char>(c));
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

std::string OutputsBody(const std::vector<std::string>& outputs) {
  std::string body = "{\"outputs\":[";
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (i > 0) body.push_back(',');
    body += JsonString(outputs[i]);
  }
  body += "]}";
  return body;
}

absl::Status RunWebhook(const Action& action, const std::vector<std::string>& outputs) {
  absl::StatusOr<HttpUrl> url = ParseHttpUrl(action.url);
  if (!url.ok()) return url.status();  // retrying cannot fix the URL
  const std::string body = OutputsBody(outputs);
  const int attempts = std::max(action.max_attempts, 1);
  thread_local std::mt19937_64 rng{std::random_device{}()};
  absl::Duration backoff = std::min(action.initial_backoff, action.max_backoff);
  absl::Status last;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    absl::StatusOr<int> code = HttpPost(action.url, body, action.timeout);
    if (code.ok() && *code >= 200 && *code < 300) return absl::OkStatus();
    last = code.ok() ? absl::UnavailableError(absl::StrCat("HTTP ", *code)) : code.status();
    if (attempt == attempts) break;
    // Full jitter: a fleet that failed together does not retry together.
    const int64_t max_us = std::max<int64_t>(absl::ToInt64Microseconds(backoff), 0);
    absl::SleepFor(absl::Microseconds(std::uniform_int_distribution<int64_t>(0, max_us)(rng)));
    backoff = std::min(backoff * 2, action.max_backoff);
  }
  return absl::Status(
      last.code(), absl::StrFormat("webhook %s: gave up after %d attempt%s; last: %s", url->display,
                                   attempts, attempts == 1 ? "" : "s", last.message()));
}

// ---- kExec ----

absl::Status RunExec(const Action& action) {
  if (action.command.empty()) return absl::InvalidArgumentError("exec action has no command");
  absl::StatusOr<RunResult> run = RunProcess(action.command, action.timeout);
  if (!run.ok()) return run.status();
  const absl::string_view first_line =
      absl::string_view(run->stderr_head).substr(0, run->stderr_head.find('\n'));
  const std::string said = first_line.empty() ? "" : absl::StrCat(": ", first_line);
  if (run->timed_out) {
    return absl::DeadlineExceededError(absl::StrCat("command ", action.command[0],
                                                    " timed out after ",
                                                    absl::FormatDuration(action.timeout), said));
  }
  if (run->exit_code == 0) return absl::OkStatus();
  if (run->exit_code < 0) {
    return absl::UnknownError(absl::StrCat("command ", action.command[0], " was killed", said));
  }
  return absl::UnknownError(
      absl::StrCat("command ", action.command[0], " exited with code ", run->exit_code, said));
}

}  // namespace

absl::Status RunAction(const Action& action, const std::vector<std::string>& outputs) {
  switch (action.kind) {
    case Action::Kind::kNone:
      return absl::OkStatus();
    case Action::Kind::kSignal:
      if (!action.pidfile.empty()) return SignalByPidfile(action.pidfile, action.signal);
      if (!action.process.empty()) return SignalByName(action.process, action.signal);
      return absl::InvalidArgumentError("signal action names neither a pidfile nor a process");
    case Action::Kind::kWebhook:
      return RunWebhook(action, outputs);
    case Action::Kind::kExec:
      return RunExec(action);
  }
  return absl::InvalidArgumentError("unknown action kind");
}

absl::StatusOr<int> HttpPost(const std::string& url, const std::string& body,
                             absl::Duration timeout) {
  absl::StatusOr<HttpUrl> parsed = ParseHttpUrl(url);
  if (!parsed.ok()) return parsed.status();
  const absl::Time deadline = absl::Now() + timeout;
  absl::StatusOr<int> fd = Connect(*parsed, deadline);
  if (!fd.ok()) return fd.status();
  ScopedFd socket_fd(*fd);
  const std::string request =
      absl::StrCat("POST ", parsed->target, " HTTP/1.1\r\nHost: ", parsed->host_header,
                   "\r\nContent-Type: application/json\r\nContent-Length: ", body.size(),
                   "\r\nConnection: close\r\nUser-Agent: hearth-agent\r\n\r\n", body);
  if (absl::Status sent = SendAll(socket_fd.get(), request, deadline); !sent.ok()) return sent;
  return ReadStatus(socket_fd.get(), deadline);
}

}  // namespace hearth_agent
