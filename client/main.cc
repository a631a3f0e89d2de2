// hearthctl: the command-line client of hearthd (links only the generated API, gRPC and CLI11).

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_join.h"
#include "client/command_suggestion.h"
#include "client/commands.h"
#include "client/completion.h"
#include "client/connection.h"
#include "client/server_address.h"
#include "grpc/support/log.h"

namespace {

constexpr char kFooter[] = R"(Exit codes:
  0  success
  1  failure: error, invalid config (validate), not serving (health)
  2  usage: bad command line, or an argument the server rejected (INVALID_ARGUMENT)
  3  not found: no such config or path
  4  unavailable: server unreachable or timed out

Examples:
  hearthctl get payments --profile production -o yaml
  hearthctl --server unix:///run/hearth/hearth.sock list team-a/
  hearthctl watch payments team-a/
  hearthctl validate payments ./10-db.yaml
  hearthctl health
  hearthctl help get
  source <(hearthctl completion bash)

Environment: HEARTH_SERVER, HEARTH_TLS_CA, HEARTH_TLS_CERT, HEARTH_TLS_KEY,
HEARTH_TLS_SERVER_NAME and HEARTH_TIMEOUT stand for the flags of the same name.)";

// gRPC core writes its own diagnostics ("E1201 ... ssl_transport_security.cc") to stderr; the
// RPC status hearthctl prints already says what went wrong, with a hint.
void DropGrpcLog(gpr_log_func_args* /*args*/) {}

std::vector<std::string> CommandNames(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
  return names;
}

// "unknown command "lst" (did you mean "list"?)" on stderr; returns the usage exit code.
int UnknownCommand(const CLI::App& app, const std::string& typed) {
  std::cerr << "hearthctl: unknown command \"" << typed << "\"";
  const std::string suggestion = hearthctl::SuggestCommand(typed, CommandNames(app));
  if (!suggestion.empty()) std::cerr << " (did you mean \"" << suggestion << "\"?)";
  std::cerr << "\nRun 'hearthctl --help' for the list of commands.\n";
  return hearthctl::kExitUsage;
}

// -o/--output with a fixed set of forms; "-o=yaml" is accepted like "-o yaml".
void AddOutputOption(CLI::App* cmd, std::string* output, const std::vector<std::string>& forms) {
  cmd->add_option("-o,--output", *output, absl::StrJoin(forms, " | "))
      ->capture_default_str()
      ->transform([forms](std::string value) {
        if (!value.empty() && value[0] == '=') value.erase(0, 1);
        if (std::find(forms.begin(), forms.end(), value) == forms.end()) {
          throw CLI::ValidationError(
              "--output", "\"" + value + "\" is not one of " + absl::StrJoin(forms, ", "));
        }
        return value;
      });
}

}  // namespace

