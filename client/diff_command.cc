#include <iostream>

#include "client/commands.h"
#include "client/dry_run.h"

namespace hearthctl {

namespace v1 = hearth::v1;

// Exit codes follow diff(1) and `kubectl diff`: 0 no differences, 1 differences; an invalid
// candidate is a rejected argument (2), with its errors printed.
int RunDiff(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
            const DiffArgs& args) {
  v1::ValidateConfigResponse response;
  int exit_code = kExitOk;
  if (!RunDryRun(conn, channel, {args.name, args.files, args.profile, args.replace}, &response,
                 &exit_code)) {
    return exit_code;
  }
  if (!response.valid()) {
    for (const std::string& e : response.errors()) std::cerr << e << "\n";
    std::cerr << "hearthctl: diff " << args.name << ": the candidates are invalid ("
              << response.errors_size() << " error" << (response.errors_size() == 1 ? "" : "s")
              << ")\n";
    return kExitUsage;
  }
  if (args.output == "json" || args.output == "yaml") {
    JsonNode doc;
    AddMember(&doc, "name", JsonString(args.name));
    AddMember(&doc, "served_revision", JsonUint(response.served_revision()));
    AddMember(&doc, "diff", DiffJson(response));
    AddMember(&doc, "diff_truncated", JsonBool(response.diff_truncated()));
    PrintStructured(doc, args.output);
  } else {
    PrintDiffLines(response);
  }
  return response.diff_size() == 0 ? kExitOk : kExitFailure;
}

}  // namespace hearthctl
