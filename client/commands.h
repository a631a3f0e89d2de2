#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "client/connection.h"
#include "grpcpp/channel.h"

namespace hearthctl {

// Each command prints its result to stdout, diagnostics to stderr, and returns an ExitCode.

struct GetArgs {
  std::string name;
  std::string profile;
  std::string path;
  std::string output = "json";  // json | yaml | toml | raw
};
int RunGet(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
           const GetArgs& args);

struct ListArgs {
  std::string prefix;
  int page_size = 0;  // server default
};
int RunList(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
            const ListArgs& args);

struct ValidateArgs {
  std::string name;
  std::vector<std::string> files;
  std::string profile;
  bool replace = false;
  bool print_json = false;
};
int RunValidate(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
                const ValidateArgs& args);

struct HealthArgs {
  std::string service;  // "" = the server as a whole
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
};
int RunWatch(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
             const WatchArgs& args);

}  // namespace hearthctl
