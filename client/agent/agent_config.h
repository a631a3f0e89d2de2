#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace hearth_agent {

// What to do after a batch of changed outputs is on disk. Outputs whose actions are equal
// (Action::Key) share one run per batch.
struct Action {
  enum class Kind { kNone, kSignal, kWebhook, kExec };
  Kind kind = Kind::kNone;
  // kSignal: the process is read from `pidfile` (a decimal pid), or found by its executable's
  // base name (`process`, every match in /proc). Exactly one of the two.
  std::string pidfile;
  std::string process;
  int signal = 1;  // SIGHUP; the config names it "HUP", "SIGHUP", "USR1", ... or a number
  // kWebhook: an http:// URL (no TLS) POSTed a JSON body naming the changed outputs; a non-2xx
  // answer or a transport error is retried with exponential backoff and jitter.
  std::string url;
  int max_attempts = 5;
  absl::Duration initial_backoff = absl::Milliseconds(200);
  absl::Duration max_backoff = absl::Seconds(5);
  // kExec: argv, run without a shell.
  std::vector<std::string> command;
  // kWebhook: per attempt; kExec: the whole run (killed after it).
  absl::Duration timeout = absl::Seconds(10);

  // Equal for actions that do the same thing.
  std::string Key() const;
};

// One rendered file.
struct Output {
  std::string id;       // unique: [A-Za-z0-9_.-]{1,64}, not starting with '.'; names its snapshot
  std::string config;   // hearthd config name
  std::string profile;  // "" is the base document
  std::string path;     // dotted sub-tree, "" for the whole document
  // Exactly one of format (json, yaml, toml, env, properties: rendered by hearthd) and
  // template_text (Mustache over the JSON document, read from `template` at load time).
  std::string format;
  std::string template_file;
  std::string template_text;
  std::string destination;  // absolute (made so from base_dir), unique among outputs
  mode_t mode = 0644;
  std::optional<uid_t> uid;  // owner = "user" or "user:group" (names or numbers)
  std::optional<gid_t> gid;
  // argv run on the staged file before it replaces destination; "{{file}}" in any argument is
  // the staged file's path. Exit 0 accepts; otherwise the first lines of stderr are the reason.
  std::vector<std::string> check;
  absl::Duration check_timeout = absl::Seconds(10);
  Action action;
  bool required = true;  // --once fails when a required output cannot be written
  // This output's timing (AgentConfig's, unless the output sets its own): see AgentConfig.
  absl::Duration debounce_min = absl::ZeroDuration();
  absl::Duration debounce_max = absl::Seconds(1);
  absl::Duration splay = absl::ZeroDuration();
};

struct AgentConfig {
  std::string server;     // host:port or unix:///path; "" = HEARTH_SERVER, else 127.0.0.1:7070
  std::string client_id;  // ReportStatus identity; "" = hostname
  std::map<std::string, std::string> labels;
  std::string state_dir;  // last-known-good snapshots; "" = no snapshots
  // After a change arrives: wait until the output's config has been quiet for debounce_min, but
  // never longer than debounce_max after the first change; then a uniform random splay in
  // [0, splay] before the batch's actions run (a fleet does not reload at once). Defaults for
  // every output; an [[output]] may set its own.
  absl::Duration debounce_min = absl::ZeroDuration();
  absl::Duration debounce_max = absl::Seconds(1);
  absl::Duration splay = absl::ZeroDuration();
  std::string metrics_listen;  // "127.0.0.1:9102"-style; "" = no metrics endpoint
  std::string status_file;     // where `hearth-agent status` reads the agent's state
  std::vector<Output> outputs;
};

// Budgets for the outputs file and what it names.
inline constexpr size_t kMaxConfigFileBytes = 1 << 20;
inline constexpr size_t kMaxTemplateBytes = 1 << 20;
inline constexpr size_t kMaxOutputs = 1000;

// Parses the agent's TOML file. `source_name` is used in error messages; relative template paths
// resolve against `base_dir`. Errors (INVALID_ARGUMENT) name source_name:line:col and never quote
// values. The layout, every key optional unless marked:
//   [agent]     server, client_id, labels = { k = "v" }, state_dir, debounce_min, debounce_max,
//               splay, metrics_listen, status_file
//   [[output]]  id (required), config (required), profile, path, exactly one of
//               format = "json|yaml|toml|env|properties" and template = "file.mustache",
//               destination (required; relative to base_dir), mode = "0644", owner =
//               "user[:group]", check = ["argv", "{{file}}"], check_timeout, required = true|false,
//               debounce_min, debounce_max, splay ([agent]'s unless set)
//   [output.action]  signal = "HUP" with pidfile = "/run/x.pid" or process = "name";
//               or url = "http://..." with max_attempts, initial_backoff, max_backoff, timeout;
//               or command = ["argv"] with timeout. No table: no action.
// Durations are strings: an integer and ms, s or m ("250ms", "2s", "1m"). Unknown keys are
// errors. A template is read (kMaxTemplateBytes at most) and must parse.
absl::StatusOr<AgentConfig> ParseAgentConfig(std::string_view text, std::string_view source_name,
                                             std::string_view base_dir);
// Reads (at most kMaxConfigFileBytes) and parses `path`; base_dir is the file's directory.
// NOT_FOUND (or errno's code) when it cannot be read, INVALID_ARGUMENT when too large or invalid.
absl::StatusOr<AgentConfig> LoadAgentConfig(const std::string& path);

}  // namespace hearth_agent
