// hearthctl: the command-line client of hearthd (links only the generated API, gRPC and CLI11).

#include <iostream>
#include <string>

#include "CLI/CLI.hpp"
#include "client/commands.h"
#include "client/connection.h"

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
  hearthctl health)";

}  // namespace

int main(int argc, char** argv) {
  using namespace hearthctl;
  CLI::App app{"hearthctl: query, watch and validate configs served by hearthd", "hearthctl"};
  app.footer(kFooter);
  app.require_subcommand(1);

  ConnectionOptions conn;
  app.add_option("--server", conn.server, "host:port or unix:///path")
      ->capture_default_str()
      ->envname("HEARTH_SERVER");
  app.add_flag("--tls", conn.tls, "Use TLS (implied by --tls-ca/--tls-cert/--tls-key)");
  app.add_option("--tls-ca", conn.tls_ca, "PEM roots that sign the server certificate");
  app.add_option("--tls-cert", conn.tls_cert, "Client certificate (PEM) for mutual TLS");
  app.add_option("--tls-key", conn.tls_key, "Client private key (PEM) for mutual TLS");
  app.add_option("--tls-server-name", conn.tls_server_name,
                 "Name to verify in the server certificate (default: from --server)");
  app.add_option("--timeout", conn.timeout_seconds, "Seconds per request (not for watch)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);

  GetArgs get;
  CLI::App* get_cmd = app.add_subcommand("get", "Print a config (pretty JSON by default)");
  get_cmd->add_option("NAME", get.name, "Config name, e.g. payments or team-a/billing")->required();
  get_cmd->add_option("--profile,-p", get.profile, "Profile variant, e.g. production");
  get_cmd->add_option("--path", get.path, "Dotted sub-tree, e.g. db.pool or servers.0");
  get_cmd->add_option("-o,--output", get.output, "json | yaml | toml | raw (canonical JSON)")
      ->capture_default_str()
      ->check(CLI::IsMember({"json", "yaml", "toml", "raw"}));

  ListArgs list;
  CLI::App* list_cmd = app.add_subcommand("list", "List configs with revision and health");
  list_cmd->add_option("PREFIX", list.prefix, "Only names starting with this");
  list_cmd->add_option("--page-size", list.page_size, "Entries per request")
      ->check(CLI::NonNegativeNumber);

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

  HealthArgs health;
  CLI::App* health_cmd =
      app.add_subcommand("health", "Check grpc.health.v1 status; exit 0 when SERVING");
  health_cmd->add_option("--service", health.service, "Service name (default: the server)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }

  auto channel = MakeChannel(conn);
  if (!channel.ok()) {
    std::cerr << "hearthctl: " << channel.status().message() << "\n";
    return kExitUsage;
  }
  if (*get_cmd) return RunGet(conn, *channel, get);
  if (*list_cmd) return RunList(conn, *channel, list);
  if (*watch_cmd) return RunWatch(conn, *channel, watch);
  if (*validate_cmd) return RunValidate(conn, *channel, validate);
  if (*health_cmd) return RunHealth(conn, *channel, health);
  return kExitUsage;
}
