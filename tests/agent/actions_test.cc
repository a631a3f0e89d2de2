#include "client/agent/actions.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hearth_agent {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Generous bounds: the checks are "it finished at all", not "it was fast".
constexpr absl::Duration kBound = absl::Seconds(10);

// poll(2)'s timeout for `deadline`: -1 (none) for absl::InfiniteFuture().
int PollMs(absl::Time deadline) {
  if (deadline == absl::InfiniteFuture()) return -1;
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  return static_cast<int>(std::min<int64_t>(absl::ToInt64Milliseconds(left) + 1, 1 << 30));
}

// An HTTP/1.1 server on 127.0.0.1, port 0, in one thread. It reads each request (bounded by
// kBound), records it, and answers per its mode; the destructor stops and joins it.
class TestHttpServer {
 public:
  enum class Mode {
    kAnswer,       // 503 to the first `failures` requests, 200 after
    kNeverAnswer,  // reads the request and holds the connection open, silent
    kGarbage,      // a line that is not an HTTP status line
  };
  struct Request {
    std::string head;  // request line and headers
    std::string body;
  };

  explicit TestHttpServer(Mode mode, int failures = 0) : mode_(mode), failures_(failures) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_GE(listen_fd_, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    EXPECT_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(listen(listen_fd_, 16), 0);
    socklen_t len = sizeof(addr);
    EXPECT_EQ(getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
    EXPECT_EQ(pipe2(stop_, O_CLOEXEC), 0);
    thread_ = std::thread([this] { Loop(); });
  }
  ~TestHttpServer() {
    EXPECT_EQ(write(stop_[1], "x", 1), 1);
    thread_.join();
    for (int fd : held_) close(fd);
    close(listen_fd_);
    close(stop_[0]);
    close(stop_[1]);
  }

  int port() const { return port_; }
  std::string Url(const std::string& path) const {
    return absl::StrCat("http://127.0.0.1:", port_, path);
  }
  std::vector<Request> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  // Waits for `fd` to be readable; false on stop or after the deadline.
  bool WaitReadable(int fd, absl::Time deadline) {
    pollfd fds[2] = {{fd, POLLIN, 0}, {stop_[0], POLLIN, 0}};
    return poll(fds, 2, PollMs(deadline)) > 0 && fds[1].revents == 0 && fds[0].revents != 0;
  }

  void Loop() {
    while (WaitReadable(listen_fd_, absl::InfiniteFuture())) {
      const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      Request request;
      const bool complete = ReadRequest(fd, &request);
      int count;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (complete) requests_.push_back(request);
        count = static_cast<int>(requests_.size());
      }
      if (!complete) {
        close(fd);
        continue;
      }
      std::string answer;
      switch (mode_) {
        case Mode::kAnswer:
          answer = count <= failures_
                       ? "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"
                       : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
          break;
        case Mode::kNeverAnswer:
          held_.push_back(fd);
          continue;
        case Mode::kGarbage:
          answer = "SSH-2.0-OpenSSH_9.2\r\n\r\n";
          break;
      }
      EXPECT_EQ(send(fd, answer.data(), answer.size(), MSG_NOSIGNAL),
                static_cast<ssize_t>(answer.size()));
      close(fd);
    }
  }

  // Reads the head and a Content-Length body; false if the client went away first.
  bool ReadRequest(int fd, Request* request) {
    const absl::Time deadline = absl::Now() + kBound;
    std::string data;
    char buf[4096];
    size_t head_end = std::string::npos;
    size_t body_size = 0;
    while (true) {
      if (head_end == std::string::npos) {
        head_end = data.find("\r\n\r\n");
        if (head_end != std::string::npos) {
          request->head = data.substr(0, head_end);
          const size_t at = request->head.find("Content-Length: ");
          if (at != std::string::npos) {
            const size_t eol = request->head.find("\r\n", at);
            EXPECT_TRUE(absl::SimpleAtoi(request->head.substr(at + 16, eol - at - 16), &body_size));
          }
        }
      }
      if (head_end != std::string::npos && data.size() >= head_end + 4 + body_size) {
        request->body = data.substr(head_end + 4, body_size);
        return true;
      }
      if (!WaitReadable(fd, deadline)) return false;
      const ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) return false;
      data.append(buf, static_cast<size_t>(n));
    }
  }

  const Mode mode_;
  const int failures_;
  int listen_fd_ = -1;
  int port_ = 0;
  int stop_[2] = {-1, -1};
  std::vector<int> held_;  // only the server thread, until it is joined
  std::thread thread_;
  std::mutex mu_;
  std::vector<Request> requests_;  // guarded by mu_
};

