#include "client/dry_run.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "hearth/v1/config_service.grpc.pb.h"

namespace hearthctl {

namespace v1 = hearth::v1;

namespace {

absl::StatusOr<v1::ValidateConfigRequest> BuildDryRunRequest(const DryRunArgs& args) {
  v1::ValidateConfigRequest request;
  request.set_name(args.name);
  request.set_profile(args.profile);
  request.set_replace_on_disk(args.replace);
  for (const std::string& path : args.files) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream content;
    if (in) content << in.rdbuf();
    if (!in) return absl::InvalidArgumentError("cannot read " + path);
    v1::CandidateFile* file = request.add_files();
    const size_t slash = path.find_last_of('/');
    file->set_file_name(slash == std::string::npos ? path : path.substr(slash + 1));
    file->set_content(content.str());
  }
  return request;
}

}  // namespace

bool RunDryRun(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
               const DryRunArgs& args, v1::ValidateConfigResponse* response, int* exit_code) {
  absl::StatusOr<v1::ValidateConfigRequest> request = BuildDryRunRequest(args);
  if (!request.ok()) {
    std::cerr << "hearthctl: " << request.status().message() << "\n";
    *exit_code = kExitUsage;
    return false;
  }
  auto stub = v1::ConfigService::NewStub(channel);
  grpc::ClientContext context;
  SetDeadline(conn, &context);
  grpc::Status status = stub->ValidateConfig(&context, *request, response);
  if (status.ok()) {
    if (response->unknown_config()) {
      std::cerr << "warning: the server has no config named " << args.name
                << "; the candidates were checked as a new config\n";
    }
    if (response->profile_unknown()) {
      std::cerr << "warning: no file of " << args.name << " uses profile \"" << args.profile
                << "\"; the base document is shown\n";
    }
    return true;
  }
  *exit_code = ReportRpcError(conn, "validate " + args.name, status);
  return false;
}

void PrintDiffLines(const v1::ValidateConfigResponse& response) {
  for (const v1::DiffEntry& d : response.diff()) {
    const std::string path = d.path().empty() ? "(document)" : d.path();
    switch (d.op()) {
      case v1::DIFF_OP_ADDED:
        std::cout << "+ " << path << " = " << d.new_json() << "\n";
        break;
      case v1::DIFF_OP_REMOVED:
        std::cout << "- " << path << " = " << d.old_json() << "\n";
        break;
      default:
        std::cout << "~ " << path << ": " << d.old_json() << " -> " << d.new_json() << "\n";
    }
  }
  if (response.diff_truncated()) std::cout << "  ... (diff truncated)\n";
}

JsonNode DiffJson(const v1::ValidateConfigResponse& response) {
  std::string ignored;  // a value the server rendered is always valid JSON
  JsonNode diff;
  diff.kind = JsonNode::Kind::kArray;
  for (const v1::DiffEntry& d : response.diff()) {
    JsonNode entry;
    const char* op = d.op() == v1::DIFF_OP_ADDED     ? "added"
                     : d.op() == v1::DIFF_OP_REMOVED ? "removed"
                                                     : "changed";
    AddMember(&entry, "op", JsonString(op));
    AddMember(&entry, "path", JsonString(d.path()));
    JsonNode value;
    if (d.op() != v1::DIFF_OP_ADDED && ParseJson(d.old_json(), &value, &ignored)) {
      AddMember(&entry, "old", std::move(value));
    }
    if (d.op() != v1::DIFF_OP_REMOVED && ParseJson(d.new_json(), &value, &ignored)) {
      AddMember(&entry, "new", std::move(value));
    }
    diff.items.push_back(std::move(entry));
  }
  return diff;
}

}  // namespace hearthctl
