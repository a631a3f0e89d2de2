// --grpc-socket-mode: the unix socket appears with the permission bits asked for, so a sidecar's
// group can connect; bad modes are usage errors.
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/subprocess.h"
#include "tests/fakes/temp_dir.h"

namespace hearth {
namespace {

using ::testing::HasSubstr;
using testing::RunCommand;
using testing::Subprocess;
using testing::TempDir;
using namespace std::chrono_literals;

const std::string kHearthd = HEARTH_BINARY_DIR "/server/hearthd";

TEST(SocketModeTest, SocketGetsTheModeAskedFor) {
  TempDir root, state;
  root.Write("app/a.toml", "x = 1\n");
  const std::string socket = state.Path("hearth.sock");
  Subprocess daemon({kHearthd, "serve", "--root", root.path(), "--grpc-listen", "unix://" + socket,
                     "--metrics-listen", "", "--grpc-socket-mode", "0660"},
                    state.Path("out"), state.Path("err"));
  struct stat st {};
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (lstat(socket.c_str(), &st) != 0 && daemon.running() &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(S_ISSOCK(st.st_mode)) << testing::ReadFileOrEmpty(state.Path("err"));
  EXPECT_EQ(st.st_mode & 07777, 0660u);
  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.Wait(10s), 0);
}

TEST(SocketModeTest, BadModesAreUsageErrors) {
  TempDir root;
  for (const char* mode : {"0", "999", "rw-rw----", "01777"}) {
    testing::RunResult r =
        RunCommand({kHearthd, "serve", "--root", root.path(), "--grpc-socket-mode", mode}, 10s);
    EXPECT_EQ(r.exit_code, 2) << mode;
    EXPECT_THAT(r.err, HasSubstr("octal permission bits")) << mode;
  }
}

}  // namespace
}  // namespace hearth