// A port nothing listens on: bound once to get a free number, then closed.
int ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);
  return ntohs(addr.sin_port);
}

Action Webhook(const std::string& url, int max_attempts) {
  Action a;
  a.kind = Action::Kind::kWebhook;
  a.url = url;
  a.max_attempts = max_attempts;
  a.initial_backoff = absl::Milliseconds(1);
  a.max_backoff = absl::Milliseconds(4);
  a.timeout = absl::Seconds(5);
  return a;
}

TEST(HttpPostTest, ReturnsTheStatusCode) {
  TestHttpServer server(TestHttpServer::Mode::kAnswer, /*failures=*/1);
  absl::StatusOr<int> first = HttpPost(server.Url("/x"), "{}", kBound);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, 503);
  absl::StatusOr<int> second =
      HttpPost(absl::StrCat("http://localhost:", server.port()), "{}", kBound);
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(*second, 200);
  ASSERT_EQ(server.requests().size(), 2u);
  EXPECT_THAT(server.requests()[1].head, StartsWith("POST / HTTP/1.1\r\n"));
  EXPECT_THAT(server.requests()[1].head,
              HasSubstr(absl::StrCat("Host: localhost:", server.port())));
}

TEST(HttpPostTest, RejectsHttpsAndMalformedUrls) {
  for (const std::string url :
       {"https://127.0.0.1/hook", "HTTPS://example.com/", "ftp://127.0.0.1/", "127.0.0.1:80/x",
        "http://", "http:///path", "http://127.0.0.1:0/", "http://127.0.0.1:99999/",
        "http://127.0.0.1:8o/", "http://user:secret@127.0.0.1/", "http://a b/",
        "http://127.0.0.1/a\r\nX-Injected: 1", "http://::1/", "http://[::1/"}) {
    absl::StatusOr<int> r = HttpPost(url, "{}", kBound);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << url;
    EXPECT_THAT(r.status().message(), Not(HasSubstr("secret"))) << url;
  }
  EXPECT_THAT(HttpPost("https://127.0.0.1/", "{}", kBound).status().message(), HasSubstr("https"));
}

TEST(HttpPostTest, ClosedPortIsUnavailable) {
  absl::StatusOr<int> r =
      HttpPost(absl::StrCat("http://127.0.0.1:", ClosedPort(), "/"), "{}", kBound);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
}

TEST(HttpPostTest, AServerThatNeverAnswersIsDeadlineExceeded) {
  TestHttpServer server(TestHttpServer::Mode::kNeverAnswer);
  const absl::Time start = absl::Now();
  absl::StatusOr<int> r = HttpPost(server.Url("/"), "{}", absl::Milliseconds(300));
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_GE(took, absl::Milliseconds(290));
  EXPECT_LT(took, kBound);
}

TEST(HttpPostTest, AGarbageStatusLineIsAnError) {
  TestHttpServer server(TestHttpServer::Mode::kGarbage);
  absl::StatusOr<int> r = HttpPost(server.Url("/"), "{}", kBound);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable) << r.status();
  EXPECT_THAT(r.status().message(), HasSubstr("status line"));
}

