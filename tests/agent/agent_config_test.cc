#include "client/agent/agent_config.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hearth_agent {
namespace {

using ::testing::AllOf;
using ::testing::ContainsRegex;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

// Bad configs below hide this in a value; no message may repeat it.
constexpr char kSecret[] = "s3cr3t-T0KEN";

class AgentConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "/agent_config_test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    Write("nginx.conf.mustache", "server {{name}};\n");
  }
  void TearDown() override {
    DIR* d = opendir(dir_.c_str());
    while (dirent* e = d != nullptr ? readdir(d) : nullptr) {
      const std::string name = e->d_name;
      if (name != "." && name != "..") unlink((dir_ + "/" + name).c_str());
    }
    if (d != nullptr) closedir(d);
    rmdir(dir_.c_str());
  }

  void Write(const std::string& name, const std::string& bytes) const {
    std::ofstream out(dir_ + "/" + name, std::ios::binary | std::ios::trunc);
    out << bytes;
  }

  absl::StatusOr<AgentConfig> Parse(const std::string& text) const {
    return ParseAgentConfig(text, "agent.toml", dir_);
  }

  // The text must be rejected with a message that starts with agent.toml:line:col, contains
  // `what`, and does not contain the secret.
  void ExpectError(const std::string& text, const std::string& what) const {
    const absl::StatusOr<AgentConfig> config = Parse(text);
    ASSERT_FALSE(config.ok()) << "accepted:\n" << text;
    EXPECT_TRUE(absl::IsInvalidArgument(config.status())) << config.status();
    const std::string message(config.status().message());
    EXPECT_THAT(message, ContainsRegex("^agent\\.toml:[0-9]+:[0-9]+: ")) << text;
    EXPECT_THAT(message, HasSubstr(what)) << text;
    EXPECT_THAT(message, Not(HasSubstr(kSecret))) << text;
  }

  // One valid output with `extra` lines appended to its table.
  static std::string OutputToml(const std::string& extra) {
    return absl::StrCat(
        "[[output]]\nid = \"o\"\nconfig = \"c\"\nformat = \"json\"\n"
        "destination = \"/etc/o.json\"\n",
        extra);
  }

  std::string dir_;
};

