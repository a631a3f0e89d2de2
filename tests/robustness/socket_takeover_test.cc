// Two daemons on one unix socket (issue 7, item 10).
// Promise: a socket in use by a live process is refused at start with a clear error (non-zero
// exit); only a stale socket is replaced; the first daemon stays reachable through the path, and
// the path is still there after the second exits.
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "gtest/gtest.h"
#include "tests/robustness/robustness_fixture.h"

namespace hearth::robustness {
namespace {

using testing::Subprocess;
using testing::TempDir;

bool IsSocket(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

// Health through a brand-new connection to the socket path (not an already open one).
Health FreshHealth(const std::string& socket) {
  auto channel = grpc::CreateChannel("unix://" + socket, grpc::InsecureChannelCredentials());
  return HealthOn(channel.get(), absl::Seconds(3));
}

TEST(SocketTakeoverTest, SecondDaemonOnALiveSocketIsRefused) {
  TempDir root, root2, sock_dir;
  root.Write("first/a.toml", "who = \"first\"\n");
  root2.Write("second/a.toml", "who = \"second\"\n");
  const std::string socket = sock_dir.Path("shared.sock");
  DaemonOptions o;
  o.socket_path = socket;
  HostileDaemon first(root.path(), o);
  ASSERT_TRUE(first.WaitServing()) << first.log_tail();

  TempDir logs;
  Subprocess second(
      {BuildBinary("server/hearthd"), "serve", "--root", root2.path(), "--grpc-listen",
       "unix://" + socket, "--metrics-listen", "", "--shutdown-grace", "1s"},
      logs.Path("out"), logs.Path("err"));
  const int code = second.Wait(std::chrono::seconds(5));
  const std::string second_log =
      testing::ReadFileOrEmpty(logs.Path("err")) + testing::ReadFileOrEmpty(logs.Path("out"));
  EXPECT_NE(code, -1) << "promise broken: a second hearthd on a unix socket in use must refuse to "
                         "start; it is still running after 5 s (it took the socket over)\n"
                      << second_log;
  EXPECT_NE(code, 0) << "promise broken: refusing the socket must be a failed start (exit != 0)";
  if (code == -1) {  // let it run its exit path, as an operator's Ctrl-C would
    second.Signal(SIGTERM);
    second.Wait(std::chrono::seconds(5));
  }
  EXPECT_TRUE(IsSocket(socket))
      << "promise broken: hearthd removes the socket on exit only if it is still its own; the "
         "live daemon's socket path is gone";
  EXPECT_EQ(FreshHealth(socket), Health::kServing)
      << "promise broken: the first daemon must stay reachable through its socket path";
  // And the daemon reached through the path is the first one.
  auto channel = grpc::CreateChannel("unix://" + socket, grpc::InsecureChannelCredentials());
  auto stub = v1::ConfigService::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  v1::GetConfigRequest req;
  req.set_name("first");
  v1::GetConfigResponse resp;
  grpc::Status s = stub->GetConfig(&ctx, req, &resp);
  EXPECT_TRUE(s.ok() && resp.json() == R"({"who":"first"})")
      << "promise broken: the socket path must lead to the first daemon: " << s.error_message();
  EXPECT_TRUE(first.Alive()) << first.ExitDescription();
}

TEST(SocketTakeoverTest, StaleSocketIsReplaced) {
  TempDir root, sock_dir;
  root.Write("a/a.toml", "x = 1\n");
  const std::string socket = sock_dir.Path("stale.sock");
  // A socket file nobody listens on: what a crashed daemon leaves behind.
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket.c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  close(fd);
  ASSERT_TRUE(IsSocket(socket));
  DaemonOptions o;
  o.socket_path = socket;
  HostileDaemon daemon(root.path(), o);
  EXPECT_TRUE(daemon.WaitServing(absl::Seconds(15)))
      << "promise broken (regression): a stale socket is replaced at start\n"
      << daemon.log_tail();
  // On a clean exit the daemon removes its own socket.
  daemon.process().Signal(SIGTERM);
  EXPECT_EQ(daemon.process().Wait(std::chrono::seconds(5)), 0);
  EXPECT_FALSE(IsSocket(socket)) << "hearthd removes its own socket on exit";
}

}  // namespace
}  // namespace hearth::robustness