TEST(WebhookTest, RetriedUntilTheServerAccepts) {
  TestHttpServer server(TestHttpServer::Mode::kAnswer, /*failures=*/2);
  absl::Status s = RunAction(Webhook(server.Url("/hook?x=1"), 5), {"a", "b"});
  EXPECT_TRUE(s.ok()) << s;
  std::vector<TestHttpServer::Request> requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const TestHttpServer::Request& r : requests) {
    EXPECT_EQ(r.body, R"({"outputs":["a","b"]})");
    EXPECT_THAT(r.head, StartsWith("POST /hook?x=1 HTTP/1.1\r\n"));
    EXPECT_THAT(r.head, HasSubstr(absl::StrCat("\r\nHost: 127.0.0.1:", server.port(), "\r\n")));
    EXPECT_THAT(r.head, HasSubstr("\r\nContent-Type: application/json\r\n"));
    EXPECT_THAT(r.head, HasSubstr("\r\nContent-Length: 21\r\n"));
    EXPECT_THAT(r.head, HasSubstr("\r\nConnection: close\r\n"));
    EXPECT_THAT(r.head, HasSubstr("\r\nUser-Agent: hearth-agent"));
  }
}

TEST(WebhookTest, GivesUpAfterMaxAttemptsNamingThem) {
  TestHttpServer server(TestHttpServer::Mode::kAnswer, /*failures=*/1000);
  Action action = Webhook(server.Url("/hook?token=secret"), 3);
  action.initial_backoff = absl::Milliseconds(10);
  action.max_backoff = absl::Milliseconds(20);
  const absl::Time start = absl::Now();
  absl::Status s = RunAction(action, {"a"});
  EXPECT_LT(absl::Now() - start, kBound);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("3 attempts"));
  EXPECT_THAT(s.message(), HasSubstr("HTTP 503"));
  EXPECT_THAT(s.message(), HasSubstr(absl::StrCat("127.0.0.1:", server.port(), "/hook")));
  EXPECT_THAT(s.message(), Not(HasSubstr("secret")));
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(WebhookTest, EscapesTheOutputIds) {
  TestHttpServer server(TestHttpServer::Mode::kAnswer);
  ASSERT_TRUE(RunAction(Webhook(server.Url("/"), 1), {"a\"b", "c\\d", "e\nf"}).ok());
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].body, R"({"outputs":["a\"b","c\\d","e\u000af"]})");
}

TEST(WebhookTest, ClosedPortFailsAfterItsAttempts) {
  const int port = ClosedPort();
  absl::Status s = RunAction(Webhook(absl::StrCat("http://127.0.0.1:", port, "/h"), 2), {"a"});
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_THAT(s.message(), HasSubstr("2 attempts"));
  EXPECT_THAT(s.message(), HasSubstr(absl::StrCat("127.0.0.1:", port, "/h")));
}

TEST(WebhookTest, HttpsIsRejectedWithoutRetrying) {
  Action action = Webhook("https://127.0.0.1:1/hook", 5);
  action.initial_backoff = action.max_backoff = absl::Seconds(30);  // a retry would hang the test
  EXPECT_EQ(RunAction(action, {"a"}).code(), absl::StatusCode::kInvalidArgument);
}

TEST(WebhookTest, ASilentServerTimesOutEachAttempt) {
  TestHttpServer server(TestHttpServer::Mode::kNeverAnswer);
  Action action = Webhook(server.Url("/"), 2);
  action.timeout = absl::Milliseconds(200);
  const absl::Time start = absl::Now();
  absl::Status s = RunAction(action, {"a"});
  EXPECT_LT(absl::Now() - start, kBound);
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  EXPECT_THAT(s.message(), HasSubstr("2 attempts"));
}

// ---- kSignal ----

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  ASSERT_TRUE(out.good()) << path;
}

// A child of the test; killed (SIGKILL) and reaped on destruction if it still runs.
class Child {
 public:
  // Runs `path` with `argv`, with default signal dispositions and an empty signal mask.
  Child(const std::string& path, const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      execv(path.c_str(), args.data());
      _exit(127);
    }
    EXPECT_GT(pid_, 0);
  }
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  // Waits (up to kBound) for the child to exit; false if it is still running.
  bool Wait(int* status) {
    const absl::Time deadline = absl::Now() + kBound;
    while (!reaped_ && absl::Now() < deadline) {
      if (waitpid(pid_, &status_, WNOHANG) == pid_) {
        reaped_ = true;
      } else {
        absl::SleepFor(absl::Milliseconds(5));
      }
    }
    *status = status_;
    return reaped_;
  }
  bool Exited() {
    if (!reaped_ && waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
    return reaped_;
  }

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

class SignalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/actions_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr) << strerror(errno);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::string cmd = "rm -rf '" + dir_ + "'";
    EXPECT_EQ(system(cmd.c_str()), 0);
  }

  Action ByPidfile(const std::string& path, int sig = SIGHUP) {
    Action a;
    a.kind = Action::Kind::kSignal;
    a.pidfile = path;
    a.signal = sig;
    return a;
  }

  std::string dir_;
};

