// Runs the real hearthctl binary against an in-process GrpcServer.

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "client/json_tree.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fakes/test_certificates.h"
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

  void TearDown() override {
    if (!scratch_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(scratch_, ec);
    }
    RpcFixture::TearDown();
  }

  std::string Server() const { return absl::StrCat("127.0.0.1:", server_->port()); }

  // A path in a scratch directory outside the config root (candidate files, certificates).
  std::string Path(const std::string& name) {
    if (scratch_.empty()) {
      std::string tmpl = ::testing::TempDir() + "/hearthctl_XXXXXX";
      if (mkdtemp(tmpl.data()) != nullptr) scratch_ = tmpl;
    }
    return scratch_ + "/" + name;
  }

  std::string scratch_;

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

TEST_F(HearthctlTest, GetFormatPrintsTheServersRenderingByteForByte) {
  Start();
  Result env = Run({"get", "payments", "-p", "production", "--format", "env"});
  EXPECT_EQ(env.code, 0) << env.err;
  EXPECT_EQ(env.out, "DB__HOST=prod\nDB__PORT=5432\nDB__RATIO=1.5\n");
  Result properties = Run({"get", "payments", "--format", "properties", "--path", "db"});
  EXPECT_EQ(properties.code, 0) << properties.err;
  EXPECT_EQ(properties.out, "host=a\nport=5432\nratio=1.5\n");
  Result json = Run({"get", "payments", "--format", "json"});
  EXPECT_EQ(json.code, 0) << json.err;
  EXPECT_EQ(json.out, "{\"db\":{\"host\":\"a\",\"port\":5432,\"ratio\":1.5}}\n");
  // wide adds the metadata on stderr, with both etags.
  Result wide = Run({"get", "payments", "--format", "yaml", "-o", "wide"});
  EXPECT_EQ(wide.code, 0) << wide.err;
  EXPECT_EQ(wide.out, "db:\n  host: a\n  port: 5432\n  ratio: 1.5\n");
  EXPECT_THAT(wide.err, HasSubstr("\netag: "));
  EXPECT_THAT(wide.err, HasSubstr("\ndocument etag: "));
  // A document the format cannot express is the server's INVALID_ARGUMENT, exit 2.
  Result list_as_env = Run({"get", "team/billing", "--format", "env"});
  EXPECT_EQ(list_as_env.code, 0) << list_as_env.err;
  EXPECT_EQ(list_as_env.out, "SERVERS__0__NAME=x\nSERVERS__0__PORT=1\n");
  Result scalar_as_toml = Run({"get", "payments", "--path", "db.port", "--format", "toml"});
  EXPECT_EQ(scalar_as_toml.code, 2);
  EXPECT_THAT(scalar_as_toml.err, HasSubstr("INVALID_ARGUMENT"));
  EXPECT_TRUE(scalar_as_toml.out.empty());
  // Two renderers at once is a usage error, before any RPC; so is an unknown format.
  Result both = Run({"get", "payments", "--format", "env", "-o", "yaml"});
  EXPECT_EQ(both.code, 2);
  EXPECT_THAT(both.err, HasSubstr("--format"));
  Result unknown = Run({"get", "payments", "--format", "xml"});
  EXPECT_EQ(unknown.code, 2);
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
  auto restarted = GrpcServer::Start(options, &engine_->store(), engine_.get());
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

TEST_F(HearthctlTest, UnknownCommandsSuggestAndHelpNamesOneCommand) {
  Child typo({"lst"});
  EXPECT_EQ(typo.Wait(), 2);
  EXPECT_THAT(typo.err(), HasSubstr("unknown command \"lst\" (did you mean \"list\"?)"));
  Child help({"help", "get"});
  EXPECT_EQ(help.Wait(), 0);
  EXPECT_THAT(help.out(), HasSubstr("Usage: get [OPTIONS] NAME"));
  Child help_typo({"help", "wacth"});
  EXPECT_EQ(help_typo.Wait(), 2);
  EXPECT_THAT(help_typo.err(), HasSubstr("did you mean \"watch\""));
  Child version({"--version"});
  EXPECT_EQ(version.Wait(), 0);
  EXPECT_THAT(version.out(), StartsWith("hearthctl "));
  Child bad_output({"list", "-o", "xml"});
  EXPECT_EQ(bad_output.Wait(), 2);
  EXPECT_THAT(bad_output.err(), HasSubstr("is not one of table, json, yaml, name"));
}

TEST_F(HearthctlTest, CompletionScriptsParseAndListTheCommands) {
  for (const char* shell : {"bash", "zsh"}) {
    Child script({"completion", shell});
    ASSERT_EQ(script.Wait(), 0) << script.err();
    EXPECT_THAT(script.out(), HasSubstr("complete -o default -F _hearthctl hearthctl"));
    EXPECT_THAT(
        script.out(),
        HasSubstr("get list watch validate diff check batch-get version health status report help "
                  "completion"));
    EXPECT_THAT(script.out(), HasSubstr("--tls-ca"));
  }
  // bash itself accepts the script, and completing "hearthctl li" offers "list".
  Child bash_script({"completion", "bash"});
  ASSERT_EQ(bash_script.Wait(), 0);
  const std::string path = Path("completion.bash");
  {
    std::ofstream f(path);
    f << bash_script.out();
  }
  const std::string probe = absl::StrCat(
      "source ", path,
      "; COMP_WORDS=(hearthctl li); COMP_CWORD=1; _hearthctl; "
      "echo \"${COMPREPLY[*]}\"; COMP_WORDS=(hearthctl get --pro); COMP_CWORD=2; _hearthctl; "
      "echo \"${COMPREPLY[*]}\"");
  FILE* out = popen(absl::StrCat("bash -c '", probe, "'").c_str(), "r");
  ASSERT_NE(out, nullptr);
  std::string got;
  char buf[256];
  while (fgets(buf, sizeof(buf), out) != nullptr) got += buf;
  EXPECT_EQ(pclose(out), 0) << got;
  EXPECT_EQ(got, "list\n--profile\n");
}

TEST_F(HearthctlTest, StructuredOutputOnEveryCommand) {
  Start();
  Result list = Run({"list", "-o", "json"});
  EXPECT_EQ(list.code, 0) << list.err;
  EXPECT_THAT(list.out, HasSubstr("\"name\": \"payments\""));
  EXPECT_THAT(list.out, HasSubstr("\"health\": \"OK\""));
  Result names = Run({"list", "-o=name"});
  EXPECT_EQ(names.out, "payments\nteam/billing\n");
  Result yaml = Run({"list", "-o", "yaml"});
  EXPECT_THAT(yaml.out, HasSubstr("configs:\n  - name: payments\n"));
  Result health = Run({"health", "-o", "json"});
  EXPECT_EQ(health.code, 0);
  EXPECT_EQ(health.out, "{\n  \"service\": \"\",\n  \"status\": \"SERVING\"\n}\n");

  const std::string candidate = Path("20-port.toml");
  {
    std::ofstream f(candidate);
    f << "[db]\nport = 6000\n";
  }
  Result validate = Run({"validate", "payments", candidate, "-o", "json"});
  EXPECT_EQ(validate.code, 0) << validate.err;
  EXPECT_THAT(validate.out, HasSubstr("\"valid\": true"));
  EXPECT_THAT(validate.out, HasSubstr("\"path\": \"db.port\""));
  EXPECT_THAT(validate.out, HasSubstr("\"old\": 5432"));
  EXPECT_THAT(validate.out, HasSubstr("\"new\": 6000"));

  Result wide = Run({"get", "payments", "-p", "production", "-o", "wide"});
  EXPECT_EQ(wide.code, 0);
  EXPECT_THAT(wide.err,
              HasSubstr("sources: payments/00-base.toml, payments/10-db.production.toml"));
  EXPECT_THAT(wide.err,
              HasSubstr(absl::StrCat(
                  "etag: ", store().Get("payments")->version->Variant("production").etag)));

  // watch -o json: one object per line, documents included.
  Result watch = Run({"watch", "--until-synced", "-o", "json", "payments"});
  EXPECT_EQ(watch.code, 0) << watch.err;
  std::vector<std::string> lines = absl::StrSplit(watch.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << watch.out;
  EXPECT_THAT(lines[0], StartsWith("{\"type\":\"SNAPSHOT\",\"revision\":"));
  EXPECT_THAT(lines[0], HasSubstr(",\"name\":\"payments\","));
  EXPECT_THAT(lines[0], HasSubstr("\"document\":{\"db\":{\"host\":\"a\",\"port\":5432,"));
  EXPECT_THAT(lines[1], StartsWith("{\"type\":\"SYNCED\",\"global_revision\":"));
}

TEST_F(HearthctlTest, ServerAddressForms) {
  Start();
  Child http({"--server", absl::StrCat("http://127.0.0.1:", server_->port(), "/"), "health"});
  EXPECT_EQ(http.Wait(), 0) << http.err();
  Child bad({"--server", "127.0.0.1:99999", "health"});
  EXPECT_EQ(bad.Wait(), 2);
  EXPECT_THAT(bad.err(), HasSubstr("port out of range"));
  Child refused({"--server", "127.0.0.1:1", "--timeout", "2", "health"});
  EXPECT_EQ(refused.Wait(), 4);
  EXPECT_THAT(refused.err(), HasSubstr("hint: nothing is listening at 127.0.0.1:1"));
}

TEST_F(HearthctlTest, TlsMismatchesAreExplained) {
  const std::string dir = Path("tls");
  std::filesystem::create_directories(dir);
  ASSERT_TRUE(testing::MakeTestCertificates(dir)) << "openssl could not create test certs";
  auto options = ServerOptions();
  options.tls_cert = dir + "/server.pem";
  options.tls_key = dir + "/server.key";
  options.tls_client_ca = dir + "/ca.pem";
  Start(EngineOptions(), options);
  const std::string server = absl::StrCat("localhost:", server_->port());

  Child plaintext({"--server", server, "--timeout", "3", "health"});
  EXPECT_EQ(plaintext.Wait(), 4);
  EXPECT_THAT(plaintext.err(), HasSubstr("hint: the server closed the connection: if it uses TLS"));
  EXPECT_THAT(plaintext.err(), ::testing::Not(HasSubstr("ssl_transport_security")));

  Child no_cert({"--server", server, "--tls-ca", dir + "/ca.pem", "--timeout", "3", "health"});
  EXPECT_EQ(no_cert.Wait(), 4);
  EXPECT_THAT(no_cert.err(), HasSubstr("may require a client certificate"));

  // The same settings from the environment, as in a Kubernetes pod spec.
  setenv("HEARTH_TLS_CA", (dir + "/ca.pem").c_str(), 1);
  setenv("HEARTH_TLS_CERT", (dir + "/client.pem").c_str(), 1);
  setenv("HEARTH_TLS_KEY", (dir + "/client.key").c_str(), 1);
  Child from_env({"--server", server, "--timeout", "3", "health"});
  const int env_code = from_env.Wait();
  unsetenv("HEARTH_TLS_CA");
  unsetenv("HEARTH_TLS_CERT");
  unsetenv("HEARTH_TLS_KEY");
  EXPECT_EQ(env_code, 0) << from_env.err();
  EXPECT_EQ(from_env.out(), "SERVING\n");

  Child wrong_ca({"--server", server, "--tls-ca", dir + "/client.pem", "--tls-cert",
                  dir + "/client.pem", "--tls-key", dir + "/client.key", "--timeout", "3",
                  "health"});
  EXPECT_EQ(wrong_ca.Wait(), 4);
  EXPECT_THAT(wrong_ca.err(), HasSubstr("not signed by --tls-ca"));
}

TEST_F(HearthctlTest, TlsClientToPlaintextServerIsExplained) {
  Start();
  Child tls({"--server", Server(), "--tls", "--timeout", "3", "health"});
  EXPECT_EQ(tls.Wait(), 4);
  EXPECT_THAT(tls.err(), HasSubstr("hint: the server does not speak TLS on this address"));
}

TEST_F(HearthctlTest, DiffExitsLikeDiff) {
  Start();
  const std::string same = Path("00-base.toml");
  const std::string changed = Path("20-port.toml");
  const std::string invalid = Path("30-bad.toml");
  {
    std::ofstream(same) << "[db]\nhost = \"a\"\nport = 5432\nratio = 1.5\n";
    std::ofstream(changed) << "[db]\nport = 6000\n";
    std::ofstream(invalid) << "[db\n";
  }
  Result none = Run({"diff", "payments", same});
  EXPECT_EQ(none.code, 0) << none.err;
  EXPECT_EQ(none.out, "");
  Result some = Run({"diff", "payments", changed});
  EXPECT_EQ(some.code, 1) << some.err;
  EXPECT_EQ(some.out, "~ db.port: 5432 -> 6000\n");
  Result json = Run({"diff", "payments", changed, "-o", "json"});
  EXPECT_EQ(json.code, 1);
  EXPECT_THAT(json.out, HasSubstr("\"op\": \"changed\""));
  Result bad = Run({"diff", "payments", invalid});
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("payments/30-bad.toml:1:"));
  EXPECT_THAT(bad.err, HasSubstr("the candidates are invalid (1 error)"));
}

TEST_F(HearthctlTest, CheckFailsWhenAnyConfigHasErrors) {
  Start();
  Result ok = Run({"check"});
  EXPECT_EQ(ok.code, 0) << ok.out << ok.err;
  EXPECT_EQ(ok.out, "ok     payments\nok     team/billing\n2 config(s), 2 ok, 0 with errors\n");
  Write("payments/00-base.toml", "[db\n");
  engine_->Rebuild("payments");
  Result failing = Run({"check"});
  EXPECT_EQ(failing.code, 1);
  EXPECT_THAT(failing.out,
              HasSubstr("error  payments (serving revision 1, the last good version)\n    "
                        "payments/00-base.toml:1:"));
  EXPECT_THAT(failing.out, HasSubstr("2 config(s), 1 ok, 1 with errors\n"));
  Result quiet = Run({"check", "-q", "team/"});
  EXPECT_EQ(quiet.code, 0);
  EXPECT_EQ(quiet.out, "1 config(s), 1 ok, 0 with errors\n");
  Result json = Run({"check", "-o", "json"});
  EXPECT_EQ(json.code, 1);
  EXPECT_THAT(json.out, HasSubstr("\"ok\": false"));
}

TEST_F(HearthctlTest, BatchGetNamesEachStatus) {
  Start();
  Result batch = Run({"batch-get", "payments", "nope", "-p", "production"});
  EXPECT_EQ(batch.code, 3);
  std::vector<std::string> lines = absl::StrSplit(batch.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u) << batch.out;
  EXPECT_THAT(lines[0], StartsWith("NAME"));
  EXPECT_THAT(lines[1], StartsWith("payments  "));
  EXPECT_THAT(
      lines[1],
      HasSubstr(store().Get("payments")->version->Variant("production").etag.substr(0, 16)));
  EXPECT_THAT(lines[2], HasSubstr("NOT_FOUND: "));
  Result json = Run({"batch-get", "payments", "-o", "json"});
  EXPECT_EQ(json.code, 0) << json.err;
  EXPECT_THAT(json.out, HasSubstr("\"status\": \"OK\""));
  EXPECT_THAT(json.out, HasSubstr("\"host\": \"a\""));
}

TEST_F(HearthctlTest, VersionShowsClientAndServer) {
  auto options = ServerOptions();
  options.version = "9.8.7";
  options.instance_id = "feedc0de";
  Start(EngineOptions(), options);
  Result text = Run({"version"});
  EXPECT_EQ(text.code, 0) << text.err;
  EXPECT_THAT(text.out, StartsWith("Client Version: "));
  EXPECT_THAT(text.out, HasSubstr("\nServer Version: 9.8.7 (instance feedc0de, revision "));
  EXPECT_THAT(text.out, HasSubstr(", 2 configs, up since "));
  Result json = Run({"version", "-o", "json"});
  EXPECT_THAT(json.out, HasSubstr("\"version\": \"9.8.7\""));
  EXPECT_THAT(json.out, HasSubstr("\"configs\": 2"));
}

TEST_F(HearthctlTest, StatusWaitsForEveryClientAndFailsOnARejection) {
  Start();
  // Nobody reported yet: not complete (a rollout nobody applied is not done).
  Result none = Run({"status", "payments"});
  EXPECT_EQ(none.code, 1) << none.out << none.err;
  EXPECT_THAT(none.out, HasSubstr("0 clients"));

  Result applied = Run({"report", "payments", "--client-id", "web-0", "--label", "pod=web-0"});
  ASSERT_EQ(applied.code, 0) << applied.err;
  Result behind = Run({"report", "payments", "--client-id", "web-1", "--etag", "0ld"});
  ASSERT_EQ(behind.code, 0) << behind.err;
  Result waiting = Run({"status", "payments", "--timeout", "1"});
  EXPECT_EQ(waiting.code, 1);
  EXPECT_THAT(waiting.out, HasSubstr("1 current, 1 behind, 0 rejected"));
  EXPECT_THAT(waiting.out, HasSubstr("not complete: 1 of 2 clients"));
  EXPECT_THAT(waiting.out, HasSubstr("pod=web-0"));

  // web-1 catches up while `status --timeout` waits: it exits 0 as soon as it sees that.
  Child wait({"--server", Server(), "status", "payments", "--timeout", "20"});
  Result caught_up = Run({"report", "payments", "--client-id", "web-1"});
  ASSERT_EQ(caught_up.code, 0) << caught_up.err;
  EXPECT_EQ(wait.Wait(), 0) << wait.out() << wait.err();
  EXPECT_THAT(wait.out(), HasSubstr("rollout of payments complete: 2 clients"));

  // A rejection of the served etag fails at once, with the reason, even with a long timeout.
  Result rejected = Run({"report", "payments", "--client-id", "web-1", "--rejected",
                         "nginx: [emerg] unknown directive\nnginx: test failed"});
  ASSERT_EQ(rejected.code, 0) << rejected.err;
  const absl::Time start = absl::Now();
  Result failed = Run({"status", "payments", "--timeout", "30"});
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_EQ(failed.code, 1);
  EXPECT_THAT(failed.out, HasSubstr("REJECTED"));
  EXPECT_THAT(failed.out, HasSubstr("nginx: [emerg] unknown directive"));
  EXPECT_THAT(failed.out, HasSubstr("failed: 1 client(s) rejected"));

  Result json = Run({"status", "payments", "-o", "json"});
  EXPECT_EQ(json.code, 1);
  hearthctl::JsonNode doc;
  std::string error;
  ASSERT_TRUE(hearthctl::ParseJson(json.out, &doc, &error)) << error << json.out;
  EXPECT_THAT(json.out, HasSubstr("\"complete\": false"));
  EXPECT_THAT(json.out, HasSubstr("\"state\": \"REJECTED\""));

  Result left = Run({"report", "--client-id", "web-1", "--leaving"});
  ASSERT_EQ(left.code, 0) << left.err;
  EXPECT_EQ(Run({"status", "payments"}).code, 0);
  EXPECT_EQ(Run({"status", "payments", "--min-clients", "2"}).code, 1);
  EXPECT_EQ(Run({"status", "nope"}).code, 3);
  EXPECT_EQ(Run({"report", "payments", "--client-id", "x", "--label", "novalue"}).code, 2);
}

}  // namespace
}  // namespace hearth::rpc
