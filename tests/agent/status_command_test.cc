// `hearth-agent status` (client/agent/status_command.cc): exit codes from the status file the
// running agent writes, and what it prints.

#include "client/agent/status_command.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hearth_agent {
namespace {

using ::testing::HasSubstr;

class StatusCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "/status_command_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/status.json";
  }
  void TearDown() override {
    unlink(path_.c_str());
    rmdir(dir_.c_str());
  }

  void WriteStatus(long pid, bool connected, const std::string& state, bool required = true) {
    std::ofstream(path_) << absl::StrCat(
        R"({"pid":)", pid, R"(,"client_id":"web-0","server":"127.0.0.1:7070","connected":)",
        connected ? "true" : "false",
        R"(,"updated_at":"2026-12-04T18:00:00.000Z","outputs":[{"id":"nginx","config":"web",)"
        R"("profile":"production","state":")",
        state, R"(","required":)", required ? "true" : "false",
        R"(,"revision":7,"etag":"3f67996b09b1a68f0000000000000000","reason":"check exited 1"}]})");
  }

  int Run(const std::string& output = "text") {
    out_.str("");
    err_.str("");
    return RunStatus(path_, output, out_, err_);
  }

  std::string dir_, path_;
  std::ostringstream out_, err_;
};

TEST_F(StatusCommandTest, HealthyWhenConnectedAndEveryRequiredOutputApplied) {
  WriteStatus(getpid(), true, "applied");
  EXPECT_EQ(Run(), 0) << err_.str();
  EXPECT_THAT(out_.str(), HasSubstr("agent web-0 (pid "));
  EXPECT_THAT(out_.str(), HasSubstr("connected to 127.0.0.1:7070"));
  EXPECT_THAT(out_.str(), HasSubstr("nginx"));
  EXPECT_THAT(out_.str(), HasSubstr("web -p production"));
  EXPECT_THAT(out_.str(), HasSubstr("3f67996b09b1a68f  applied"));
}

TEST_F(StatusCommandTest, DegradedIsOne) {
  WriteStatus(getpid(), true, "rejected");
  EXPECT_EQ(Run(), 1);
  EXPECT_THAT(out_.str(), HasSubstr("1 required output(s) not applied"));
  WriteStatus(getpid(), false, "snapshot");
  EXPECT_EQ(Run(), 1);
  EXPECT_THAT(out_.str(), HasSubstr("hearthd unreachable"));
  // An output that is not required does not make the agent unhealthy.
  WriteStatus(getpid(), true, "error", /*required=*/false);
  EXPECT_EQ(Run(), 0);
}

TEST_F(StatusCommandTest, PidOneIsAnAgentInItsOwnPidNamespace) {
  // In a container of its own the agent is PID 1; this test's PID 1 is alive too.
  WriteStatus(1, true, "applied");
  EXPECT_EQ(Run(), 0) << out_.str() << err_.str();
}

TEST_F(StatusCommandTest, NoAgentIsFour) {
  EXPECT_EQ(Run(), 4) << "no status file";
  EXPECT_THAT(err_.str(), HasSubstr("no agent status at " + path_));
  // A process that is gone: fork a child, let it exit, reap it, then name its pid.
  const pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  WriteStatus(child, true, "applied");
  EXPECT_EQ(Run(), 4);
  EXPECT_THAT(out_.str(), HasSubstr("not running"));
}

TEST_F(StatusCommandTest, GarbageIsFourNotACrash) {
  for (const std::string& text :
       {std::string(""), std::string("{"), std::string("[1,2]"), std::string("\xff\xfe"),
        std::string(100000, '['), std::string(R"({"pid":"x","outputs":7})")}) {
    std::ofstream(path_, std::ios::trunc) << text;
    const int code = Run();
    EXPECT_TRUE(code == 4 || code == 1) << text.substr(0, 20) << ": " << code;
  }
  std::ofstream(path_, std::ios::trunc) << std::string((4 << 20) + 10, ' ');
  EXPECT_EQ(Run(), 4) << "larger than a status file can be";
}

TEST_F(StatusCommandTest, JsonPrintsTheFileAsWritten) {
  WriteStatus(getpid(), true, "applied");
  EXPECT_EQ(Run("json"), 0);
  std::ifstream in(path_);
  std::string file((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(out_.str(), file);
}

}  // namespace
}  // namespace hearth_agent
