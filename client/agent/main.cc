// hearth-agent: renders hearthd configs to files, checks and swaps them in, reloads the app, and
// reports what it applied (docs/agent.md).
//
//   hearth-agent run --config agent.toml [--once [--once-timeout 30s]]
//   hearth-agent status --config agent.toml [-o json]
//
// Exit codes: 0 ok; 1 --once could not write a required output, or status is not healthy;
// 2 bad command line or outputs file; 4 status: no agent is running.

#include <signal.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/agent/agent.h"
#include "client/agent/agent_config.h"
#include "client/agent/agent_log.h"
#include "client/agent/status_command.h"

namespace {

absl::StatusOr<absl::Duration> ParseFlagDuration(const std::string& text) {
  absl::Duration d;
  if (!absl::ParseDuration(text, &d) || d < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("a duration such as 500ms, 30s or 2m");
  }
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"hearth-agent: render hearthd configs to files, check, swap, reload, report"};
  app.require_subcommand(1);
  std::string config_path;
  std::string log_level = "info";
  std::string log_format = "text";
  bool once = false;
  std::string once_timeout = "30s";
  std::string startup_grace = "2s";
  CLI::App* run = app.add_subcommand("run", "Watch, render and apply until SIGTERM");
  run->add_option("--config,-c", config_path, "The outputs file (TOML)")->required();
  run->add_flag("--once", once,
                "Write every output once and exit: 0, or 1 when a required output could not be "
                "written (an init container); runs no actions");
  run->add_option("--once-timeout", once_timeout, "How long --once keeps trying");
  run->add_option("--startup-grace", startup_grace,
                  "Without hearthd after this long, restore outputs from their snapshots");
  run->add_option("--log-level", log_level, "debug, info, warn, error")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  run->add_option("--log-format", log_format, "text or json (as hearthd's)")
      ->check(CLI::IsMember({"text", "json"}));
  std::string server_flag;
  run->add_option("--server", server_flag,
                  "hearthd's address, overriding the outputs file's (host:port or unix:///path)");
  hearthctl::ConnectionOptions connection;
  run->add_option("--timeout", connection.timeout_seconds, "Seconds per GetConfig call");
  run->add_option("--tls-ca", connection.tls_ca, "PEM roots to verify hearthd");
  run->add_option("--tls-cert", connection.tls_cert, "Client certificate (mutual TLS)");
  run->add_option("--tls-key", connection.tls_key, "Client key");

  std::string status_config;
  std::string status_output = "text";
  CLI::App* status = app.add_subcommand("status", "Print the running agent's state");
  status->add_option("--config,-c", status_config, "The outputs file (names status_file)")
      ->required();
  status->add_option("-o,--output", status_output, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  if (*status) {
    absl::StatusOr<hearth_agent::AgentConfig> config = hearth_agent::LoadAgentConfig(status_config);
    if (!config.ok()) {
      std::cerr << "hearth-agent status: " << config.status().message() << "\n";
      return 2;
    }
    if (config->status_file.empty()) {
      std::cerr << "hearth-agent status: " << status_config << " sets no [agent] status_file\n";
      return 2;
    }
    return hearth_agent::RunStatus(config->status_file, status_output, std::cout, std::cerr);
  }

  if (absl::Status s = hearth_agent::ConfigureAgentLog(log_level, log_format); !s.ok()) {
    std::cerr << "hearth-agent: " << s.message() << "\n";
    return 2;
  }
  absl::StatusOr<hearth_agent::AgentConfig> config = hearth_agent::LoadAgentConfig(config_path);
  if (!config.ok()) {
    std::cerr << "hearth-agent: " << config.status().message() << "\n";
    return 2;
  }
  // --server, else the outputs file's, else HEARTH_SERVER (as hearthctl), else the default.
  if (!server_flag.empty()) {
    config->server = server_flag;
  } else if (config->server.empty()) {
    const char* env = std::getenv("HEARTH_SERVER");
    config->server = env != nullptr && *env != '\0' ? env : "127.0.0.1:7070";
  }
  hearth_agent::Agent::Options options;
  options.config = *std::move(config);
  options.connection = connection;
  options.connection.tls = !connection.tls_ca.empty() || !connection.tls_cert.empty();
  options.once = once;
  for (auto [text, out] : {std::pair{&once_timeout, &options.once_timeout},
                           std::pair{&startup_grace, &options.startup_grace}}) {
    absl::StatusOr<absl::Duration> d = ParseFlagDuration(*text);
    if (!d.ok()) {
      std::cerr << "hearth-agent: " << d.status().message() << "\n";
      return 2;
    }
    *out = *d;
  }

  // SIGTERM / SIGINT stop the agent from a thread of its own (sigwait), so no handler runs
  // inside gRPC or a lock. A webhook target closing its socket must not kill us.
  signal(SIGPIPE, SIG_IGN);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  hearth_agent::Agent agent(std::move(options));
  std::thread signals([&agent, stop_signals] {
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    if (signal_number != 0) agent.Stop();
  });
  const int code = agent.Run();
  // Run returned on its own (--once, or a start-up failure): release the signal thread.
  pthread_kill(signals.native_handle(), SIGTERM);
  signals.join();
  return code;
}
