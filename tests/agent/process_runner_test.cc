#include "client/agent/process_runner.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hearth_agent {
namespace {

using ::testing::HasSubstr;

// Generous bounds: the checks are "it finished at all", not "it was fast".
constexpr absl::Duration kBound = absl::Seconds(10);

class ProcessRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/process_runner_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr) << strerror(errno);
    dir_ = tmpl;
  }
  void TearDown() override {
    // Every run reaps its child: nothing is left for the test to wait for.
    EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1);
    EXPECT_EQ(errno, ECHILD);
    std::string cmd = "rm -rf '" + dir_ + "'";
    EXPECT_EQ(system(cmd.c_str()), 0);
  }

  RunResult Run(const std::vector<std::string>& argv, absl::Duration timeout = kBound) {
    absl::StatusOr<RunResult> r = RunProcess(argv, timeout);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : RunResult{};
  }
  RunResult Sh(const std::string& script, absl::Duration timeout = kBound) {
    return Run({"/bin/sh", "-c", script}, timeout);
  }

  std::string dir_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Whether `pid` is gone or only a zombie (an orphan reparented to an init that reaps late).
bool Dead(pid_t pid) {
  std::string stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  if (stat.empty()) return true;
  const size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() &&
         (stat[paren + 2] == 'Z' || stat[paren + 2] == 'X');
}

bool WaitUntilDead(pid_t pid) {
  const absl::Time deadline = absl::Now() + kBound;
  while (absl::Now() < deadline) {
    if (Dead(pid)) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return false;
}

TEST_F(ProcessRunnerTest, ReportsExitCodes) {
  EXPECT_EQ(Run({"/bin/true"}).exit_code, 0);
  EXPECT_EQ(Run({"false"}).exit_code, 1);  // found on PATH
  RunResult r = Sh("exit 7");
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.stderr_head, "");
}

TEST_F(ProcessRunnerTest, KeepsStderr) {
  RunResult r = Sh("echo one >&2; echo two >&2; exit 3");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.stderr_head, "one\ntwo");
}

TEST_F(ProcessRunnerTest, KilledBySignalIsMinusOne) {
  RunResult r = Sh("kill -KILL $$");
  EXPECT_EQ(r.exit_code, -1);
  EXPECT_FALSE(r.timed_out);
}

TEST_F(ProcessRunnerTest, TenThousandStderrLinesAreCutToFourAndDoNotBlock) {
  const absl::Time start = absl::Now();
  RunResult r =
      Sh("i=0; while [ $i -lt 10000 ]; do echo \"line $i\" >&2; i=$((i+1)); done; exit 5");
  EXPECT_LT(absl::Now() - start, kBound);
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.stderr_head, "line 0\nline 1\nline 2\nline 3");
}

TEST_F(ProcessRunnerTest, LongStderrIsCutTo512Bytes) {
  // 200 KiB on one line, far more than a pipe holds.
  RunResult r = Sh("head -c 204800 /dev/zero | tr '\\0' x >&2; exit 0");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.stderr_head, std::string(512, 'x'));
}

TEST_F(ProcessRunnerTest, StdinIsEmptyAndStdoutIsDiscarded) {
  // cat would wait forever on an inherited terminal or pipe; 1 MiB of stdout must not block.
  RunResult r = Sh("cat; head -c 1048576 /dev/zero; echo done >&2");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.stderr_head, "done");
}

TEST_F(ProcessRunnerTest, TimeoutKillsTheChild) {
  const absl::Time start = absl::Now();
  RunResult r = Run({"sleep", "60"}, absl::Milliseconds(200));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(200));
  EXPECT_LT(absl::Now() - start, kBound);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.exit_code, -1);
}

TEST_F(ProcessRunnerTest, TimeoutKillsTheWholeProcessGroup) {
  const std::string pid_file = dir_ + "/grandchild.pid";
  const absl::Time start = absl::Now();
  RunResult r = Sh("sleep 60 & echo $! > '" + pid_file + "'; wait", absl::Milliseconds(300));
  EXPECT_LT(absl::Now() - start, kBound);
  EXPECT_TRUE(r.timed_out);
  int grandchild = 0;
  ASSERT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(ReadFile(pid_file)), &grandchild));
  EXPECT_TRUE(WaitUntilDead(grandchild)) << "the background sleep survived the timeout";
}

TEST_F(ProcessRunnerTest, AChildThatExitsIsNotHeldUpByItsBackgroundChildren) {
  // The background sleep keeps the stderr pipe open; the run still ends when sh exits.
  const std::string pid_file = dir_ + "/background.pid";
  const absl::Time start = absl::Now();
  RunResult r = Sh("sleep 30 & echo $! > '" + pid_file + "'; echo started >&2; exit 4");
  EXPECT_LT(absl::Now() - start, absl::Seconds(25));
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.stderr_head, "started");
  int background = 0;
  ASSERT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(ReadFile(pid_file)), &background));
  kill(background, SIGKILL);
  EXPECT_TRUE(WaitUntilDead(background));
}

TEST_F(ProcessRunnerTest, MissingBinaryIs127NamingIt) {
  RunResult r = Run({dir_ + "/no-such-program", "arg"});
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_FALSE(r.timed_out);
  EXPECT_THAT(r.stderr_head, HasSubstr(dir_ + "/no-such-program"));
  EXPECT_THAT(r.stderr_head, HasSubstr("No such file or directory"));

  RunResult on_path = Run({"hearth-no-such-program-on-path"});
  EXPECT_EQ(on_path.exit_code, 127);
  EXPECT_THAT(on_path.stderr_head, HasSubstr("hearth-no-such-program-on-path"));
}

TEST_F(ProcessRunnerTest, TheChildInheritsNoOtherDescriptors) {
  const int leaky = open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
  ASSERT_GE(leaky, 3);
  ASSERT_EQ(fcntl(leaky, F_GETFD) & FD_CLOEXEC, 0);
  // The shell itself is /proc/self here: it has exactly the fds it was given.
  RunResult r =
      Sh(absl::StrCat("if [ -e /proc/self/fd/", leaky, " ]; then echo leaked >&2; exit 1; fi;",
                      " [ -e /proc/self/fd/2 ] || exit 2"));
  close(leaky);
  EXPECT_EQ(r.exit_code, 0) << r.stderr_head;
}

TEST_F(ProcessRunnerTest, TheChildStartsWithNoBlockedOrIgnoredSignals) {
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &block, &old), 0);
  struct sigaction ignore {
  }, old_action{};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGUSR1, &ignore, &old_action), 0);
  RunResult term = Sh("kill -TERM $$; exit 0");
  RunResult usr1 = Sh("kill -USR1 $$; exit 0");
  sigaction(SIGUSR1, &old_action, nullptr);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  EXPECT_EQ(term.exit_code, -1);
  EXPECT_EQ(usr1.exit_code, -1);
}

TEST_F(ProcessRunnerTest, EmptyCommandIsRejected) {
  EXPECT_EQ(RunProcess({}, kBound).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hearth_agent