int main(int argc, char** argv) {
  using namespace hearthctl;
  gpr_set_log_function(DropGrpcLog);
  CLI::App app{"hearthctl: query, watch and validate configs served by hearthd", "hearthctl"};
  app.footer(kFooter);
  app.require_subcommand(1);
  app.set_version_flag("--version", "hearthctl " HEARTH_VERSION);

  ConnectionOptions conn;
  app.add_option("--server", conn.server,
                 "host:port, host (port 7070), http(s)://host:port or unix:///path")
      ->capture_default_str()
      ->envname("HEARTH_SERVER");
  app.add_flag("--tls", conn.tls, "Use TLS (implied by --tls-ca/--tls-cert/--tls-key)");
  app.add_option("--tls-ca", conn.tls_ca, "PEM roots that sign the server certificate")
      ->envname("HEARTH_TLS_CA");
  app.add_option("--tls-cert", conn.tls_cert, "Client certificate (PEM) for mutual TLS")
      ->envname("HEARTH_TLS_CERT");
  app.add_option("--tls-key", conn.tls_key, "Client private key (PEM) for mutual TLS")
      ->envname("HEARTH_TLS_KEY");
  app.add_option("--tls-server-name", conn.tls_server_name,
                 "Name to verify in the server certificate (default: from --server)")
      ->envname("HEARTH_TLS_SERVER_NAME");
  app.add_option("--timeout", conn.timeout_seconds, "Seconds per request (not for watch)")
      ->capture_default_str()
      ->envname("HEARTH_TIMEOUT")
      ->check(CLI::NonNegativeNumber);

  GetArgs get;
  CLI::App* get_cmd = app.add_subcommand("get", "Print a config (pretty JSON by default)");
  get_cmd->add_option("NAME", get.name, "Config name, e.g. payments or team-a/billing")->required();
  get_cmd->add_option("--profile,-p", get.profile, "Profile variant, e.g. production");
  get_cmd->add_option("--path", get.path, "Dotted sub-tree, e.g. db.pool or servers.0");
  AddOutputOption(get_cmd, &get.output, {"json", "yaml", "toml", "raw", "wide"});
  get_cmd
      ->add_option("--format", get.format,
                   "Have the server render the document (json, yaml, toml, env, properties) "
                   "and print it byte for byte, as a file would hold it")
      ->check(CLI::IsMember({"json", "yaml", "toml", "env", "properties"}));

  ListArgs list;
  CLI::App* list_cmd = app.add_subcommand("list", "List configs with revision and health");
  list_cmd->add_option("PREFIX", list.prefix, "Only names starting with this");
  list_cmd->add_option("--page-size", list.page_size, "Entries per request")
      ->check(CLI::NonNegativeNumber);
  AddOutputOption(list_cmd, &list.output, {"table", "json", "yaml", "name"});

  WatchArgs watch;
  CLI::App* watch_cmd = app.add_subcommand(
      "watch",
      "Stream changes: one line per event, \"REVISION TYPE NAME etag=ETAG\"; reconnects and "
      "resumes from the last revision seen");
  watch_cmd->add_option("TARGET", watch.targets,
                        "Config NAME, or PREFIX ending in '/' or '*' (none: every config)");
  watch_cmd->add_option("--profile,-p", watch.profile, "Profile whose etags are shown");
  watch_cmd->add_option("--since", watch.since, "Resume after this global revision");
  watch_cmd->add_flag("--progress", watch.progress, "Also print PROGRESS lines");
  watch_cmd->add_flag("--until-synced", watch.until_synced,
                      "Exit once the initial snapshot has been printed");
  watch_cmd->add_option("--count", watch.count, "Exit after this many config events")
      ->check(CLI::NonNegativeNumber);
  AddOutputOption(watch_cmd, &watch.output, {"text", "json"});

  ValidateArgs validate;
  CLI::App* validate_cmd = app.add_subcommand(
      "validate", "Dry-run candidate files for a config; prints errors as file:line:col");
  validate_cmd->add_option("NAME", validate.name, "Config name")->required();
  validate_cmd->add_option("FILE", validate.files, "Candidate files (their base names are used)")
      ->required()
      ->check(CLI::ExistingFile);
  validate_cmd->add_option("--profile,-p", validate.profile, "Profile variant to diff");
  validate_cmd->add_flag("--replace", validate.replace,
                         "Candidates replace the files on disk instead of layering over them");
  validate_cmd->add_flag("--json", validate.print_json, "Also print the resulting document");
  AddOutputOption(validate_cmd, &validate.output, {"text", "json", "yaml"});

  DiffArgs diff;
  CLI::App* diff_cmd = app.add_subcommand(
      "diff", "Show what candidate files would change (exit 0: none, 1: changes, 2: invalid)");
  diff_cmd->add_option("NAME", diff.name, "Config name")->required();
  diff_cmd->add_option("FILE", diff.files, "Candidate files (their base names are used)")
      ->required()
      ->check(CLI::ExistingFile);
  diff_cmd->add_option("--profile,-p", diff.profile, "Profile variant to diff");
  diff_cmd->add_flag("--replace", diff.replace,
                     "Candidates replace the files on disk instead of layering over them");
  AddOutputOption(diff_cmd, &diff.output, {"text", "json", "yaml"});

  CheckArgs check;
  CLI::App* check_cmd = app.add_subcommand(
      "check", "Check every served config; exit 1 when any has errors (for CI and probes)");
  check_cmd->add_option("PREFIX", check.prefix, "Only names starting with this");
  check_cmd->add_flag("--quiet,-q", check.quiet, "Print only configs with errors");
  AddOutputOption(check_cmd, &check.output, {"text", "json", "yaml"});

  BatchGetArgs batch;
  CLI::App* batch_cmd =
      app.add_subcommand("batch-get", "Fetch several configs in one call, with per-name status");
  batch_cmd->add_option("NAME", batch.names, "Config names")->required();
  batch_cmd->add_option("--profile,-p", batch.profile, "Profile variant");
  AddOutputOption(batch_cmd, &batch.output, {"table", "json", "yaml"});

  VersionArgs version;
  version.client_version = HEARTH_VERSION;
  CLI::App* version_cmd =
      app.add_subcommand("version", "Print the client's and the server's version");
  AddOutputOption(version_cmd, &version.output, {"text", "json", "yaml"});

  HealthArgs health;
  CLI::App* health_cmd =
      app.add_subcommand("health", "Check grpc.health.v1 status; exit 0 when SERVING");
  health_cmd->add_option("--service", health.service, "Service name (default: the server)");
  AddOutputOption(health_cmd, &health.output, {"text", "json", "yaml"});

  StatusArgs status;
  CLI::App* status_cmd = app.add_subcommand(
      "status",
      "Rollout status of a config: which clients applied, are behind or rejected the served "
      "version; exit 0 when every client applied it");
  status_cmd->add_option("NAME", status.name, "Config name")->required();
  status_cmd->add_option("--profile,-p", status.profile, "Profile variant");
  status_cmd
      ->add_option("--timeout", status.timeout_seconds,
                   "Wait up to this many seconds for the rollout to complete (0: look once)")
      ->check(CLI::NonNegativeNumber);
  status_cmd
      ->add_option("--min-clients", status.min_clients,
                   "Complete only once at least this many clients applied the served version")
      ->capture_default_str();
  AddOutputOption(status_cmd, &status.output, {"text", "json", "yaml"});

  ReportArgs report;
  CLI::App* report_cmd = app.add_subcommand(
      "report", "Tell hearthd this client applied (or, with --rejected, refused) a config version");
  report_cmd->add_option("NAME", report.name, "Config name");
  report_cmd->add_option("--client-id", report.client_id, "This client's stable id")->required();
  report_cmd->add_option("--profile,-p", report.profile, "Profile variant");
  report_cmd->add_option("--etag", report.etag, "The etag applied (default: the one served now)");
  report_cmd->add_option("--revision", report.revision, "The revision applied");
  report_cmd->add_option("--label", report.labels, "KEY=VALUE (repeatable), e.g. pod=web-0");
  report_cmd->add_option("--rejected", report.rejected, "Report a rejection, with this reason");
  report_cmd->add_flag("--leaving", report.leaving, "Forget this client now");

  std::string help_topic;
  CLI::App* help_cmd = app.add_subcommand("help", "Show help for hearthctl or for one command");
  help_cmd->add_option("COMMAND", help_topic, "e.g. get");

  std::string completion_shell;
  CLI::App* completion_cmd = app.add_subcommand(
      "completion", "Print a shell completion script: source <(hearthctl completion bash)");
  completion_cmd->add_option("SHELL", completion_shell, "bash | zsh")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh"}));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // "hearthctl lst": no command matched, and the first stray word is what was typed.
    const std::vector<std::string> extras = app.remaining();
    if (e.get_exit_code() != 0 && app.get_subcommands().empty() && !extras.empty() &&
        !extras[0].empty() && extras[0][0] != '-') {
      return UnknownCommand(app, extras[0]);
    }
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  if (*help_cmd) {
    if (help_topic.empty()) {
      std::cout << app.help();
      return kExitOk;
    }
    for (const CLI::App* sub : app.get_subcommands({})) {
      if (sub->get_name() == help_topic) {
        std::cout << sub->help();
        return kExitOk;
      }
    }
    return UnknownCommand(app, help_topic);
  }
  if (*completion_cmd) {
    std::cout << CompletionScript(app, completion_shell);
    return kExitOk;
  }

  absl::StatusOr<ServerAddress> address = ParseServerAddress(conn.server);
  if (!address.ok()) {
    std::cerr << "hearthctl: " << address.status().message() << "\n";
    return kExitUsage;
  }
  conn.server = address->target;
  conn.tls = conn.tls || address->tls;

  auto channel = MakeChannel(conn);
  if (!channel.ok()) {
    std::cerr << "hearthctl: " << channel.status().message() << "\n";
    return kExitUsage;
  }
  if (*get_cmd) return RunGet(conn, *channel, get);
  if (*list_cmd) return RunList(conn, *channel, list);
  if (*watch_cmd) return RunWatch(conn, *channel, watch);
  if (*validate_cmd) return RunValidate(conn, *channel, validate);
  if (*diff_cmd) return RunDiff(conn, *channel, diff);
  if (*check_cmd) return RunCheck(conn, *channel, check);
  if (*batch_cmd) return RunBatchGet(conn, *channel, batch);
  if (*version_cmd) return RunVersion(conn, *channel, version);
  if (*health_cmd) return RunHealth(conn, *channel, health);
  if (*status_cmd) return RunStatus(conn, *channel, status);
  if (*report_cmd) {
    if (report.name.empty() && !report.leaving) {
      std::cerr << "hearthctl: report: NAME is required (unless --leaving)\n";
      return kExitUsage;
    }
    return RunReport(conn, *channel, report);
  }
  return kExitUsage;
}
