// --grpc-socket-mode: the unix socket appears with the permission bits asked for, so a sidecar's
// group can connect; bad modes are usage errors.
#include <signal.h>
#include <sys/stat.h>

#include <chrono>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/hearthd_process.h"
#include "tests/fakes/subprocess.h"
#include "tests/fakes/temp_dir.h"

namespace hearth {
namespace {

using ::testing::HasSubstr;
using testing::RunCommand;
using testing::TempDir;
using namespace std::chrono_literals;

TEST(SocketModeTest, SocketGetsTheModeAskedFor) {
  TempDir root, state;
  root.Write("app/a.toml", "x = 1\n");
  testing::HearthdProcess daemon(
      testing::UnixSocketOptions(state, {root.path()}, {"--grpc-socket-mode", "0660"}));
  ASSERT_TRUE(daemon.WaitServing()) << daemon.err();
  struct stat st {};
  ASSERT_EQ(lstat(state.Path("hearth.sock").c_str(), &st), 0);
  ASSERT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0660u);
  daemon.Signal(SIGTERM);
  EXPECT_EQ(daemon.Wait(10s), 0);
}

TEST(SocketModeTest, BadModesAreUsageErrors) {
  TempDir root;
  for (const char* mode : {"0", "999", "rw-rw----", "01777"}) {
    testing::RunResult r = RunCommand(
        {testing::HearthdBinary(), "serve", "--root", root.path(), "--grpc-socket-mode", mode},
        10s);
    EXPECT_EQ(r.exit_code, 2) << mode;
    EXPECT_THAT(r.err, HasSubstr("octal permission bits")) << mode;
  }
}

}  // namespace
}  // namespace hearth
