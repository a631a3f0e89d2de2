#include <iostream>

#include "client/commands.h"
#include "hearth/v1/config_service.grpc.pb.h"

namespace hearthctl {

namespace v1 = hearth::v1;

// One line per config, as `hearthd check` prints offline: "ok", or "error" (the last rebuild
// failed; the last-known-good serves) / "failed" (never built) with the errors indented.
int RunCheck(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
             const CheckArgs& args) {
  std::vector<v1::ConfigInfo> configs;
  if (grpc::Status status = ListAllConfigs(conn, channel, args.prefix, 0, &configs); !status.ok()) {
    return ReportRpcError(conn, "check", status);
  }

  size_t bad = 0;
  JsonNode list;
  list.kind = JsonNode::Kind::kArray;
  for (const v1::ConfigInfo& c : configs) {
    const char* state = c.health() == v1::CONFIG_HEALTH_OK      ? "ok"
                        : c.health() == v1::CONFIG_HEALTH_ERROR ? "error"
                                                                : "failed";
    if (c.health() != v1::CONFIG_HEALTH_OK) ++bad;
    if (args.output == "json" || args.output == "yaml") {
      JsonNode item;
      AddMember(&item, "name", JsonString(c.name()));
      AddMember(&item, "state", JsonString(state));
      AddMember(&item, "revision", JsonUint(c.revision()));
      AddMember(&item, "errors", JsonStrings({c.errors().begin(), c.errors().end()}));
      list.items.push_back(std::move(item));
      continue;
    }
    if (args.quiet && c.health() == v1::CONFIG_HEALTH_OK) continue;
    std::cout << state << std::string(7 - std::string(state).size(), ' ') << c.name();
    if (c.health() == v1::CONFIG_HEALTH_ERROR) {
      std::cout << " (serving revision " << c.revision() << ", the last good version)";
    }
    std::cout << "\n";
    for (const std::string& e : c.errors()) std::cout << "    " << e << "\n";
  }
  if (args.output == "json" || args.output == "yaml") {
    JsonNode doc;
    AddMember(&doc, "configs", std::move(list));
    AddMember(&doc, "ok", JsonBool(bad == 0));
    PrintStructured(doc, args.output);
  } else {
    std::cout << configs.size() << " config(s), " << configs.size() - bad << " ok, " << bad
              << " with errors\n";
  }
  return bad == 0 ? kExitOk : kExitFailure;
}

}  // namespace hearthctl
