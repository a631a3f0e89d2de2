#include <iostream>

#include "absl/time/time.h"
#include "client/commands.h"
#include "hearth/v1/config_service.grpc.pb.h"

namespace hearthctl {

namespace v1 = hearth::v1;

// Client and server versions, as `kubectl version` prints them. An unreachable server is
// reported after the client's own version (exit code as for any RPC error).
int RunVersion(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
               const VersionArgs& args) {
  auto stub = v1::ConfigService::NewStub(channel);
  grpc::ClientContext context;
  SetDeadline(conn, &context);
  v1::GetServerInfoResponse info;
  const grpc::Status status = stub->GetServerInfo(&context, v1::GetServerInfoRequest(), &info);
  if (args.output == "json" || args.output == "yaml") {
    JsonNode doc;
    AddMember(&doc, "client_version", JsonString(args.client_version));
    if (status.ok()) {
      JsonNode server;
      AddMember(&server, "version", JsonString(info.version()));
      AddMember(&server, "instance_id", JsonString(info.instance_id()));
      AddMember(&server, "revision", JsonUint(info.revision()));
      AddMember(&server, "configs", JsonUint(info.configs()));
      AddMember(&server, "start_time_seconds",
                JsonUint(static_cast<uint64_t>(info.start_time_seconds())));
      AddMember(&doc, "server", std::move(server));
    }
    PrintStructured(doc, args.output);
  } else {
    std::cout << "Client Version: " << args.client_version << "\n";
    if (status.ok()) {
      std::cout << "Server Version: " << info.version() << " (instance " << info.instance_id()
                << ", revision " << info.revision() << ", " << info.configs()
                << " configs, up since "
                << absl::FormatTime("%Y-%m-%dT%H:%M:%SZ",
                                    absl::FromUnixSeconds(info.start_time_seconds()),
                                    absl::UTCTimeZone())
                << ")\n";
    }
  }
  return status.ok() ? kExitOk : ReportRpcError(conn, "version", status);
}

}  // namespace hearthctl
