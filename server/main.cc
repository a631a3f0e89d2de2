// hearthd: the Hearth config daemon. Flags live here and only here (Abseil Tip #103); the
// commands take plain option structs.
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/app/cli_commands.h"
#include "server/app/daemon.h"
#include "server/app/logging.h"
#include "server/app/settings_file.h"
#include "spdlog/spdlog.h"

namespace {

// A CLI11 validator for Go-style durations ("5ms", "30s", "1m").
const CLI::Validator kDuration(
    [](std::string& s) -> std::string {
      absl::Duration d;
      if (!absl::ParseDuration(s, &d) || d < absl::ZeroDuration()) {
        return "'" + s + "' is not a duration such as 250ms, 5s or 1m";
      }
      return "";
    },
    "DURATION");

absl::Duration ToDuration(const std::string& s) {
  absl::Duration d;
  absl::ParseDuration(s, &d);  // validated by kDuration
  return d;
}

// String forms of the engine flags that are not plain fields.
struct BuildFlags {
  std::string timeout = "10s";
};

// Flags shared by every command that reads roots.
void AddEngineFlags(CLI::App* cmd, hearth::ConfigEngine::Options* o, BuildFlags* build_flags) {
  cmd->add_option("--root", o->roots,
                  "Config root directory (repeatable; a later root overrides an earlier one for "
                  "the same config name)")
      ->required()
      ->allow_extra_args(false)
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--env-allow", o->build.env_allow_prefixes,
                  "Allow ${env:NAME} for names starting with this prefix (repeatable; none by "
                  "default, so no environment variable leaks by accident)")
      ->allow_extra_args(false);
  cmd->add_option("--max-file-bytes", o->max_file_bytes, "Refuse config files larger than this")
      ->capture_default_str();
  cmd->add_option("--max-depth", o->build.limits.max_depth,
                  "Maximum nesting depth of a document, as parsed and as served")
      ->capture_default_str();
  cmd->add_option("--max-build-bytes", o->build.budget.max_bytes,
                  "Memory one config build may produce: files, parsed trees, YAML aliases, "
                  "merges, ${...} expansions and renderings of every profile together")
      ->capture_default_str();
  cmd->add_option("--build-timeout", build_flags->timeout,
                  "Wall time one config build (or ValidateConfig dry run) may take")
      ->capture_default_str()
      ->check(kDuration);
  cmd->add_option("--max-render-bytes", o->build.max_render_bytes,
                  "Largest canonical JSON of one config variant (keep below --max-message-bytes)")
      ->capture_default_str();
  cmd->add_flag("--allow-external-symlinks", o->allow_external_symlinks,
                "Follow symlinks that resolve outside their root");
}

// String forms of the serve flags that are not plain fields.
struct ServeFlags {
  std::string quiet = "5ms";
  std::string max_delay = "50ms";
  bool leading_edge = true;
  std::string poll_interval = "0s";
  std::string progress_interval = "10s";
  std::string report_lease = "60s";
  std::string http_request_timeout = "10s";
  std::string shutdown_grace = "5s";
  std::string reload_stall_threshold = "10s";
  std::string socket_mode;  // octal, e.g. "0660"; empty: as the umask makes it
  std::string log_level = "info";
  std::string log_format = "text";
};

}  // namespace

