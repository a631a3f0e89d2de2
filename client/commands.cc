#include "client/commands.h"

#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "absl/strings/str_join.h"
#include "client/json_tree.h"
#include "client/output_format.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "hearth/v1/config_service.grpc.pb.h"

namespace hearthctl {
namespace {

namespace v1 = hearth::v1;

void PrintServedErrors(const std::string& name, uint64_t revision,
                       const google::protobuf::RepeatedPtrField<std::string>& errors) {
  if (errors.empty()) return;
  std::cerr << "warning: the last rebuild of " << name
            << " failed; serving the last good version (revision " << revision << "):\n";
  for (const std::string& e : errors) std::cerr << "  " << e << "\n";
}

const char* HealthName(v1::ConfigHealth health) {
  switch (health) {
    case v1::CONFIG_HEALTH_OK:
      return "OK";
    case v1::CONFIG_HEALTH_ERROR:
      return "ERROR";
    case v1::CONFIG_HEALTH_NO_VERSION:
      return "NO_VERSION";
    default:
      return "UNKNOWN";
  }
}

}  // namespace

grpc::Status ListAllConfigs(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
                            const std::string& prefix, int page_size,
                            std::vector<v1::ConfigInfo>* configs) {
  auto stub = v1::ConfigService::NewStub(channel);
  std::string token;
  do {
    grpc::ClientContext context;
    SetDeadline(conn, &context);
    v1::ListConfigsRequest request;
    request.set_prefix(prefix);
    request.set_page_size(page_size);
    request.set_page_token(token);
    v1::ListConfigsResponse response;
    grpc::Status status = stub->ListConfigs(&context, request, &response);
    if (!status.ok()) return status;
    for (auto& c : *response.mutable_configs()) configs->push_back(std::move(c));
    token = response.next_page_token();
  } while (!token.empty());
  return grpc::Status::OK;
}

void PrintStructured(const JsonNode& doc, const std::string& output) {
  std::cout << (output == "yaml" ? ToYaml(doc) : ToPrettyJson(doc));
}

v1::DocumentFormat DocumentFormatFromName(std::string_view name) {
  if (name == "yaml") return v1::DOCUMENT_FORMAT_YAML;
  if (name == "toml") return v1::DOCUMENT_FORMAT_TOML;
  if (name == "env") return v1::DOCUMENT_FORMAT_ENV;
  if (name == "properties") return v1::DOCUMENT_FORMAT_PROPERTIES;
  return v1::DOCUMENT_FORMAT_JSON;
}

int RunGet(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
           const GetArgs& args) {
  auto stub = v1::ConfigService::NewStub(channel);
  grpc::ClientContext context;
  SetDeadline(conn, &context);
  v1::GetConfigRequest request;
  request.set_name(args.name);
  request.set_profile(args.profile);
  request.set_path(args.path);
  const bool server_rendered = !args.format.empty();
  if (server_rendered) {
    if (args.output != "json" && args.output != "raw" && args.output != "wide") {
      std::cerr << "hearthctl: --format prints the server's rendering; it does not combine with "
                   "-o "
                << args.output << "\n";
      return kExitUsage;
    }
    request.set_format(DocumentFormatFromName(args.format));
  }
  v1::GetConfigResponse response;
  grpc::Status status = stub->GetConfig(&context, request, &response);
  if (!status.ok()) return ReportRpcError(conn, "get " + args.name, status);
  PrintServedErrors(response.name(), response.revision(), response.errors());
  if (response.profile_unknown()) {
    std::cerr << "warning: no file of " << response.name() << " uses profile \""
              << response.profile() << "\"; serving the base document\n";
  }
  if (args.output == "wide") {
    std::cerr << "name: " << response.name() << "\nrevision: " << response.revision()
              << "\netag: " << response.etag();
    if (!response.document_etag().empty() && response.document_etag() != response.etag()) {
      std::cerr << "\ndocument etag: " << response.document_etag();  // what reports name
    }
    std::cerr << "\nprofile: " << (response.profile().empty() ? "(base)" : response.profile())
              << "\nschema: " << (response.schema().empty() ? "(none)" : response.schema())
              << "\nsources: " << absl::StrJoin(response.sources(), ", ") << "\n";
  }
  if (server_rendered && request.format() != v1::DOCUMENT_FORMAT_JSON) {
    std::cout << response.content();
    return kExitOk;
  }
  if (args.output == "raw" || server_rendered) {
    std::cout << response.json() << "\n";
    return kExitOk;
  }
  JsonNode doc;
  std::string error;
  if (!ParseJson(response.json(), &doc, &error)) {
    std::cerr << "hearthctl: the server sent malformed JSON (" << error << ")\n";
    return kExitFailure;
  }
  if (args.output == "yaml") {
    std::cout << ToYaml(doc);
  } else if (args.output == "toml") {
    absl::StatusOr<std::string> toml = ToToml(doc);
    if (!toml.ok()) {
      std::cerr << "hearthctl: " << toml.status().message() << "\n";
      return kExitFailure;
    }
    std::cout << *toml;
  } else {
    std::cout << ToPrettyJson(doc);
  }
  return kExitOk;
}

int RunList(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
            const ListArgs& args) {
  std::vector<v1::ConfigInfo> configs;
  if (grpc::Status status = ListAllConfigs(conn, channel, args.prefix, args.page_size, &configs);
      !status.ok()) {
    return ReportRpcError(conn, "list", status);
  }

  if (args.output == "name") {
    for (const auto& c : configs) std::cout << c.name() << "\n";
    return kExitOk;
  }
  if (args.output == "json" || args.output == "yaml") {
    JsonNode doc;
    JsonNode list;
    list.kind = JsonNode::Kind::kArray;
    for (const auto& c : configs) {
      JsonNode item;
      AddMember(&item, "name", JsonString(c.name()));
      AddMember(&item, "revision", JsonUint(c.revision()));
      AddMember(&item, "health", JsonString(HealthName(c.health())));
      AddMember(&item, "etag", JsonString(c.etag()));
      AddMember(&item, "profiles", JsonStrings({c.profiles().begin(), c.profiles().end()}));
      AddMember(&item, "errors", JsonStrings({c.errors().begin(), c.errors().end()}));
      list.items.push_back(std::move(item));
    }
    AddMember(&doc, "configs", std::move(list));
    PrintStructured(doc, args.output);
    return kExitOk;
  }
  size_t width = 4;
  for (const auto& c : configs) width = std::max(width, c.name().size());
  std::cout << std::left << std::setw(static_cast<int>(width)) << "NAME"
            << "  " << std::setw(9) << "REVISION"
            << "  " << std::setw(10) << "HEALTH"
            << "  " << std::setw(16) << "ETAG"
            << "  PROFILES\n";
  for (const auto& c : configs) {
    std::ostringstream line;
    line << std::left << std::setw(static_cast<int>(width)) << c.name() << "  " << std::setw(9)
         << c.revision() << "  " << std::setw(10) << HealthName(c.health()) << "  " << std::setw(16)
         << c.etag().substr(0, 16) << "  " << absl::StrJoin(c.profiles(), ",");
    std::string text = line.str();
    text.erase(text.find_last_not_of(' ') + 1);  // no trailing blanks when there are no profiles
    std::cout << text << "\n";
    for (const std::string& e : c.errors()) std::cout << "    " << e << "\n";
  }
  return kExitOk;
}

int RunHealth(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
              const HealthArgs& args) {
  using grpc::health::v1::HealthCheckResponse;
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(args.service);
  HealthCheckResponse response;
  grpc::ClientContext context;
  SetDeadline(conn, &context);
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) return ReportRpcError(conn, "health", status);
  const HealthCheckResponse::ServingStatus serving = response.status();
  // Names as the protocol spells them; a value newer than this client reads as UNKNOWN.
  const std::string name = HealthCheckResponse::ServingStatus_IsValid(serving)
                               ? HealthCheckResponse::ServingStatus_Name(serving)
                               : "UNKNOWN";
  if (args.output == "json" || args.output == "yaml") {
    JsonNode doc;
    AddMember(&doc, "service", JsonString(args.service));
    AddMember(&doc, "status", JsonString(name));
    PrintStructured(doc, args.output);
  } else {
    std::cout << name << "\n";
  }
  return serving == HealthCheckResponse::SERVING ? kExitOk : kExitFailure;
}

}  // namespace hearthctl