// Waits until `predicate` holds, up to kBound.
template <typename Predicate>
bool Eventually(Predicate predicate) {
  const absl::Time deadline = absl::Now() + kBound;
  while (absl::Now() < deadline) {
    if (predicate()) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return predicate();
}

TEST_F(SignalTest, SignalsThePidInThePidfile) {
  // The shell traps HUP, records it and exits 0; "ready" is written once the trap is set.
  const std::string script = absl::StrCat("trap 'echo HUP > \"", dir_,
                                          "/got\"; kill $! 2>/dev/null; exit 0' HUP; sleep 60 & "
                                          "echo ready > \"",
                                          dir_, "/ready\"; wait");
  Child child("/bin/sh", {"sh", "-c", script});
  ASSERT_TRUE(Eventually([&] { return ReadFile(dir_ + "/ready") == "ready\n"; }));
  WriteFile(dir_ + "/app.pid", absl::StrCat(child.pid(), "\n"));

  absl::Status s = RunAction(ByPidfile(dir_ + "/app.pid"), {"a"});
  ASSERT_TRUE(s.ok()) << s;
  int status = 0;
  ASSERT_TRUE(child.Wait(&status)) << "the trap never ran";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(ReadFile(dir_ + "/got"), "HUP\n");
}

TEST_F(SignalTest, GarbagePidfilesAreRejectedWithoutQuotingThem) {
  const std::string path = dir_ + "/app.pid";
  const std::vector<std::string> contents = {"",
                                             "\n",
                                             "secret-token",
                                             "0",
                                             "1",
                                             "-5",
                                             "+5",
                                             "12 34",
                                             "0x10",
                                             "12abc",
                                             "99999999999",
                                             "2147483648",
                                             std::string(63, '7'),
                                             std::string(100, '7'),
                                             std::string("4\0"
                                                         "2",
                                                         3)};
  for (const std::string& content : contents) {
    WriteFile(path, content);
    absl::Status s = RunAction(ByPidfile(path, 0), {"a"});
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << content << ": " << s;
    EXPECT_THAT(s.message(), HasSubstr(path));
    EXPECT_THAT(s.message(), Not(HasSubstr("secret")));
    EXPECT_THAT(s.message(), Not(HasSubstr("777")));
  }
}

TEST_F(SignalTest, MissingPidfileIsNotFound) {
  absl::Status s = RunAction(ByPidfile(dir_ + "/missing.pid", 0), {"a"});
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_THAT(s.message(), HasSubstr(dir_ + "/missing.pid"));
}

TEST_F(SignalTest, ADirectoryIsNotAPidfile) {
  absl::Status s = RunAction(ByPidfile(dir_, 0), {"a"});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
}

TEST_F(SignalTest, AStalePidIsNotFound) {
  pid_t gone = fork();
  if (gone == 0) _exit(0);
  ASSERT_GT(gone, 0);
  ASSERT_EQ(waitpid(gone, nullptr, 0), gone);
  WriteFile(dir_ + "/app.pid", absl::StrCat(gone));
  absl::Status s = RunAction(ByPidfile(dir_ + "/app.pid", 0), {"a"});
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_THAT(s.message(), HasSubstr(dir_ + "/app.pid"));
}

TEST_F(SignalTest, TheAgentDoesNotSignalItself) {
  WriteFile(dir_ + "/app.pid", absl::StrCat(getpid()));
  EXPECT_EQ(RunAction(ByPidfile(dir_ + "/app.pid", SIGCONT), {"a"}).code(),
            absl::StatusCode::kFailedPrecondition);
}

std::string ExeBaseName(pid_t pid) {
  char target[4096];
  const ssize_t n = readlink(absl::StrCat("/proc/", pid, "/exe").c_str(), target, sizeof(target));
  if (n <= 0) return "";
  std::string exe(target, static_cast<size_t>(n));
  return exe.substr(exe.rfind('/') + 1);
}

TEST_F(SignalTest, SignalsEveryProcessWithTheExecutableName) {
  // A copy of sleep under a name no other process has.
  const std::string name = absl::StrCat("hsl-", dir_.substr(dir_.size() - 6), "-", getpid());
  const std::string exe = dir_ + "/" + name;
  ASSERT_EQ(system(absl::StrCat("cp /bin/sleep '", exe, "'").c_str()), 0);
  ASSERT_EQ(chmod(exe.c_str(), 0755), 0);
  Child first(exe, {"sleep", "60"});
  Child second(exe, {"sleep", "60"});
  // Until they have exec'd they are still copies of this test.
  for (Child* c : {&first, &second}) {
    ASSERT_TRUE(Eventually([&] { return c->Exited() || ExeBaseName(c->pid()) == name; }));
    if (c->Exited()) GTEST_SKIP() << "cannot execute from " << dir_ << " (noexec?)";
  }

  Action action;
  action.kind = Action::Kind::kSignal;
  action.process = name;
  action.signal = SIGTERM;
  absl::Status s = RunAction(action, {"a"});
  ASSERT_TRUE(s.ok()) << s;
  for (Child* c : {&first, &second}) {
    int status = 0;
    ASSERT_TRUE(c->Wait(&status)) << "still running after SIGTERM";
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) << status;
  }
  // Now nothing has that name.
  EXPECT_EQ(RunAction(action, {"a"}).code(), absl::StatusCode::kNotFound);
}

