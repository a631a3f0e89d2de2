// Runs the real hearthctl binary against an in-process GrpcServer.

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/rpc/rpc_fixture.h"

extern char** environ;

namespace hearth::rpc {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kHearthctl = std::string(HEARTH_BINARY_DIR) + "/client/hearthctl";

// A child process with its stdout and stderr on pipes.
class Child {
 public:
  explicit Child(const std::vector<std::string>& args) {
    int out[2], err[2];
    if (pipe(out) != 0 || pipe(err) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    posix_spawn_file_actions_addclose(&actions, out[0]);
    posix_spawn_file_actions_addclose(&actions, err[0]);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(kHearthctl.c_str()));
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, kHearthctl.c_str(), &actions, nullptr, argv.data(), environ) != 0) {
      pid_ = -1;
    }
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    close(err[1]);
    out_ = out[0];
    err_ = err[0];
  }
  ~Child() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) close(out_);
    if (err_ >= 0) close(err_);
  }

  // Reads stdout until a complete line satisfies `pred` or the deadline passes; returns it.
  std::optional<std::string> WaitForLine(const std::function<bool(const std::string&)>& pred,
                                         std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      size_t nl;
      while ((nl = pending_.find('\n')) != std::string::npos) {
        std::string line = pending_.substr(0, nl);
        pending_.erase(0, nl + 1);
        stdout_ += line + "\n";
        if (pred(line)) return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !ReadSome(out_, &pending_, static_cast<int>(left.count()))) {
        return std::nullopt;
      }
    }
  }

  // Waits for exit (bounded), collecting all output. Returns the exit code, or -1 on timeout.
  int Wait(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      int status;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        Drain();
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      if (std::chrono::steady_clock::now() > deadline) return -1;
      ReadSome(out_, &pending_, 20);
      ReadSome(err_, &stderr_, 0);
    }
  }

  std::string out() const { return stdout_ + pending_; }
  const std::string& err() const { return stderr_; }
  pid_t pid() const { return pid_; }

 private:
  static bool ReadSome(int fd, std::string* into, int timeout_ms) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return timeout_ms == 0;
    char buf[4096];
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return false;
    into->append(buf, static_cast<size_t>(n));
    return true;
  }
  // After exit: the write ends are closed, so reads end at EOF.
  void Drain() {
    char buf[4096];
    ssize_t n;
    while ((n = read(out_, buf, sizeof buf)) > 0) pending_.append(buf, static_cast<size_t>(n));
    while ((n = read(err_, buf, sizeof buf)) > 0) stderr_.append(buf, static_cast<size_t>(n));
  }

  pid_t pid_ = -1;
  int out_ = -1, err_ = -1;
  bool exited_ = false;
  std::string pending_, stdout_, stderr_;
};

class HearthctlTest : public testing_util::RpcFixture {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kHearthctl)) GTEST_SKIP() << "hearthctl not built: " << kHearthctl;
    RpcFixture::SetUp();
    Write("payments/00-base.toml", "[db]\nhost = \"a\"\nport = 5432\nratio = 1.5\n");
    Write("payments/10-db.production.toml", "[db]\nhost = \"prod\"\n");
    Write("team/billing/00.yaml", "servers:\n  - name: x\n    port: 1\n");
  }

  std::string Server() const { return absl::StrCat("127.0.0.1:", server_->port()); }

  struct Result {
    int code;
    std::string out, err;
  };
  Result Run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--server", Server(), "--timeout", "5"});
    Child child(args);
    const int code = child.Wait();
    return {code, child.out(), child.err()};
  }
};

TEST_F(HearthctlTest, GetInEveryFormat) {
  Start();
  Result json = Run({"get", "payments"});
  EXPECT_EQ(json.code, 0) << json.err;
  EXPECT_EQ(
      json.out,
      "{\n  \"db\": {\n    \"host\": \"a\",\n    \"port\": 5432,\n    \"ratio\": 1.5\n  }\n}\n");
  Result yaml = Run({"get", "payments", "-p", "production", "-o", "yaml"});
  EXPECT_EQ(yaml.code, 0) << yaml.err;
  EXPECT_EQ(yaml.out, "db:\n  host: prod\n  port: 5432\n  ratio: 1.5\n");
  Result toml = Run({"get", "team/billing", "-o", "toml"});
  EXPECT_EQ(toml.code, 0) << toml.err;
  EXPECT_EQ(toml.out, "[[servers]]\nname = \"x\"\nport = 1\n");
  Result raw = Run({"get", "payments", "--path", "db.port", "-o", "raw"});
  EXPECT_EQ(raw.code, 0) << raw.err;
  EXPECT_EQ(raw.out, "5432\n");
  Result yaml_list = Run({"get", "team/billing", "-o", "yaml"});
  EXPECT_EQ(yaml_list.out, "servers:\n  - name: x\n    port: 1\n");
}

