// --log-level debug logs, per rebuild, which config, which files, how long and the result; never
// a config value (issue 7 item 11). Against the real hearthd.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/subprocess.h"
#include "tests/fakes/temp_dir.h"

namespace hearth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ReadFileOrEmpty;
using testing::Subprocess;
using testing::TempDir;
using namespace std::chrono_literals;

bool WaitFor(const std::string& path, const std::string& needle) {
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ReadFileOrEmpty(path).find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

void RunWithLevel(const std::string& level, bool expect_sizes) {
  TempDir root, logs;
  root.Write("app/00-base.toml", "password = \"hunter2-original\"\n");
  Subprocess hearthd(
      {HEARTH_BINARY_DIR "/server/hearthd", "serve", "--root", root.path(), "--grpc-listen",
       "127.0.0.1:0", "--metrics-listen", "", "--debounce", "2ms", "--log-level", level},
      logs.Path("out"), logs.Path("err"));
  ASSERT_TRUE(WaitFor(logs.Path("err"), "ready")) << ReadFileOrEmpty(logs.Path("err"));
  root.WriteAtomic("app/00-base.toml", "password = \"hunter2-changed\"\n");
  ASSERT_TRUE(WaitFor(logs.Path("err"), "rebuild app: published"))
      << ReadFileOrEmpty(logs.Path("err"));
  root.Write("app/10-bad.json", "{ \"password\": hunter2-broken }");
  ASSERT_TRUE(WaitFor(logs.Path("err"), "rebuild app: failed"))
      << ReadFileOrEmpty(logs.Path("err"));
  const std::string log = ReadFileOrEmpty(logs.Path("err"));
  EXPECT_THAT(log, HasSubstr("app/00-base.toml"));
  EXPECT_THAT(log, HasSubstr(" ms "));
  EXPECT_THAT(log, Not(HasSubstr("hunter2")));
  if (expect_sizes) {
    EXPECT_THAT(log, HasSubstr(" bytes)"));
  }
}

TEST(DebugLogTest, DebugLogsEachRebuild) { RunWithLevel("debug", false); }
TEST(DebugLogTest, TraceAddsFileSizes) { RunWithLevel("trace", true); }

TEST(DebugLogTest, InfoLogsWhatWentLiveOnly) {
  TempDir root, logs;
  root.Write("app/00-base.toml", "v = 1\n");
  Subprocess hearthd(
      {HEARTH_BINARY_DIR "/server/hearthd", "serve", "--root", root.path(), "--grpc-listen",
       "127.0.0.1:0", "--metrics-listen", "", "--debounce", "2ms", "--log-format", "json"},
      logs.Path("out"), logs.Path("err"));
  ASSERT_TRUE(WaitFor(logs.Path("err"), "ready"));
  root.WriteAtomic("app/00-base.toml", "v = 2\n");
  ASSERT_TRUE(WaitFor(logs.Path("err"), "rebuild app: published"));
  // The same bytes again rebuild to an unchanged version: not logged at info. The next real
  // change is, and nothing was logged in between.
  root.WriteAtomic("app/00-base.toml", "v = 2\n");
  root.WriteAtomic("app/00-base.toml", "v = 3\n");
  ASSERT_TRUE(WaitFor(logs.Path("err"), "\"revision\":3"));
  const std::string log = ReadFileOrEmpty(logs.Path("err"));
  EXPECT_THAT(log, Not(HasSubstr("unchanged")));
  EXPECT_THAT(log, HasSubstr("\"level\":\"info\",\"message\":\"rebuild app: published in "));
  EXPECT_THAT(log, HasSubstr("\"config\":\"app\",\"result\":\"published\",\"revision\":2,"
                             "\"files\":1,\"duration_seconds\":"));
}

}  // namespace
}  // namespace hearth
