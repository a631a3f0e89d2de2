#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "client/connection.h"
#include "client/json_tree.h"
#include "grpcpp/channel.h"
#include "hearth/v1/config_service.pb.h"

namespace hearthctl {

// Each command prints its result to stdout, diagnostics to stderr, and returns an ExitCode.
// `-o json` and `-o yaml` print the same fields in both forms, for scripts.

// Every config whose name starts with `prefix`, following next_page_token to the end.
grpc::Status ListAllConfigs(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
                            const std::string& prefix, int page_size,
                            std::vector<hearth::v1::ConfigInfo>* configs);

// Prints `doc` as pretty JSON or as YAML (`output` is "json" or "yaml").
void PrintStructured(const JsonNode& doc, const std::string& output);

// "json", "yaml", "toml", "env", "properties" as the proto enum (JSON for anything else).
hearth::v1::DocumentFormat DocumentFormatFromName(std::string_view name);

struct GetArgs {
  std::string name;
  std::string profile;
  std::string path;
  std::string output = "json";  // json | yaml | toml | raw | wide (json + metadata on stderr)
  // Rendered by the server: json | yaml | toml | env | properties ("" is not asked). Printed as
  // sent, the bytes an app's file would hold.
  std::string format;
};
int RunGet(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
           const GetArgs& args);

struct ListArgs {
  std::string prefix;
  int page_size = 0;             // server default
  std::string output = "table";  // table | json | yaml | name (one name per line)
};
int RunList(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
            const ListArgs& args);

struct ValidateArgs {
  std::string name;
  std::vector<std::string> files;
  std::string profile;
  bool replace = false;
  bool print_json = false;
  std::string output = "text";  // text | json | yaml
};
int RunValidate(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
                const ValidateArgs& args);

// `diff NAME FILE...`: the dry run's diff only; 0 none, 1 differences, 2 invalid candidates.
struct DiffArgs {
  std::string name;
  std::vector<std::string> files;
  std::string profile;
  bool replace = false;
  std::string output = "text";  // text | json | yaml
};
int RunDiff(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
            const DiffArgs& args);

// `check [PREFIX]`: every served config's state; exit 1 when any has errors (CI, probes).
struct CheckArgs {
  std::string prefix;
  bool quiet = false;           // only the configs with errors, then the summary line
  std::string output = "text";  // text | json | yaml
};
int RunCheck(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
             const CheckArgs& args);

// `batch-get NAME...`: several configs in one BatchGetConfigs call.
struct BatchGetArgs {
  std::vector<std::string> names;
  std::string profile;
  std::string output = "table";  // table | json | yaml
};
int RunBatchGet(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
                const BatchGetArgs& args);

// `version`: the client's version and the server's (GetServerInfo).
struct VersionArgs {
  std::string client_version;
  std::string output = "text";  // text | json | yaml
};
int RunVersion(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
               const VersionArgs& args);

struct HealthArgs {
  std::string service;          // "" = the server as a whole
  std::string output = "text";  // text | json | yaml
};
int RunHealth(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
              const HealthArgs& args);

struct WatchArgs {
  std::vector<std::string> targets;  // NAME, or PREFIX when it ends with '/' or '*'
  std::string profile;
  uint64_t since = 0;
  bool progress = false;      // also print PROGRESS lines
  bool until_synced = false;  // exit 0 once the initial snapshot is complete
  int64_t count = 0;          // exit 0 after this many config events (0 = never)
  double max_backoff_seconds = 30;
  std::string output = "text";  // text | json (one object per line, with the documents)
};
int RunWatch(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
             const WatchArgs& args);

// `status NAME`: the rollout of a config, as `kubectl rollout status` prints it: which clients
// applied the served etag, which are behind, which rejected it and why. Exit 0 when at least
// `min_clients` clients applied the served etag and none is behind or rejected it; 1 otherwise.
// With `timeout_seconds` > 0 it polls until then (and stops at once on a rejection).
struct StatusArgs {
  std::string name;
  std::string profile;
  double timeout_seconds = 0;  // 0: look once
  uint32_t min_clients = 1;
  std::string output = "text";  // text | json | yaml
};
int RunStatus(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
              const StatusArgs& args);

// `report NAME`: tells hearthd this client applied (or, with --rejected, refused) a version of a
// config: for scripts that apply configs themselves. Without --etag, the etag served now.
struct ReportArgs {
  std::string name;
  std::string profile;
  std::string client_id;
  std::vector<std::string> labels;  // KEY=VALUE
  std::string etag;
  uint64_t revision = 0;
  std::string rejected;  // the reason; empty: applied
  bool leaving = false;
};
int RunReport(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
              const ReportArgs& args);

}  // namespace hearthctl
