// --log-level debug logs, per rebuild, which config, which files, how long and the result; never
// a config value (issue 7 item 11). Against the real hearthd.
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/hearthd_process.h"
#include "tests/fakes/subprocess.h"
#include "tests/fakes/temp_dir.h"

namespace hearth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ReadFileOrEmpty;
using testing::TempDir;
using namespace std::chrono_literals;

// hearthd on 127.0.0.1:0 over `root` with `flags`, logging to logs/err.
std::unique_ptr<testing::HearthdProcess> Start(const TempDir& root, const TempDir& logs,
                                               std::vector<std::string> flags) {
  testing::HearthdOptions o;
  o.roots = {root.path()};
  o.grpc_listen = "127.0.0.1:0";
  o.metrics_listen = "";
  o.flags = {"--debounce", "2ms"};
  o.flags.insert(o.flags.end(), flags.begin(), flags.end());
  o.out_path = logs.Path("out");
  o.err_path = logs.Path("err");
  return std::make_unique<testing::HearthdProcess>(std::move(o));
}

constexpr auto kLogWithin = 20s;

void RunWithLevel(const std::string& level, bool expect_sizes) {
  TempDir root, logs;
  root.Write("app/00-base.toml", "password = \"hunter2-original\"\n");
  auto hearthd = Start(root, logs, {"--log-level", level});
  ASSERT_TRUE(hearthd->WaitForLog("ready", kLogWithin)) << ReadFileOrEmpty(logs.Path("err"));
  root.WriteAtomic("app/00-base.toml", "password = \"hunter2-changed\"\n");
  ASSERT_TRUE(hearthd->WaitForLog("rebuild app: published", kLogWithin))
      << ReadFileOrEmpty(logs.Path("err"));
  root.Write("app/10-bad.json", "{ \"password\": hunter2-broken }");
  ASSERT_TRUE(hearthd->WaitForLog("rebuild app: failed", kLogWithin))
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
  auto hearthd = Start(root, logs, {"--log-format", "json"});
  ASSERT_TRUE(hearthd->WaitForLog("ready", kLogWithin));
  root.WriteAtomic("app/00-base.toml", "v = 2\n");
  ASSERT_TRUE(hearthd->WaitForLog("rebuild app: published", kLogWithin));
  // The same bytes again rebuild to an unchanged version: not logged at info. The next real
  // change is, and nothing was logged in between.
  root.WriteAtomic("app/00-base.toml", "v = 2\n");
  root.WriteAtomic("app/00-base.toml", "v = 3\n");
  ASSERT_TRUE(hearthd->WaitForLog("\"revision\":3", kLogWithin));
  const std::string log = ReadFileOrEmpty(logs.Path("err"));
  EXPECT_THAT(log, Not(HasSubstr("unchanged")));
  EXPECT_THAT(log, HasSubstr("\"level\":\"info\",\"message\":\"rebuild app: published in "));
  EXPECT_THAT(log, HasSubstr("\"config\":\"app\",\"result\":\"published\",\"revision\":2,"
                             "\"files\":1,\"duration_seconds\":"));
}

}  // namespace
}  // namespace hearth
