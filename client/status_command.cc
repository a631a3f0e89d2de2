#include <algorithm>
#include <chrono>
#include <iostream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/commands.h"
#include "hearth/v1/config_service.grpc.pb.h"

namespace hearthctl {

namespace v1 = hearth::v1;

namespace {

constexpr absl::Duration kPollInterval = absl::Milliseconds(500);

std::string_view StateName(v1::RolloutClientState state) {
  switch (state) {
    case v1::ROLLOUT_CLIENT_STATE_CURRENT:
      return "CURRENT";
    case v1::ROLLOUT_CLIENT_STATE_BEHIND:
      return "BEHIND";
    case v1::ROLLOUT_CLIENT_STATE_REJECTED:
      return "REJECTED";
    default:
      return "UNKNOWN";
  }
}

std::string ShortEtag(const std::string& etag) { return etag.substr(0, 12); }

// The first line of a reason, for the table.
std::string FirstLine(const std::string& reason) {
  std::string line = reason.substr(0, reason.find('\n'));
  if (line.size() > 60) line = line.substr(0, 57) + "...";
  return line;
}

std::string Labels(const v1::RolloutClient& client) {
  std::vector<std::string> parts;
  for (const auto& [key, value] : client.labels()) parts.push_back(absl::StrCat(key, "=", value));
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (const std::string& part : parts) absl::StrAppend(&out, out.empty() ? "" : ",", part);
  return out;
}

bool Complete(const v1::GetRolloutStatusResponse& status, uint32_t min_clients) {
  return status.behind() == 0 && status.rejected() == 0 && status.current() >= min_clients;
}

void PrintText(const v1::GetRolloutStatusResponse& status) {
  const uint32_t total = status.current() + status.behind() + status.rejected();
  std::cout << absl::StrFormat(
      "config %s%s: revision %d, etag %s\n", status.name(),
      status.profile().empty() ? "" : " (profile " + status.profile() + ")", status.revision(),
      ShortEtag(status.etag()));
  std::cout << absl::StrFormat("%d clients: %d current, %d behind, %d rejected, %d stale\n", total,
                               status.current(), status.behind(), status.rejected(),
                               status.stale());
  if (status.clients_size() == 0) return;
  std::cout << absl::StrFormat("%-24s %-9s %-12s %8s %6s  %-24s %s\n", "CLIENT", "STATE", "ETAG",
                               "REVISION", "AGE", "LABELS", "REASON");
  for (const v1::RolloutClient& client : status.clients()) {
    std::string row = absl::StrFormat(
        "%-24s %-9s %-12s %8d %5ds%s %-24s %s", client.client_id(), StateName(client.state()),
        ShortEtag(client.etag()), client.revision(), client.reported_seconds_ago(),
        client.stale() ? "!" : " ", Labels(client), FirstLine(client.reason()));
    absl::StripTrailingAsciiWhitespace(&row);
    std::cout << row << "\n";
  }
  if (status.clients_truncated()) std::cout << "(more clients not listed)\n";
}

void PrintStructuredStatus(const v1::GetRolloutStatusResponse& status, bool complete,
                           const std::string& output) {
  JsonNode doc;
  AddMember(&doc, "name", JsonString(status.name()));
  AddMember(&doc, "profile", JsonString(status.profile()));
  AddMember(&doc, "revision", JsonUint(status.revision()));
  AddMember(&doc, "etag", JsonString(status.etag()));
  AddMember(&doc, "complete", JsonBool(complete));
  AddMember(&doc, "current", JsonUint(status.current()));
  AddMember(&doc, "behind", JsonUint(status.behind()));
  AddMember(&doc, "rejected", JsonUint(status.rejected()));
  AddMember(&doc, "stale", JsonUint(status.stale()));
  JsonNode clients;
  clients.kind = JsonNode::Kind::kArray;
  for (const v1::RolloutClient& client : status.clients()) {
    JsonNode c;
    AddMember(&c, "client_id", JsonString(client.client_id()));
    JsonNode labels;
    labels.kind = JsonNode::Kind::kObject;
    for (const auto& [key, value] : client.labels()) AddMember(&labels, key, JsonString(value));
    std::sort(labels.members.begin(), labels.members.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    AddMember(&c, "labels", std::move(labels));
    AddMember(&c, "state", JsonString(StateName(client.state())));
    AddMember(&c, "etag", JsonString(client.etag()));
    AddMember(&c, "revision", JsonUint(client.revision()));
    AddMember(&c, "reported_seconds_ago",
              JsonUint(static_cast<uint64_t>(std::max<int64_t>(0, client.reported_seconds_ago()))));
    AddMember(&c, "stale", JsonBool(client.stale()));
    if (!client.reason().empty()) AddMember(&c, "reason", JsonString(client.reason()));
    clients.items.push_back(std::move(c));
  }
  AddMember(&doc, "clients", std::move(clients));
  PrintStructured(doc, output);
}

}  // namespace

int RunStatus(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
              const StatusArgs& args) {
  auto stub = v1::ConfigService::NewStub(channel);
  v1::GetRolloutStatusRequest request;
  request.set_name(args.name);
  request.set_profile(args.profile);
  const absl::Time deadline = absl::Now() + absl::Seconds(args.timeout_seconds);
  v1::GetRolloutStatusResponse status;
  bool complete = false;
  while (true) {
    grpc::ClientContext context;
    SetDeadline(conn, &context);
    status.Clear();
    const grpc::Status rpc = stub->GetRolloutStatus(&context, request, &status);
    if (!rpc.ok()) return ReportRpcError(conn, "status", rpc);
    complete = Complete(status, args.min_clients);
    // A rejection does not heal by waiting: only a new version can change it.
    if (complete || status.rejected() > 0 || absl::Now() + kPollInterval > deadline) break;
    std::this_thread::sleep_for(absl::ToChronoMilliseconds(kPollInterval));
  }
  if (args.output == "json" || args.output == "yaml") {
    PrintStructuredStatus(status, complete, args.output);
  } else {
    PrintText(status);
    if (complete) {
      std::cout << "rollout of " << args.name << " complete: " << status.current()
                << " clients applied etag " << ShortEtag(status.etag()) << "\n";
    } else if (status.rejected() > 0) {
      std::cout << "rollout of " << args.name << " failed: " << status.rejected()
                << " client(s) rejected etag " << ShortEtag(status.etag()) << "\n";
    } else {
      std::cout << "rollout of " << args.name << " not complete: " << status.current() << " of "
                << std::max(args.min_clients, status.current() + status.behind())
                << " clients applied etag " << ShortEtag(status.etag())
                << (args.timeout_seconds > 0 ? " (timed out)" : "") << "\n";
    }
  }
  return complete ? kExitOk : kExitFailure;
}

}  // namespace hearthctl
