#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/connection.h"
#include "client/json_tree.h"
#include "hearth/v1/config_service.pb.h"

namespace hearthctl {

// The ValidateConfig dry run shared by `validate` and `diff`: candidate files read from disk
// (each sent under its base name), the call, and the two ways of showing its diff.

struct DryRunArgs {
  std::string name;
  std::vector<std::string> files;
  std::string profile;
  bool replace = false;  // candidates replace the files on disk instead of layering over them
};

// Reads the candidates and calls ValidateConfig. On failure (a file that cannot be read, an RPC
// error) prints why to stderr, sets *exit_code and returns false.
bool RunDryRun(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
               const DryRunArgs& args, hearth::v1::ValidateConfigResponse* response,
               int* exit_code);

// "+ path = new", "- path = old", "~ path: old -> new", one line each, then a truncation note.
void PrintDiffLines(const hearth::v1::ValidateConfigResponse& response);

// [{op, path, old, new}] with the values as JSON nodes.
JsonNode DiffJson(const hearth::v1::ValidateConfigResponse& response);

}  // namespace hearthctl
