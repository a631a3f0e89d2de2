// A unix socket in use by a live hearthd is refused at start; a stale socket is replaced; on exit
// hearthd removes its socket only if it is still its own (issue 7 item 10). Real binaries.
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
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
using testing::TempDir;
using namespace std::chrono_literals;

// hearthd on unix://`socket`, logging to state/`tag`.log.
std::unique_ptr<testing::HearthdProcess> StartDaemon(const TempDir& root, const TempDir& state,
                                                     const std::string& socket,
                                                     const std::string& tag) {
  testing::HearthdOptions o;
  o.roots = {root.path()};
  o.grpc_listen = "unix://" + socket;
  o.metrics_listen = "";
  o.flags = {"--debounce", "2ms"};
  o.out_path = state.Path(tag + ".out");
  o.err_path = state.Path(tag + ".log");
  return std::make_unique<testing::HearthdProcess>(std::move(o));
}

bool IsSocket(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

// Binds a unix socket at `path`; listening or not (closed without unlink: a stale socket).
int BindSocket(const std::string& path, bool listen_on_it) {
  const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.data(), path.size());
  EXPECT_EQ(bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0)
      << std::strerror(errno);
  if (listen_on_it) {
    EXPECT_EQ(listen(fd, 4), 0);
    return fd;
  }
  close(fd);
  return -1;
}

TEST(UnixSocketTest, SecondDaemonOnALiveSocketRefusesAndLeavesItAlone) {
  TempDir root, state;
  root.Write("app/app.toml", "port = 80\n");
  const std::string socket = state.Path("hearth.sock");
  auto first = StartDaemon(root, state, socket, "first");
  ASSERT_TRUE(first->WaitServing()) << testing::ReadFileOrEmpty(state.Path("first.log"));

  auto second = StartDaemon(root, state, socket, "second");
  const int code = second->Wait(20s);
  EXPECT_NE(code, 0);
  EXPECT_NE(code, -1) << "the second daemon did not exit";
  EXPECT_THAT(testing::ReadFileOrEmpty(state.Path("second.log")),
              HasSubstr("unix socket " + socket + " is in use by another process"));
  // The first daemon still owns the socket and answers.
  EXPECT_TRUE(IsSocket(socket));
  EXPECT_TRUE(first->Healthy());

  // On exit the first daemon removes its own socket.
  first->Signal(SIGTERM);
  EXPECT_EQ(first->Wait(20s), 0) << testing::ReadFileOrEmpty(state.Path("first.log"));
  EXPECT_FALSE(IsSocket(socket));
}

TEST(UnixSocketTest, StaleSocketIsReplaced) {
  TempDir root, state;
  root.Write("app/app.toml", "port = 80\n");
  const std::string socket = state.Path("hearth.sock");
  BindSocket(socket, /*listen_on_it=*/false);  // a crashed daemon's leftover
  ASSERT_TRUE(IsSocket(socket));
  auto daemon = StartDaemon(root, state, socket, "d");
  EXPECT_TRUE(daemon->WaitServing()) << testing::ReadFileOrEmpty(state.Path("d.log"));
  daemon->Signal(SIGTERM);
  EXPECT_EQ(daemon->Wait(20s), 0);
  EXPECT_FALSE(IsSocket(socket));
}

TEST(UnixSocketTest, NonSocketFileIsAnError) {
  TempDir root, state;
  root.Write("app/app.toml", "port = 80\n");
  state.Write("hearth.sock", "precious\n");
  const std::string socket = state.Path("hearth.sock");
  auto daemon = StartDaemon(root, state, socket, "d");
  const int code = daemon->Wait(20s);
  EXPECT_NE(code, 0);
  EXPECT_NE(code, -1);
  EXPECT_THAT(testing::ReadFileOrEmpty(state.Path("d.log")), HasSubstr("is not a socket"));
  EXPECT_EQ(testing::ReadFileOrEmpty(socket), "precious\n");
}

TEST(UnixSocketTest, ExitKeepsASocketThatIsNoLongerOurs) {
  TempDir root, state;
  root.Write("app/app.toml", "port = 80\n");
  const std::string socket = state.Path("hearth.sock");
  auto daemon = StartDaemon(root, state, socket, "d");
  ASSERT_TRUE(daemon->WaitServing()) << testing::ReadFileOrEmpty(state.Path("d.log"));
  // Someone else's socket replaces ours at the path (e.g. an operator started another server).
  const std::string other = state.Path("other.sock");
  const int fd = BindSocket(other, /*listen_on_it=*/true);
  ASSERT_EQ(rename(other.c_str(), socket.c_str()), 0);
  daemon->Signal(SIGTERM);
  EXPECT_EQ(daemon->Wait(20s), 0);
  EXPECT_TRUE(IsSocket(socket)) << "hearthd deleted a socket that was not its own";
  close(fd);
}

}  // namespace
}  // namespace hearth
