#include <iomanip>
#include <iostream>

#include "client/commands.h"
#include "hearth/v1/config_service.grpc.pb.h"

namespace hearthctl {

namespace v1 = hearth::v1;

// Several configs in one call. The table shows each name's status by its code name; -o json and
// -o yaml carry the documents too. Exits 0 when every name was found, else with the exit code of
// the first per-name error (3 for NOT_FOUND).
int RunBatchGet(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
                const BatchGetArgs& args) {
  auto stub = v1::ConfigService::NewStub(channel);
  grpc::ClientContext context;
  SetDeadline(conn, &context);
  v1::BatchGetConfigsRequest request;
  for (const std::string& n : args.names) request.add_names(n);
  request.set_profile(args.profile);
  v1::BatchGetConfigsResponse response;
  grpc::Status status = stub->BatchGetConfigs(&context, request, &response);
  if (!status.ok()) return ReportRpcError(conn, "batch-get", status);

  int exit_code = kExitOk;
  const bool structured = args.output == "json" || args.output == "yaml";
  JsonNode list;
  list.kind = JsonNode::Kind::kArray;
  size_t width = 4;
  for (const auto& r : response.results()) width = std::max(width, r.name().size());
  if (!structured) {
    std::cout << std::left << std::setw(static_cast<int>(width)) << "NAME"
              << "  " << std::setw(9) << "REVISION"
              << "  " << std::setw(16) << "ETAG"
              << "  STATUS\n";
  }
  for (const v1::BatchGetConfigsResult& r : response.results()) {
    const grpc::StatusCode code =
        r.has_status() ? static_cast<grpc::StatusCode>(r.status().code()) : grpc::StatusCode::OK;
    if (code != grpc::StatusCode::OK && exit_code == kExitOk) {
      exit_code = ExitCodeFor(grpc::Status(code, ""));
    }
    if (structured) {
      JsonNode item;
      AddMember(&item, "name", JsonString(r.name()));
      AddMember(&item, "status", JsonString(StatusCodeName(code)));
      if (r.has_status()) {
        AddMember(&item, "message", JsonString(r.status().message()));
      } else {
        AddMember(&item, "revision", JsonUint(r.config().revision()));
        AddMember(&item, "etag", JsonString(r.config().etag()));
        JsonNode document;
        std::string error;
        if (ParseJson(r.config().json(), &document, &error)) {
          AddMember(&item, "document", std::move(document));
        }
      }
      list.items.push_back(std::move(item));
      continue;
    }
    std::cout << std::left << std::setw(static_cast<int>(width)) << r.name() << "  ";
    if (r.has_status()) {
      std::cout << std::setw(9) << "-"
                << "  " << std::setw(16) << "-"
                << "  " << StatusCodeName(code) << ": " << r.status().message() << "\n";
    } else {
      std::cout << std::setw(9) << r.config().revision() << "  " << std::setw(16)
                << r.config().etag().substr(0, 16) << "  OK\n";
    }
  }
  if (structured) {
    JsonNode doc;
    AddMember(&doc, "results", std::move(list));
    PrintStructured(doc, args.output);
  }
  return exit_code;
}

}  // namespace hearthctl
