#include "client/agent/process_runner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace hearth_agent {
namespace {

constexpr size_t kMaxHeadBytes = 512;
constexpr int kMaxHeadLines = 4;
// Without a pidfd (kernel < 5.3, or a seccomp filter refusing it) the child's exit is noticed by
// polling waitpid this often.
constexpr absl::Duration kExitPollInterval = absl::Milliseconds(20);

// Closes `fd` on scope exit (-1 is no fd).
class ScopedFd {
 public:
  explicit ScopedFd(int fd = -1) : fd_(fd) {}
  ~ScopedFd() { Reset(); }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

absl::Status ErrnoError(absl::string_view what, int err) {
  return absl::InternalError(absl::StrCat(what, ": ", strerror(err)));
}

// Keeps the first kMaxHeadLines lines / kMaxHeadBytes bytes of a stream; the rest is dropped.
class HeadKeeper {
 public:
  void Append(const char* data, size_t n) {
    for (size_t i = 0; i < n && !full_; ++i) {
      head_.push_back(data[i]);
      if (data[i] == '\n' && ++lines_ == kMaxHeadLines) full_ = true;
      if (head_.size() == kMaxHeadBytes) full_ = true;
    }
  }
  // The kept bytes without the last line's newline.
  std::string Take() {
    if (!head_.empty() && head_.back() == '\n') head_.pop_back();
    return std::move(head_);
  }

 private:
  std::string head_;
  int lines_ = 0;
  bool full_ = false;
};

int PollTimeoutMs(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return 0;
  return static_cast<int>(
      std::min<int64_t>(absl::ToInt64Milliseconds(absl::Ceil(d, absl::Milliseconds(1))), 1 << 30));
}

// In the forked child: only async-signal-safe calls from here to exec (the agent has other
// threads, which may hold malloc's or stdio's locks). Everything it needs was prepared before
// fork. Never returns.
[[noreturn]] void ExecChild(char* const* argv, int dev_null, int stderr_w, int max_fd,
                            const std::string& exec_error_prefix) {
  // Its own process group, so a timeout kills what it started too. (The parent sets it as well;
  // whichever runs first wins the race against exec.)
  setpgid(0, 0);
  // Dispositions the agent ignores and signals it blocks would survive exec.
  for (int sig = 1; sig < NSIG; ++sig) signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  // Move both fds above 2 first, so dup2 below cannot clobber one with the other.
  int nul = fcntl(dev_null, F_DUPFD, 3);
  int err = fcntl(stderr_w, F_DUPFD, 3);
  if (nul < 0 || err < 0 || dup2(nul, 0) < 0 || dup2(nul, 1) < 0 || dup2(err, 2) < 0) _exit(127);
  // No other descriptor of the agent survives into the child.
  if (close_range(3, ~0U, 0) != 0) {
    for (int fd = 3; fd < max_fd; ++fd) close(fd);
  }
  execvp(argv[0], argv);
  const int exec_errno = errno;
  const char* reason = strerrordesc_np(exec_errno);
  if (reason == nullptr) reason = "exec failed";
  // Best effort: there is nothing to do about a failed write to the agent's pipe.
  ssize_t ignored = write(2, exec_error_prefix.data(), exec_error_prefix.size());
  ignored = write(2, reason, strlen(reason));
  ignored = write(2, "\n", 1);
  (void)ignored;
  _exit(127);
}

}  // namespace

absl::StatusOr<RunResult> RunProcess(const std::vector<std::string>& argv, absl::Duration timeout) {
  if (argv.empty() || argv[0].empty()) {
    return absl::InvalidArgumentError("cannot run an empty command");
  }
  const absl::Time deadline = absl::Now() + timeout;

  // Everything the child uses is built here: after fork it may not allocate.
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string exec_error_prefix = absl::StrCat("cannot execute ", argv[0], ": ");
  rlimit nofile{};
  const int max_fd = getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY
                         ? static_cast<int>(std::min<rlim_t>(nofile.rlim_cur, 1 << 20))
                         : (1 << 16);

  ScopedFd dev_null(open("/dev/null", O_RDWR | O_CLOEXEC));
  if (dev_null.get() < 0) return ErrnoError("open /dev/null", errno);
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return ErrnoError("pipe", errno);
  ScopedFd stderr_r(pipe_fds[0]);
  ScopedFd stderr_w(pipe_fds[1]);

  const pid_t pid = fork();
  if (pid < 0) return ErrnoError(absl::StrCat("fork for ", argv[0]), errno);
  if (pid == 0) ExecChild(args.data(), dev_null.get(), stderr_w.get(), max_fd, exec_error_prefix);

  setpgid(pid, pid);  // EACCES once the child has exec'd: it has set its group itself by then
  stderr_w.Reset();   // so that the child's exit (and its children's) is EOF
  dev_null.Reset();
  fcntl(stderr_r.get(), F_SETFL, O_NONBLOCK);
  // Readable when the child exits. Optional: without it, waitpid is polled.
  // (The raw syscall: glibc 2.36's <sys/pidfd.h> lacks extern "C" for C++.)
  ScopedFd exit_fd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));

  RunResult result;
  HeadKeeper head;
  bool exited = false;
  bool status_known = false;  // not when waitpid cannot see the child (SIGCHLD ignored)
  int status = 0;
  // Drains what is in the pipe now (at least one read, then not past the deadline, against a
  // writer that never pauses); false once it is at EOF (or broken).
  auto drain = [&]() {
    char buf[4096];
    while (true) {
      const ssize_t n = read(stderr_r.get(), buf, sizeof(buf));
      if (n > 0) {
        head.Append(buf, static_cast<size_t>(n));
        if (absl::Now() >= deadline) return true;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      return n < 0 && errno == EAGAIN;
    }
  };
  bool pipe_open = true;
  // Until the child exits or the deadline. The pipe is read while it is open; a child of the
  // child that keeps stderr open does not hold us past the child's own exit.
  while (!exited) {
    const pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid || (w < 0 && errno != EINTR)) {
      exited = true;
      status_known = w == pid;
      break;
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) break;
    pollfd fds[2];
    nfds_t nfds = 0;
    if (pipe_open) fds[nfds++] = {stderr_r.get(), POLLIN, 0};
    const bool have_exit_fd = exit_fd.get() >= 0;
    if (have_exit_fd) fds[nfds++] = {exit_fd.get(), POLLIN, 0};
    const absl::Duration wait = have_exit_fd ? left : std::min(left, kExitPollInterval);
    const int ready = poll(fds, nfds, PollTimeoutMs(wait));
    if (ready < 0 && errno != EINTR) {
      // Cannot happen with valid fds; fall back to polling waitpid rather than spinning.
      exit_fd.Reset();
      pipe_open = false;
    }
    if (pipe_open && ready > 0 && fds[0].revents != 0) pipe_open = drain();
  }

  if (!exited) {
    // The deadline: the whole group goes, and the child itself even if it left the group.
    result.timed_out = true;
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    status_known = false;  // killed: exit_code stays -1
  } else if (pipe_open) {
    drain();  // what the child wrote before it exited
  }
  result.stderr_head = head.Take();
  result.exit_code = status_known && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace hearth_agent