TEST_F(AgentConfigTest, ParsesTheDocumentedExample) {
  const absl::StatusOr<AgentConfig> config = Parse(R"(
[agent]
server = "unix:///run/hearth/hearthd.sock"
client_id = "web-0"
labels = { pod = "web-0", app = "web" }
state_dir = "/var/lib/hearth-agent"
debounce_min = "250ms"
debounce_max = "2s"
splay = "1m"
metrics_listen = "127.0.0.1:9102"
status_file = "/run/hearth-agent/status.json"

[[output]]
id = "nginx"
config = "web/nginx"
profile = "production"
path = "server"
template = "nginx.conf.mustache"
destination = "/etc/nginx/conf.d/app.conf"
mode = "0640"
owner = "0:0"
check = ["nginx", "-t", "-c", "{{file}}"]
check_timeout = "5s"
required = false
[output.action]
signal = "HUP"
pidfile = "/run/nginx.pid"

[[output]]
id = "app.env"
config = "web/app"
format = "env"
destination = "/etc/app.env"
[output.action]
url = "http://127.0.0.1:8080/reload"
max_attempts = 3
initial_backoff = "100ms"
max_backoff = "2s"
timeout = "1s"

[[output]]
id = "svc_2"
config = "svc"
format = "yaml"
destination = "/etc/svc.yaml"
[output.action]
command = ["systemctl", "reload", "svc"]
)");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "unix:///run/hearth/hearthd.sock");
  EXPECT_EQ(config->client_id, "web-0");
  EXPECT_THAT(config->labels, ElementsAre(Pair("app", "web"), Pair("pod", "web-0")));
  EXPECT_EQ(config->state_dir, "/var/lib/hearth-agent");
  EXPECT_EQ(config->debounce_min, absl::Milliseconds(250));
  EXPECT_EQ(config->debounce_max, absl::Seconds(2));
  EXPECT_EQ(config->splay, absl::Minutes(1));
  EXPECT_EQ(config->metrics_listen, "127.0.0.1:9102");
  EXPECT_EQ(config->status_file, "/run/hearth-agent/status.json");
  ASSERT_EQ(config->outputs.size(), 3u);

  const Output& nginx = config->outputs[0];
  EXPECT_EQ(nginx.id, "nginx");
  EXPECT_EQ(nginx.config, "web/nginx");
  EXPECT_EQ(nginx.profile, "production");
  EXPECT_EQ(nginx.path, "server");
  EXPECT_EQ(nginx.format, "");
  EXPECT_EQ(nginx.template_file, "nginx.conf.mustache");
  EXPECT_EQ(nginx.template_text, "server {{name}};\n");
  EXPECT_EQ(nginx.destination, "/etc/nginx/conf.d/app.conf");
  EXPECT_EQ(nginx.mode, 0640u);
  EXPECT_EQ(nginx.uid, 0u);
  EXPECT_EQ(nginx.gid, 0u);
  EXPECT_THAT(nginx.check, ElementsAre("nginx", "-t", "-c", "{{file}}"));
  EXPECT_EQ(nginx.check_timeout, absl::Seconds(5));
  EXPECT_FALSE(nginx.required);
  EXPECT_EQ(nginx.action.kind, Action::Kind::kSignal);
  EXPECT_EQ(nginx.action.signal, SIGHUP);
  EXPECT_EQ(nginx.action.pidfile, "/run/nginx.pid");
  EXPECT_EQ(nginx.action.process, "");

  const Output& env = config->outputs[1];
  EXPECT_EQ(env.format, "env");
  EXPECT_EQ(env.template_text, "");
  EXPECT_EQ(env.mode, 0644u);
  EXPECT_FALSE(env.uid.has_value());
  EXPECT_TRUE(env.required);
  EXPECT_EQ(env.action.kind, Action::Kind::kWebhook);
  EXPECT_EQ(env.action.url, "http://127.0.0.1:8080/reload");
  EXPECT_EQ(env.action.max_attempts, 3);
  EXPECT_EQ(env.action.initial_backoff, absl::Milliseconds(100));
  EXPECT_EQ(env.action.max_backoff, absl::Seconds(2));
  EXPECT_EQ(env.action.timeout, absl::Seconds(1));

  const Output& svc = config->outputs[2];
  EXPECT_EQ(svc.action.kind, Action::Kind::kExec);
  EXPECT_THAT(svc.action.command, ElementsAre("systemctl", "reload", "svc"));
}

TEST_F(AgentConfigTest, DefaultsForAnEmptyFileAndAMinimalOutput) {
  const absl::StatusOr<AgentConfig> empty = Parse("");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(empty->server, "") << "main picks --server, then HEARTH_SERVER, then the default";
  EXPECT_EQ(empty->debounce_min, absl::ZeroDuration());
  EXPECT_EQ(empty->debounce_max, absl::Seconds(1));
  EXPECT_TRUE(empty->outputs.empty());

  const absl::StatusOr<AgentConfig> minimal = Parse(OutputToml(""));
  ASSERT_TRUE(minimal.ok()) << minimal.status();
  ASSERT_EQ(minimal->outputs.size(), 1u);
  const Output& o = minimal->outputs[0];
  EXPECT_EQ(o.profile, "");
  EXPECT_EQ(o.path, "");
  EXPECT_EQ(o.mode, 0644u);
  EXPECT_TRUE(o.check.empty());
  EXPECT_EQ(o.check_timeout, absl::Seconds(10));
  EXPECT_TRUE(o.required);
  EXPECT_EQ(o.action.kind, Action::Kind::kNone);
}