TEST_F(HearthctlTest, ExitCodes) {
  Start();
  Result missing = Run({"get", "nope"});
  EXPECT_EQ(missing.code, 3);
  EXPECT_THAT(missing.err, HasSubstr("NOT_FOUND"));
  Result bad = Run({"get", "../x"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("INVALID_ARGUMENT"));
  Result usage = Run({"get"});
  EXPECT_EQ(usage.code, 2);
  Result help = Run({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_THAT(help.out, HasSubstr("Exit codes:"));

  const int port = server_->port();
  server_->Shutdown(absl::Seconds(1));
  Child down({"--server", absl::StrCat("127.0.0.1:", port), "--timeout", "1", "get", "payments"});
  EXPECT_EQ(down.Wait(), 4);
  EXPECT_THAT(down.err(), HasSubstr("UNAVAILABLE"));
}

TEST_F(HearthctlTest, ListShowsHealth) {
  Write("broken/00.json", "{ nope");
  Start();
  Result list = Run({"list"});
  EXPECT_EQ(list.code, 0) << list.err;
  std::vector<std::string> lines = absl::StrSplit(list.out, '\n', absl::SkipEmpty());
  ASSERT_GE(lines.size(), 5u);
  EXPECT_THAT(lines[0], StartsWith("NAME"));
  EXPECT_THAT(lines[1], StartsWith("broken "));
  EXPECT_THAT(lines[1], HasSubstr("NO_VERSION"));
  EXPECT_THAT(lines[2], HasSubstr("broken/00.json:1:"));
  EXPECT_THAT(lines[3], StartsWith("payments "));
  EXPECT_THAT(lines[3], HasSubstr("OK"));
  EXPECT_THAT(lines[3], HasSubstr("production"));
  Result prefixed = Run({"list", "team/", "--page-size", "1"});
  EXPECT_THAT(prefixed.out, HasSubstr("team/billing"));
  EXPECT_THAT(prefixed.out, ::testing::Not(HasSubstr("payments")));
}

TEST_F(HearthctlTest, ValidatePrintsErrorsAndDiff) {
  Start();
  const std::string good = root_ + "/candidates/20-port.toml";
  const std::string bad = root_ + "/candidates/30-bad.toml";
  Write("candidates/20-port.toml", "[db]\nport = 6000\n");
  Write("candidates/30-bad.toml", "[db]\nport = = 1\n");
  Result ok = Run({"validate", "payments", good});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("payments: valid, 1 change"));
  EXPECT_THAT(ok.out, HasSubstr("~ db.port: 5432 -> 6000"));
  Result invalid = Run({"validate", "payments", good, bad});
  EXPECT_EQ(invalid.code, 1);
  EXPECT_THAT(invalid.out, StartsWith("payments/30-bad.toml:2:"));
}

TEST_F(HearthctlTest, HealthExitCodeFollowsServing) {
  Start();
  Result serving = Run({"health"});
  EXPECT_EQ(serving.code, 0);
  EXPECT_EQ(serving.out, "SERVING\n");
  server_->SetServing(false);
  Result not_serving = Run({"health"});
  EXPECT_EQ(not_serving.code, 1);
  EXPECT_EQ(not_serving.out, "NOT_SERVING\n");
}

TEST_F(HearthctlTest, WatchPrintsEventsAndResumesAfterRestart) {
  Start();
  Result synced = Run({"watch", "--until-synced", "payments", "team/"});
  EXPECT_EQ(synced.code, 0) << synced.err;
  std::vector<std::string> lines = absl::StrSplit(synced.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u) << synced.out;
  EXPECT_THAT(lines[0], ::testing::MatchesRegex("[0-9]+ SNAPSHOT payments etag=[0-9a-f]+"));
  EXPECT_THAT(lines[1], HasSubstr(" SNAPSHOT team/billing etag="));
  EXPECT_EQ(lines[2], absl::StrCat(store().revision(), " SYNCED"));

  // A long-running watch survives a daemon restart (same instance) and resumes.
  const int port = server_->port();
  Child watch({"--server", Server(), "watch", "payments"});
  ASSERT_TRUE(watch.WaitForLine([](const std::string& l) { return l.ends_with(" SYNCED"); },
                                std::chrono::seconds(10)))
      << watch.out() << watch.err();
  server_->Shutdown(absl::Seconds(2));
  server_.reset();
  Write("payments/00-base.toml", "[db]\nhost = \"b\"\nport = 5432\nratio = 1.5\n");
  engine_->Rebuild("payments");
  auto options = ServerOptions();
  options.listen = {absl::StrCat("127.0.0.1:", port)};
  auto restarted = GrpcServer::Start(options, engine_.get());
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  server_ = std::move(*restarted);
  server_->SetServing(true);
  const std::string etag = store().Get("payments")->version->Variant("").etag;
  auto line = watch.WaitForLine(
      [&](const std::string& l) { return l.find("payments etag=" + etag) != std::string::npos; },
      std::chrono::seconds(20));
  ASSERT_TRUE(line.has_value()) << watch.out() << watch.err();
  EXPECT_THAT(*line, StartsWith(absl::StrCat(store().revision(), " ")));
  EXPECT_TRUE(watch.WaitForLine([](const std::string& l) { return l.ends_with(" SYNCED"); },
                                std::chrono::seconds(10)));
  // Resumed, not reset: no RESET line, and only the changed config was re-sent.
  EXPECT_THAT(watch.out(), ::testing::Not(HasSubstr("RESET")));
  kill(watch.pid(), SIGTERM);
  watch.Wait();
  EXPECT_THAT(watch.err(), HasSubstr("reconnecting"));
}

}  // namespace
}  // namespace hearth::rpc
