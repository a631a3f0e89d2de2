#include <iostream>

#include "client/commands.h"
#include "client/dry_run.h"
#include "client/output_format.h"

namespace hearthctl {

namespace v1 = hearth::v1;

int RunValidate(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
                const ValidateArgs& args) {
  v1::ValidateConfigResponse response;
  int exit_code = kExitOk;
  if (!RunDryRun(conn, channel, {args.name, args.files, args.profile, args.replace}, &response,
                 &exit_code)) {
    return exit_code;
  }
  if (args.output == "json" || args.output == "yaml") {
    JsonNode doc;
    AddMember(&doc, "name", JsonString(args.name));
    AddMember(&doc, "valid", JsonBool(response.valid()));
    AddMember(&doc, "errors", JsonStrings({response.errors().begin(), response.errors().end()}));
    AddMember(&doc, "served_revision", JsonUint(response.served_revision()));
    AddMember(&doc, "unknown_config", JsonBool(response.unknown_config()));
    AddMember(&doc, "diff", DiffJson(response));
    AddMember(&doc, "diff_truncated", JsonBool(response.diff_truncated()));
    JsonNode document;
    std::string ignored;
    if (response.valid() && ParseJson(response.json(), &document, &ignored)) {
      AddMember(&doc, "document", std::move(document));
    }
    PrintStructured(doc, args.output);
    return response.valid() ? kExitOk : kExitFailure;
  }
  if (!response.valid()) {
    for (const std::string& e : response.errors()) std::cout << e << "\n";
    std::cerr << args.name << ": invalid (" << response.errors_size() << " error"
              << (response.errors_size() == 1 ? "" : "s") << ")\n";
    return kExitFailure;
  }
  std::cout << args.name << ": valid, " << response.diff_size() << " change"
            << (response.diff_size() == 1 ? "" : "s");
  if (response.served_revision() > 0) {
    std::cout << " against revision " << response.served_revision();
  } else {
    std::cout << " (nothing served yet)";
  }
  std::cout << "\n";
  PrintDiffLines(response);
  if (args.print_json) {
    JsonNode doc;
    std::string error;
    if (ParseJson(response.json(), &doc, &error)) std::cout << ToPrettyJson(doc);
  }
  return kExitOk;
}

}  // namespace hearthctl
