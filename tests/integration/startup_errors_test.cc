// hearthd names the real cause when it cannot listen: each case starts the real binary, which
// must exit 1 at once with the reason on stderr.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/hearthd_process.h"
#include "tests/fakes/subprocess.h"
#include "tests/fakes/temp_dir.h"

namespace hearth {
namespace {

using ::testing::HasSubstr;
using testing::RunCommand;
using testing::RunResult;
using testing::TempDir;
using namespace std::chrono_literals;

// A TCP port on 127.0.0.1 held (listening) for the test's lifetime.
class HeldPort {
 public:
  HeldPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        listen(fd_, 1) != 0 || getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot hold a port";
      return;
    }
    port_ = ntohs(addr.sin_port);
  }
  ~HeldPort() {
    if (fd_ >= 0) close(fd_);
  }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

RunResult Serve(const TempDir& root, const std::string& grpc, const std::string& metrics) {
  return RunCommand({testing::HearthdBinary(), "serve", "--root", root.path(), "--grpc-listen",
                     grpc, "--metrics-listen", metrics},
                    20s);
}

class StartupErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override { root_.Write("app/a.toml", "x = 1\n"); }
  TempDir root_;
};

TEST_F(StartupErrorsTest, MissingSocketDirectory) {
  RunResult r = Serve(root_, "unix://" + root_.Path("no/such/dir/hearth.sock"), "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("directory " + root_.Path("no/such/dir") + " does not exist"));
}

TEST_F(StartupErrorsTest, GrpcPortInUse) {
  HeldPort held;
  RunResult r = Serve(root_, held.address(), "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr(absl::StrCat("cannot listen on ", held.address(), ": port ")));
  EXPECT_THAT(r.err, HasSubstr("is already in use by another process"));
}

TEST_F(StartupErrorsTest, MetricsPortInUse) {
  HeldPort held;
  RunResult r = Serve(root_, "127.0.0.1:0", held.address());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err,
              HasSubstr(absl::StrCat("cannot serve metrics on ", held.address(), ": port ")));
  EXPECT_THAT(r.err, HasSubstr("already in use"));
  EXPECT_THAT(r.err, ::testing::Not(HasSubstr("null context")));
}

TEST_F(StartupErrorsTest, AddressNotOnThisMachine) {
  // 192.0.2.0/24 is TEST-NET-1: never assigned, so bind() fails locally with EADDRNOTAVAIL.
  RunResult r = Serve(root_, "192.0.2.1:7070", "");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("192.0.2.1 is not an address of this machine"));
}

}  // namespace
}  // namespace hearth