TEST_F(AgentConfigTest, EachOutputTakesTheAgentsTimingUnlessItSetsItsOwn) {
  const absl::StatusOr<AgentConfig> config = Parse(
      "[agent]\ndebounce_min = \"100ms\"\ndebounce_max = \"2s\"\nsplay = \"5s\"\n" +
      OutputToml("") +
      "[[output]]\nid = \"p\"\nconfig = \"c\"\nformat = \"env\"\ndestination = \"/etc/p.env\"\n"
      "debounce_min = \"0ms\"\ndebounce_max = \"250ms\"\nsplay = \"0s\"\n");
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->outputs.size(), 2u);
  EXPECT_EQ(config->outputs[0].debounce_min, absl::Milliseconds(100));
  EXPECT_EQ(config->outputs[0].debounce_max, absl::Seconds(2));
  EXPECT_EQ(config->outputs[0].splay, absl::Seconds(5));
  EXPECT_EQ(config->outputs[1].debounce_min, absl::ZeroDuration());
  EXPECT_EQ(config->outputs[1].debounce_max, absl::Milliseconds(250));
  EXPECT_EQ(config->outputs[1].splay, absl::ZeroDuration());
  ExpectError(OutputToml("debounce_min = \"2s\"\ndebounce_max = \"1s\"\n"),
              "output.debounce_min is longer than its debounce_max");
  ExpectError(OutputToml("splay = \"s3cr3t-T0KEN\"\n"), "output.splay");
}

