#include <iostream>
#include <string>

#include "client/commands.h"
#include "hearth/v1/config_service.grpc.pb.h"

namespace hearthctl {

namespace v1 = hearth::v1;

int RunReport(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
              const ReportArgs& args) {
  auto stub = v1::ConfigService::NewStub(channel);
  v1::ReportStatusRequest request;
  request.set_client_id(args.client_id);
  request.set_leaving(args.leaving);
  for (const std::string& label : args.labels) {
    const size_t eq = label.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "hearthctl: report: --label wants KEY=VALUE\n";
      return kExitUsage;
    }
    (*request.mutable_labels())[label.substr(0, eq)] = label.substr(eq + 1);
  }
  if (!args.leaving) {
    v1::AppliedConfig* config = request.add_configs();
    config->set_name(args.name);
    config->set_profile(args.profile);
    config->set_etag(args.etag);
    config->set_revision(args.revision);
    if (args.etag.empty()) {  // what is served now
      v1::GetConfigRequest get;
      get.set_name(args.name);
      get.set_profile(args.profile);
      v1::GetConfigResponse served;
      grpc::ClientContext context;
      SetDeadline(conn, &context);
      const grpc::Status rpc = stub->GetConfig(&context, get, &served);
      if (!rpc.ok()) return ReportRpcError(conn, "report", rpc);
      config->set_etag(served.etag());
      config->set_revision(served.revision());
    }
    config->set_outcome(args.rejected.empty() ? v1::APPLY_OUTCOME_APPLIED
                                              : v1::APPLY_OUTCOME_REJECTED);
    config->set_reason(args.rejected);
  }
  v1::ReportStatusResponse response;
  grpc::ClientContext context;
  SetDeadline(conn, &context);
  const grpc::Status rpc = stub->ReportStatus(&context, request, &response);
  if (!rpc.ok()) return ReportRpcError(conn, "report", rpc);
  if (args.leaving) {
    std::cout << "client " << args.client_id << " left\n";
  } else {
    std::cout << "reported " << args.name << " " << (args.rejected.empty() ? "applied" : "rejected")
              << " by " << args.client_id << " (etag " << request.configs(0).etag().substr(0, 12)
              << ", lease " << response.lease_seconds() << "s)\n";
  }
  return kExitOk;
}

}  // namespace hearthctl