TEST_F(SignalTest, NoProcessWithTheNameIsNotFoundNamingIt) {
  Action action;
  action.kind = Action::Kind::kSignal;
  action.process = "hearth-no-such-process";
  action.signal = 0;
  absl::Status s = RunAction(action, {"a"});
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_THAT(s.message(), HasSubstr("hearth-no-such-process"));

  action.process = "/usr/bin/sleep";
  EXPECT_EQ(RunAction(action, {"a"}).code(), absl::StatusCode::kInvalidArgument);
}

// ---- kExec and kNone ----

Action Exec(std::vector<std::string> command, absl::Duration timeout = kBound) {
  Action a;
  a.kind = Action::Kind::kExec;
  a.command = std::move(command);
  a.timeout = timeout;
  return a;
}

TEST(ExecActionTest, ZeroExitIsOk) { EXPECT_TRUE(RunAction(Exec({"/bin/true"}), {"a"}).ok()); }

TEST(ExecActionTest, NonZeroExitNamesTheCodeAndTheFirstStderrLine) {
  absl::Status s =
      RunAction(Exec({"/bin/sh", "-c", "echo boom >&2; echo more >&2; exit 3"}), {"a"});
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("exited with code 3"));
  EXPECT_THAT(s.message(), HasSubstr("boom"));
  EXPECT_THAT(s.message(), Not(HasSubstr("more")));
}

TEST(ExecActionTest, TimeoutIsDeadlineExceeded) {
  const absl::Time start = absl::Now();
  absl::Status s = RunAction(Exec({"sleep", "60"}, absl::Milliseconds(200)), {"a"});
  EXPECT_LT(absl::Now() - start, kBound);
  EXPECT_EQ(s.code(), absl::StatusCode::kDeadlineExceeded) << s;
  EXPECT_THAT(s.message(), HasSubstr("timed out"));
}

TEST(ExecActionTest, MissingProgramNamesIt) {
  absl::Status s = RunAction(Exec({"hearth-no-such-program"}), {"a"});
  EXPECT_THAT(s.message(), HasSubstr("exited with code 127"));
  EXPECT_THAT(s.message(), HasSubstr("hearth-no-such-program"));
}

TEST(ActionTest, NoneIsOk) { EXPECT_TRUE(RunAction(Action{}, {"a"}).ok()); }

TEST(ActionTest, SignalWithoutATargetIsInvalid) {
  Action a;
  a.kind = Action::Kind::kSignal;
  EXPECT_EQ(RunAction(a, {"a"}).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hearth_agent