TEST_F(AgentConfigTest, SignalsByNameAndNumber) {
  for (const auto& [text, number] :
       std::vector<std::pair<std::string, int>>{{"\"HUP\"", SIGHUP},
                                                {"\"SIGUSR1\"", SIGUSR1},
                                                {"\"usr2\"", SIGUSR2},
                                                {"\"TERM\"", SIGTERM},
                                                {"\"QUIT\"", SIGQUIT},
                                                {"\"INT\"", SIGINT},
                                                {"\"34\"", 34},
                                                {"64", 64},
                                                {"1", 1}}) {
    const absl::StatusOr<AgentConfig> config =
        Parse(OutputToml("[output.action]\nprocess = \"nginx\"\nsignal = " + text + "\n"));
    ASSERT_TRUE(config.ok()) << text << ": " << config.status();
    EXPECT_EQ(config->outputs[0].action.signal, number) << text;
    EXPECT_EQ(config->outputs[0].action.process, "nginx");
  }
  // No signal key: HUP.
  const absl::StatusOr<AgentConfig> config =
      Parse(OutputToml("[output.action]\npidfile = \"/run/x.pid\"\n"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->outputs[0].action.kind, Action::Kind::kSignal);
  EXPECT_EQ(config->outputs[0].action.signal, SIGHUP);
}

TEST_F(AgentConfigTest, OwnerByNameOrNumber) {
  absl::StatusOr<AgentConfig> config = Parse(OutputToml("owner = \"root:root\"\n"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->outputs[0].uid, 0u);
  EXPECT_EQ(config->outputs[0].gid, 0u);
  config = Parse(OutputToml("owner = \"1234\"\n"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->outputs[0].uid, 1234u);
  EXPECT_FALSE(config->outputs[0].gid.has_value());
  config = Parse(OutputToml("owner = \"1234:5678\"\n"));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->outputs[0].gid, 5678u);
}

TEST_F(AgentConfigTest, LoadResolvesTemplatesBesideTheFile) {
  const std::string path = dir_ + "/agent.toml";
  {
    std::ofstream out(path);
    out << "[[output]]\nid = \"a\"\nconfig = \"c\"\ntemplate = \"nginx.conf.mustache\"\n"
           "destination = \"/etc/a\"\n";
  }
  // From another working directory: the template is still found beside the config.
  const absl::StatusOr<AgentConfig> config = LoadAgentConfig(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->outputs[0].template_text, "server {{name}};\n");

  const absl::StatusOr<AgentConfig> missing = LoadAgentConfig(dir_ + "/none.toml");
  EXPECT_TRUE(absl::IsNotFound(missing.status())) << missing.status();
  EXPECT_THAT(missing.status().message(), HasSubstr(dir_ + "/none.toml"));
}

TEST_F(AgentConfigTest, LoadRefusesAnOversizeFile) {
  const std::string path = dir_ + "/big.toml";
  {
    std::ofstream out(path);
    out << "# " << std::string(kMaxConfigFileBytes, 'x') << "\n";
  }
  const absl::StatusOr<AgentConfig> config = LoadAgentConfig(path);
  EXPECT_TRUE(absl::IsInvalidArgument(config.status())) << config.status();
  EXPECT_THAT(config.status().message(), HasSubstr("1048576"));
  EXPECT_TRUE(absl::IsInvalidArgument(
      ParseAgentConfig(std::string(kMaxConfigFileBytes + 1, '\n'), "x", "").status()));
}

TEST_F(AgentConfigTest, UnknownKeysAreErrorsWithTheirPosition) {
  ExpectError("[agent]\nserver = \"127.0.0.1:7070\"\nservr = \"s3cr3t-T0KEN\"\n",
              "agent.toml:3:1: unknown key agent.servr");
  ExpectError("[agnet]\n", "agent.toml:1:2: unknown key agnet");
  ExpectError(OutputToml("  destinaton = \"/etc/x\"\n"),
              "agent.toml:6:3: unknown key output.destinaton");
  ExpectError(OutputToml("[output.action]\nprocess = \"x\"\nsignall = \"HUP\"\n"),
              "agent.toml:8:1: unknown key output.action.signall");
  ExpectError("token = \"s3cr3t-T0KEN\"\n", "agent.toml:1:1: unknown key token");
}

TEST_F(AgentConfigTest, WrongTypesAreErrors) {
  ExpectError("[agent]\nserver = 7070\n", "agent.toml:2:10: agent.server must be a string");
  ExpectError("[agent]\nlabels = \"s3cr3t-T0KEN\"\n", "agent.labels must be a table");
  ExpectError("[agent]\nlabels = { a = 1 }\n", "agent.labels values must be a string");
  ExpectError("agent = 1\n", "agent must be a table");
  ExpectError("[output]\nid = \"x\"\n", "output must be an array of tables");
  ExpectError(OutputToml("required = \"yes\"\n"), "agent.toml:6:12: output.required must be true");
  ExpectError(OutputToml("check = \"nginx -t\"\n"), "output.check must be an array of strings");
  ExpectError(OutputToml("check = [\"nginx\", 1]\n"), "output.check must be an array of strings");
  ExpectError(OutputToml("check = []\n"), "output.check must not be empty");
  ExpectError(OutputToml("check = [\"\"]\n"), "output.check must name a program");
  ExpectError(OutputToml("[output.action]\ncommand = \"systemctl reload\"\n"),
              "output.action.command must be an array of strings");
  ExpectError("[agent]\nserver = \"http://host/path\"\n", "agent.server is not a server address");
}

TEST_F(AgentConfigTest, MissingRequiredKeys) {
  ExpectError("[[output]]\nconfig = \"c\"\nformat = \"json\"\ndestination = \"/x\"\n",
              "agent.toml:1:1: output.id is required");
  ExpectError("[[output]]\nid = \"a\"\nformat = \"json\"\ndestination = \"/x\"\n",
              "output.config is required");
  ExpectError("[[output]]\nid = \"a\"\nconfig = \"c\"\nformat = \"json\"\n",
              "output.destination is required");
}

TEST_F(AgentConfigTest, DuplicateIdsAndDestinations) {
  ExpectError(OutputToml("") + OutputToml(""),
              "agent.toml:7:6: output.id is already used by the output at line 1");
  ExpectError(OutputToml("") +
                  "[[output]]\nid = \"p\"\nconfig = \"c\"\nformat = \"json\"\n"
                  "destination = \"/etc/o.json\"\n",
              "output.destination is already written by the output at line 1");
}

TEST_F(AgentConfigTest, BadIds) {
  for (const std::string& id :
       std::vector<std::string>{"../x", "a/b", "", ".hidden", "..", "a b", "caf\u00e9",
                                std::string(65, 'a'), "s3cr3t-T0KEN/.."}) {
    ExpectError("[[output]]\nid = \"" + id +
                    "\"\nconfig = \"c\"\nformat = \"json\"\ndestination = \"/x\"\n",
                "agent.toml:2:6: output.id must be 1 to 64 of");
  }
  EXPECT_TRUE(Parse("[[output]]\nid = \"" + std::string(64, 'a') +
                    "\"\nconfig = \"c\"\nformat = \"json\"\ndestination = \"/x\"\n")
                  .ok());
}

TEST_F(AgentConfigTest, BadDurations) {
  for (const char* value : {"\"10\"", "\"1h\"", "\"-1s\"", "\"1.5s\"", "\"1 s\"", "\"\"", "5",
                            "\"1000000000ms\"", "\"s3cr3t-T0KEN\"", "\"ms\""}) {
    ExpectError("[agent]\ndebounce_max = " + std::string(value) + "\n",
                "agent.toml:2:16: agent.debounce_max must be a duration");
  }
  ExpectError("[agent]\ndebounce_min = \"2s\"\ndebounce_max = \"1s\"\n",
              "agent.debounce_min is longer than debounce_max");
  ExpectError(OutputToml("check_timeout = \"0s\"\n"), "output.check_timeout must be more than 0");
}

TEST_F(AgentConfigTest, BadModes) {
  for (const char* value :
       {"\"0888\"", "\"1777\"", "\"4755\"", "420", "\"64\"", "\"00644\"", "\"rw-r--r--\""}) {
    ExpectError(OutputToml("mode = " + std::string(value) + "\n"),
                "agent.toml:6:8: output.mode must be an octal");
  }
}

TEST_F(AgentConfigTest, FormatAndTemplate) {
  ExpectError(OutputToml("template = \"nginx.conf.mustache\"\n"),
              "output has both format and template");
  ExpectError("[[output]]\nid = \"a\"\nconfig = \"c\"\ndestination = \"/x\"\n",
              "agent.toml:1:1: output needs one of format and template");
  ExpectError("[[output]]\nid = \"a\"\nconfig = \"c\"\nformat = \"xml\"\ndestination = \"/x\"\n",
              "agent.toml:4:10: output.format must be json, yaml, toml, env or properties");
}

TEST_F(AgentConfigTest, TemplateProblems) {
  const auto with_template = [](const std::string& name) {
    return "[[output]]\nid = \"a\"\nconfig = \"c\"\ntemplate = \"" + name +
           "\"\ndestination = \"/x\"\n";
  };
  ExpectError(with_template("s3cr3t-T0KEN.mustache"),
              "agent.toml:4:12: output.template: the template file does not exist");
  ExpectError(with_template("."), "the template is not a regular file");
  Write("big.mustache", std::string(kMaxTemplateBytes + 1, 'x'));
  ExpectError(with_template("big.mustache"), "larger than the limit of 1048576 bytes");
  Write("broken.mustache", "line\n{{#items}}\n{{name}}\n");
  ExpectError(with_template("broken.mustache"),
              "output.template does not parse (template:2:1: Unclosed section");
  // Absolute paths are read as they are.
  const absl::StatusOr<AgentConfig> absolute = Parse(with_template(dir_ + "/nginx.conf.mustache"));
  ASSERT_TRUE(absolute.ok()) << absolute.status();
  EXPECT_EQ(absolute->outputs[0].template_text, "server {{name}};\n");
}

TEST_F(AgentConfigTest, TemplatesTogetherAreBounded) {
  Write("full.mustache", std::string(kMaxTemplateBytes, 'x'));
  std::string text;
  for (int i = 0; i < 65; ++i) {
    absl::StrAppend(&text, "[[output]]\nid = \"o", i, "\"\nconfig = \"c\"\n",
                    "template = \"full.mustache\"\ndestination = \"/etc/o", i, "\"\n");
  }
  ExpectError(text, "agent.toml:324:12: the outputs' templates total more than 67108864 bytes");
}

TEST_F(AgentConfigTest, BadDestinations) {
  const auto with_destination = [](const std::string& destination) {
    return "[[output]]\nid = \"a\"\nconfig = \"c\"\nformat = \"json\"\ndestination = \"" +
           destination + "\"\n";
  };
  // Relative to the outputs file only when that file's directory is known to be absolute.
  const absl::StatusOr<AgentConfig> relative =
      ParseAgentConfig(with_destination("etc/s3cr3t-T0KEN"), "agent.toml", "conf");
  ASSERT_FALSE(relative.ok());
  EXPECT_THAT(std::string(relative.status().message()),
              AllOf(HasSubstr("agent.toml:5:15: output.destination must be a file path"),
                    Not(HasSubstr(kSecret))));
  ExpectError(with_destination("/etc/"), "output.destination must be a file path");
  ExpectError(with_destination(""), "output.destination must be a file path");
  ExpectError(with_destination("/etc/a\\u0000b"), "output.destination must not contain a NUL");
}

TEST_F(AgentConfigTest, RelativePathsResolveBesideTheOutputsFile) {
  const absl::StatusOr<AgentConfig> config = Parse(
      "[agent]\nstate_dir = \"state\"\nstatus_file = \"run/status.json\"\n"
      "[[output]]\nid = \"a\"\nconfig = \"c\"\nformat = \"env\"\ndestination = \"out/a.env\"\n"
      "[[output]]\nid = \"b\"\nconfig = \"c\"\nformat = \"env\"\ndestination = \"/abs/b.env\"\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->state_dir, dir_ + "/state");
  EXPECT_EQ(config->status_file, dir_ + "/run/status.json");
  EXPECT_EQ(config->outputs[0].destination, dir_ + "/out/a.env");
  EXPECT_EQ(config->outputs[1].destination, "/abs/b.env");
}

TEST_F(AgentConfigTest, BadOwners) {
  ExpectError(OutputToml("owner = \"s3cr3t-T0KEN-no-such-user\"\n"),
              "agent.toml:6:9: output.owner names no such user");
  ExpectError(OutputToml("owner = \"root:s3cr3t-T0KEN-no-such-group\"\n"),
              "output.owner names no such group");
  for (const char* value : {"\":root\"", "\"root:\"", "\"a:b:c\"", "\"\""}) {
    ExpectError(OutputToml("owner = " + std::string(value) + "\n"), "output.owner must be");
  }
  ExpectError(OutputToml("owner = \"4294967295\"\n"), "output.owner names no such user");
}

TEST_F(AgentConfigTest, BadActions) {
  const auto action = [](const std::string& lines) {
    return OutputToml("[output.action]\n" + lines);
  };
  ExpectError(action(""), "agent.toml:6:1: output.action needs signal");
  ExpectError(action("signal = \"HUP\"\n"),
              "a signal action needs exactly one of pidfile and process");
  ExpectError(action("pidfile = \"/run/a.pid\"\nprocess = \"a\"\n"),
              "a signal action needs exactly one of pidfile and process");
  for (const char* value :
       {"\"KILL\"", "\"SIGSTOP\"", "0", "65", "\"65\"", "\"\"", "\"s3cr3t-T0KEN\"", "true"}) {
    ExpectError(action("process = \"a\"\nsignal = " + std::string(value) + "\n"),
                "agent.toml:8:10: output.action.signal must be HUP");
  }
  ExpectError(action("pidfile = \"run/a.pid\"\n"), "output.action.pidfile must be an absolute");
  ExpectError(action("process = \"/usr/sbin/nginx\"\n"),
              "output.action.process must be an executable's base name");
  ExpectError(action("url = \"https://s3cr3t-T0KEN@example.com/\"\n"),
              "agent.toml:7:7: output.action.url must be an http:// URL");
  ExpectError(action("url = \"http://\"\n"), "output.action.url must be an http:// URL");
  ExpectError(action("url = \"http://x/s3cr3t-T0KEN\"\ncommand = [\"x\"]\n"),
              "output.action mixes signal, url and command");
  ExpectError(action("process = \"a\"\nurl = \"http://x/\"\n"), "output.action mixes");
  ExpectError(action("url = \"http://x/\"\nmax_attempts = 0\n"),
              "output.action.max_attempts must be an integer from 1 to 100");
  ExpectError(action("url = \"http://x/\"\nmax_attempts = \"3\"\n"),
              "output.action.max_attempts must be an integer");
  ExpectError(action("url = \"http://x/\"\ninitial_backoff = \"2s\"\nmax_backoff = \"1s\"\n"),
              "output.action.max_backoff is shorter than initial_backoff");
  ExpectError(action("process = \"a\"\ntimeout = \"1s\"\n"),
              "output.action.timeout applies only to a webhook or command");
  ExpectError(action("command = [\"x\"]\nmax_attempts = 2\n"),
              "output.action.max_attempts applies only to a webhook");
  ExpectError(action("command = [\"x\"]\ntimeout = \"0ms\"\n"),
              "output.action.timeout must be more than 0");
  ExpectError(OutputToml("action = \"s3cr3t-T0KEN\"\n"), "output.action must be a table");
}

TEST_F(AgentConfigTest, TooManyOutputs) {
  std::string text;
  for (size_t i = 0; i <= kMaxOutputs; ++i) {
    absl::StrAppend(&text, "[[output]]\nid = \"o", i, "\"\nconfig = \"c\"\nformat = \"json\"\n",
                    "destination = \"/etc/o", i, "\"\n");
  }
  ExpectError(text, "agent.toml:5001:1: more than 1000 outputs");
}

TEST_F(AgentConfigTest, SyntaxErrorsNameThePositionButNotTheValue) {
  ExpectError("[agent]\nserver = \"s3cr3t-T0KEN\n", "agent.toml:2:");
  ExpectError("[agent]\nclient_id = s3cr3t-T0KEN\n", "agent.toml:2:");
  ExpectError("[agent]\nclient_id = tr3cr3t-T0KEN\n", "agent.toml:2:");
  ExpectError("[agent]\nclient_id = 99999999999999999999999s3cr3t-T0KEN\n", "agent.toml:2:");
  ExpectError("[agent]\nclient_id = 1979-05-27s3cr3t-T0KEN\n", "agent.toml:2:");
  ExpectError("[agent]\nclient_id = \"\\qs3cr3t-T0KEN\"\n", "agent.toml:2:");
  ExpectError("[agent]\nclient_id = \"a\"\nclient_id = \"s3cr3t-T0KEN\"\n", "agent.toml:3:");
  // Columns are bytes, as in hearthd's messages: "é" is two.
  ExpectError("[agent]\nlabels = { \u00e9 = \"x\", a = 1 }\n", "agent.toml:2:");
  ExpectError("[agent]\nclient_id = \"\u00e9\u00e9\"\nservr = 1\n", "agent.toml:3:1:");
  ExpectError("[agent]\nlabels = { \"\u00e9\u00e9\" = 1 }\n",
              "agent.toml:2:21: agent.labels values must be a string");
}

TEST_F(AgentConfigTest, DeepNestingIsRejectedBeforeParsing) {
  std::string dotted;
  for (int i = 0; i < 200000; ++i) dotted += "a.";
  ExpectError(dotted + "b = 1\n", "nested deeper than 16 levels");
  ExpectError("[" + dotted + "b]\n", "agent.toml:1:1: nested deeper than 16 levels");
  ExpectError("x = " + std::string(100000, '[') + std::string(100000, ']') + "\n",
              "nested deeper than 16 levels");
  // Dots and brackets inside strings and comments do not count.
  EXPECT_TRUE(Parse("# " + dotted + "\n[agent]\nclient_id = \"" + dotted + "\"\n").ok());
}

TEST(ActionKeyTest, EqualExactlyForTheSameAction) {
  Action hup;
  hup.kind = Action::Kind::kSignal;
  hup.pidfile = "/run/nginx.pid";
  Action same = hup;
  same.url = "http://ignored/";  // not part of a signal action
  same.timeout = absl::Seconds(99);
  EXPECT_EQ(hup.Key(), same.Key());
  Action usr1 = hup;
  usr1.signal = SIGUSR1;
  EXPECT_NE(hup.Key(), usr1.Key());
  Action other_pidfile = hup;
  other_pidfile.pidfile = "/run/other.pid";
  EXPECT_NE(hup.Key(), other_pidfile.Key());

  Action a;
  a.kind = Action::Kind::kExec;
  a.command = {"a b"};
  Action b = a;
  b.command = {"a", "b"};
  EXPECT_NE(a.Key(), b.Key());
  Action c = a;
  c.command = {"a", "", "b"};
  EXPECT_NE(b.Key(), c.Key());
  Action slower = a;
  slower.timeout = absl::Seconds(11);
  EXPECT_NE(a.Key(), slower.Key());

  Action hook;
  hook.kind = Action::Kind::kWebhook;
  hook.url = "http://x/";
  Action hook2 = hook;
  EXPECT_EQ(hook.Key(), hook2.Key());
  hook2.max_attempts = 2;
  EXPECT_NE(hook.Key(), hook2.Key());
  Action exec_url;  // an exec whose argv spells the webhook's fields
  exec_url.kind = Action::Kind::kExec;
  exec_url.command = {"http://x/"};
  EXPECT_NE(hook.Key(), exec_url.Key());

  EXPECT_EQ(Action().Key(), Action().Key());
  EXPECT_NE(Action().Key(), hup.Key());
}

}  // namespace
}  // namespace hearth_agent