int main(int argc, char** argv) {
  // Debian's Abseil is built without NDEBUG, so absl::Mutex (ours and gRPC's) keeps a deadlock
  // graph on every lock and every destruction: about 1,700 instructions per cached GetConfig under
  // callgrind (docs/benchmarks.md, "GetConfig served zero-copy"). An NDEBUG build of Abseil
  // ignores cycles; so do we. Tests keep the check (they do not run this main).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  CLI::App app{"hearthd: watches config directories and serves merged, validated configs"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "hearthd " HEARTH_VERSION);

  hearth::RenderCommand render;
  CLI::App* render_cmd =
      app.add_subcommand("render", "Print one config as canonical JSON (or its provenance)");
  BuildFlags build_flags;  // one command runs: its flags fill this
  AddEngineFlags(render_cmd, &render.engine, &build_flags);
  render_cmd->add_option("name", render.name, "Config name, e.g. payments or team-a/billing")
      ->required();
  render_cmd->add_option("--profile", render.profile, "Profile to apply (NAME.PROFILE.EXT files)");
  render_cmd->add_option("--path", render.path, "Dotted sub-tree to print, e.g. db.pool");
  render_cmd->add_flag("--blame", render.blame,
                       "Print which file:line set each value and what it overrode");
  render_cmd->add_flag("--pretty", render.pretty, "Indent the JSON");
  render_cmd
      ->add_option("--format", render.format,
                   "Output format: json, yaml, toml, env (A__B=\"...\" for `set -a; .`), "
                   "properties")
      ->check(CLI::IsMember({"json", "yaml", "toml", "env", "properties"}));

  hearth::CheckCommand check;
  CLI::App* check_cmd = app.add_subcommand(
      "check", "Load every config under the roots; one line per config; exit 1 on any error");
  AddEngineFlags(check_cmd, &check.engine, &build_flags);
  check_cmd->add_flag("-q,--quiet", check.quiet, "Print only failing configs");

  hearth::DaemonOptions serve;
  ServeFlags serve_flags;
  serve.grpc.listen.clear();
  CLI::App* serve_cmd = app.add_subcommand(
      "serve", "Watch the roots and serve configs over gRPC until SIGTERM (SIGHUP: full rescan)");
  std::string config_file;
  serve_cmd
      ->add_option("--config", config_file,
                   "TOML file with the same settings as these flags: flag names without "
                   "the dashes (root = [\"/etc/hearth\"], grpc-listen = [\"...\"]); a flag "
                   "on the command line overrides the file's (repeatable ones add to it)")
      ->check(CLI::ExistingFile);
  AddEngineFlags(serve_cmd, &serve.engine, &build_flags);
  serve_cmd
      ->add_option("--grpc-listen", serve.grpc.listen,
                   "gRPC listen address, repeatable: HOST:PORT (port 0 picks one) or "
                   "unix:///path [default: 127.0.0.1:7070]")
      ->allow_extra_args(false);
  serve_cmd
      ->add_option("--metrics-listen", serve.metrics_listen,
                   "Prometheus /metrics address (HOST:PORT); empty disables it")
      ->capture_default_str();
  serve_cmd
      ->add_option("--workers", serve.grpc.workers,
                   "Threads for dry-run validation and gRPC's thread quota")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  serve_cmd
      ->add_option("--http-listen", serve.http.listen,
                   "HTTP/1.1 API address, repeatable: HOST:PORT (port 0 picks one): "
                   "/v1/configs/{name} with ETag, 304 and blocking ?wait=, /v1/configs, /healthz, "
                   "/readyz (docs/api.md) [default: none]")
      ->allow_extra_args(false);
  serve_cmd->add_option(
      "--http-health-listen", serve.http.health_listen,
      "Plaintext HOST:PORT serving only /healthz and /readyz, for httpGet probes while the HTTP "
      "API uses TLS (--tls-cert); needs --http-listen; repeatable [default: none]");
  serve_cmd
      ->add_option("--http-request-timeout", serve_flags.http_request_timeout,
                   "An HTTP request must arrive whole within this (slow or silent clients are "
                   "closed); also bounds writing the answer")
      ->capture_default_str()
      ->check(kDuration);
  serve_cmd->add_option(
      "--health-listen", serve.grpc.health_listen,
      "Plaintext HOST:PORT serving only grpc.health.v1, for probes that cannot do TLS (the "
      "kubelet's gRPC probes) while --tls-cert is on; repeatable [default: none]");
  serve_cmd
      ->add_option("--grpc-socket-mode", serve_flags.socket_mode,
                   "Permission bits of unix sockets, in octal (0660: the owner and the group may "
                   "connect) [default: as the umask makes them]")
      ->check([](const std::string& v) -> std::string {
        char* end = nullptr;
        const long mode = std::strtol(v.c_str(), &end, 8);
        if (v.empty() || *end != '\0' || mode <= 0 || mode > 0777) {
          return "expected octal permission bits such as 0660";
        }
        return "";
      });
  serve_cmd->add_option("--tls-cert", serve.grpc.tls_cert, "PEM server certificate (enables TLS)")
      ->check(CLI::ExistingFile);
  serve_cmd->add_option("--tls-key", serve.grpc.tls_key, "PEM private key for --tls-cert")
      ->check(CLI::ExistingFile);
  serve_cmd
      ->add_option("--tls-client-ca", serve.grpc.tls_client_ca,
                   "PEM CA bundle: require client certificates signed by it (mutual TLS)")
      ->check(CLI::ExistingFile);
  serve_cmd
      ->add_option("--max-message-bytes", serve.grpc.max_message_bytes,
                   "Largest gRPC request or response")
      ->capture_default_str();
  serve_cmd
      ->add_option("--max-queued-validations", serve.grpc.max_queued_validations,
                   "ValidateConfig calls waiting for a --workers thread (RESOURCE_EXHAUSTED past "
                   "it); at most --workers run at once, each within --max-build-bytes")
      ->capture_default_str();
  serve_cmd
      ->add_option("--validate-cache-bytes", serve.engine.validation_cache_bytes,
                   "Memory for ValidateConfig results kept for identical dry runs (same "
                   "candidates, same files and schema on disk); 0 disables the cache")
      ->capture_default_str();
  serve_cmd
      ->add_option("--validate-cache-entries", serve.engine.validation_cache_entries,
                   "Most ValidateConfig results kept; 0 disables the cache")
      ->capture_default_str();
  serve_cmd
      ->add_option("--max-watch-streams", serve.grpc.max_watch_streams,
                   "Open WatchConfigs streams, all clients together (RESOURCE_EXHAUSTED past it)")
      ->capture_default_str();
  serve_cmd
      ->add_option("--max-streams-per-connection", serve.grpc.max_streams_per_connection,
                   "Concurrent HTTP/2 streams per client connection")
      ->capture_default_str();
  serve_cmd
      ->add_option("--report-lease", serve_flags.report_lease,
                   "How long a client's ReportStatus counts: a client with no report for this "
                   "long leaves the rollout view (hearthctl status)")
      ->capture_default_str()
      ->check(kDuration);
  serve_cmd
      ->add_option("--max-report-clients", serve.grpc.rollout.max_clients,
                   "Clients tracked by ReportStatus (RESOURCE_EXHAUSTED past it)")
      ->capture_default_str();
  serve_cmd
      ->add_option("--progress-interval", serve_flags.progress_interval,
                   "Period of PROGRESS messages on watch streams (0s: none)")
      ->capture_default_str()
      ->check(kDuration);
  serve_cmd
      ->add_option("--debounce", serve_flags.quiet,
                   "Quiet time after a file event before the config is rebuilt")
      ->capture_default_str()
      ->check(kDuration);
  serve_cmd
      ->add_option("--debounce-max", serve_flags.max_delay,
                   "Longest delay from a config's first event to its rebuild")
      ->capture_default_str()
      ->check(kDuration);
  serve_cmd
      ->add_option("--leading-edge", serve_flags.leading_edge,
                   "Rebuild at once when a change completes a file (closed after writing, "
                   "renamed in, the ConfigMap ..data swap); changes during it gather into one "
                   "trailing rebuild. false: every change waits for --debounce quiet")
      ->capture_default_str();
  serve_cmd
      ->add_option("--poll-interval", serve_flags.poll_interval,
                   "Full rescan period, for filesystems without inotify events (NFS, FUSE); "
                   "0s: only while the watcher is degraded")
      ->capture_default_str()
      ->check(kDuration);
  serve_cmd
      ->add_option("--reload-stall-threshold", serve_flags.reload_stall_threshold,
                   "Readiness turns NOT_SERVING when reload work waits this long with no "
                   "progress (a stuck read or build); 0s: never")
      ->capture_default_str()
      ->check(kDuration);
  serve_cmd
      ->add_option("--shutdown-grace", serve_flags.shutdown_grace,
                   "Time in-flight calls get to finish after SIGTERM")
      ->capture_default_str()
      ->check(kDuration);
  serve_cmd->add_option("--log-level", serve_flags.log_level, "trace, debug, info, warn, error")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  serve_cmd
      ->add_option("--log-format", serve_flags.log_format,
                   "Log lines on stderr: text, or json (one object per line with time, "
                   "level, message and fields)")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));

  // A single-valued setting given twice takes the last value: the command line overrides the
  // --config file (whose settings come first, below), and `docker run IMAGE --metrics-listen X`
  // or Kubernetes `args` override the image's entrypoint. Repeatable settings (--root,
  // --grpc-listen, --env-allow) add up instead.
  for (CLI::App* cmd : {render_cmd, check_cmd, serve_cmd}) {
    for (CLI::Option* opt : cmd->get_options()) {
      if (opt->get_items_expected_max() <= 1) {
        opt->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
      }
    }
  }

  // `serve --config FILE` (or --config=FILE): the file's settings become flags placed before the
  // command line's own, so the command line adds to (repeatable) or overrides (single) them.
  std::vector<std::string> args(argv, argv + argc);
  for (size_t i = 1; i < args.size(); ++i) {
    std::string path;
    if (args[i] == "--config" && i + 1 < args.size()) {
      path = args[i + 1];
    } else if (args[i].rfind("--config=", 0) == 0) {
      path = args[i].substr(std::string("--config=").size());
    } else {
      continue;
    }
    absl::StatusOr<std::vector<std::string>> from_file = hearth::SettingsFileFlags(path);
    if (!from_file.ok()) {
      std::cerr << "hearthd: --config " << path << ": " << from_file.status().message() << "\n";
      return 2;
    }
    auto serve_at = std::find(args.begin(), args.end(), "serve");
    if (serve_at != args.end()) args.insert(serve_at + 1, from_file->begin(), from_file->end());
    break;
  }
  std::vector<const char*> new_argv;
  for (const std::string& a : args) new_argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(new_argv.size()), new_argv.data());
  } catch (const CLI::ParseError& e) {
    // --help / --version exit 0; every usage error exits 2, as documented.
    return app.exit(e) == 0 ? 0 : 2;
  }
  const absl::Duration build_timeout = ToDuration(build_flags.timeout);
  render.engine.build.budget.timeout = build_timeout;
  check.engine.build.budget.timeout = build_timeout;
  serve.engine.build.budget.timeout = build_timeout;
  if (render_cmd->parsed()) return hearth::RunRender(render, std::cout, std::cerr);
  if (check_cmd->parsed()) return hearth::RunCheck(check, std::cout, std::cerr);
  if (serve_cmd->parsed()) {
    if (serve.grpc.listen.empty()) serve.grpc.listen.push_back("127.0.0.1:7070");
    // ValidateConfig candidates, all together, fit in one request; a rendering, in one response.
    serve.engine.max_candidate_bytes = serve.grpc.max_message_bytes;
    constexpr size_t kResponseHeadroom = 64u << 10;
    if (serve_cmd->get_option("--max-render-bytes")->count() == 0 &&
        serve.grpc.max_message_bytes > 2 * kResponseHeadroom) {
      serve.engine.build.max_render_bytes = serve.grpc.max_message_bytes - kResponseHeadroom;
    }
    serve.reload.quiet = ToDuration(serve_flags.quiet);
    serve.reload.max_delay = ToDuration(serve_flags.max_delay);
    serve.reload.leading_edge = serve_flags.leading_edge;
    serve.reload.poll_interval = ToDuration(serve_flags.poll_interval);
    serve.grpc.progress_interval = ToDuration(serve_flags.progress_interval);
    serve.grpc.rollout.lease = std::max(absl::Seconds(1), ToDuration(serve_flags.report_lease));
    serve.shutdown_grace = ToDuration(serve_flags.shutdown_grace);
    serve.http.limits.request_timeout = std::chrono::milliseconds(std::max<int64_t>(
        1, absl::ToInt64Milliseconds(ToDuration(serve_flags.http_request_timeout))));
    serve.reload.stall_threshold = ToDuration(serve_flags.reload_stall_threshold);
    if (!serve_flags.socket_mode.empty()) {
      serve.grpc.unix_socket_mode =
          static_cast<uint32_t>(std::strtol(serve_flags.socket_mode.c_str(), nullptr, 8));
    }
    if (absl::Status s = hearth::ConfigureLogging(serve_flags.log_level, serve_flags.log_format);
        !s.ok()) {
      std::cerr << "hearthd: " << s.message() << "\n";
      return 2;
    }
    return hearth::RunDaemon(std::move(serve));
  }
  return 2;
}
