#include <chrono>
#include <iostream>
#include <random>
#include <thread>

#include "client/commands.h"
#include "client/json_tree.h"
#include "client/output_format.h"
#include "hearth/v1/config_service.grpc.pb.h"

namespace hearthctl {
namespace {

namespace v1 = hearth::v1;

const char* TypeName(v1::WatchEventType type) {
  switch (type) {
    case v1::WATCH_EVENT_TYPE_SNAPSHOT:
      return "SNAPSHOT";
    case v1::WATCH_EVENT_TYPE_UPDATED:
      return "UPDATED";
    case v1::WATCH_EVENT_TYPE_DELETED:
      return "DELETED";
    case v1::WATCH_EVENT_TYPE_ERROR:
      return "ERROR";
    case v1::WATCH_EVENT_TYPE_PROGRESS:
      return "PROGRESS";
    default:
      return "UNKNOWN";
  }
}

// Errors that retrying cannot fix.
bool IsPermanent(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::NOT_FOUND:
    case grpc::StatusCode::UNIMPLEMENTED:
    case grpc::StatusCode::PERMISSION_DENIED:
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::FAILED_PRECONDITION:
      return true;
    default:
      return false;
  }
}

// One line of `watch -o json`: the event's fields, and the document when the server sent one.
std::string EventJson(const v1::WatchConfigsResponse& msg, const char* type) {
  JsonNode line;
  AddMember(&line, "type", JsonString(type));
  if (msg.type() == v1::WATCH_EVENT_TYPE_PROGRESS) {
    AddMember(&line, "global_revision", JsonUint(msg.global_revision()));
    return ToCompactJson(line);
  }
  AddMember(&line, "revision", JsonUint(msg.revision()));
  AddMember(&line, "name", JsonString(msg.name()));
  if (!msg.etag().empty()) AddMember(&line, "etag", JsonString(msg.etag()));
  if (!msg.errors().empty()) {
    AddMember(&line, "errors", JsonStrings({msg.errors().begin(), msg.errors().end()}));
  }
  JsonNode document;
  std::string error;
  if (!msg.json().empty() && ParseJson(msg.json(), &document, &error)) {
    AddMember(&line, "document", std::move(document));
  }
  return ToCompactJson(line);
}

}  // namespace

// Prints one line per event, "REVISION TYPE NAME etag=ETAG", plus "REVISION SYNCED" when the
// initial snapshot is complete and "REVISION RESET" when the server replaces the client's state.
// Reconnects with exponential backoff and resumes from the last revision the server confirmed
// (PROGRESS global_revision) and its instance id.
int RunWatch(const ConnectionOptions& conn, std::shared_ptr<grpc::Channel> channel,
             const WatchArgs& args) {
  auto stub = v1::ConfigService::NewStub(channel);
  v1::WatchConfigsRequest request;
  for (const std::string& target : args.targets) {
    if (!target.empty() && target.back() == '*') {
      request.add_prefixes(target.substr(0, target.size() - 1));
    } else if (!target.empty() && target.back() == '/') {
      request.add_prefixes(target);
    } else {
      request.add_names(target);
    }
  }
  request.set_profile(args.profile);
  const bool json = args.output == "json";
  request.set_include_json(json);

  uint64_t resume = args.since;
  std::string instance;
  int64_t events = 0;
  double backoff = 0.5;
  std::mt19937 rng(std::random_device{}());
  while (true) {
    request.set_since_revision(resume);
    request.set_instance_id(instance);
    grpc::ClientContext context;
    auto reader = stub->WatchConfigs(&context, request);
    v1::WatchConfigsResponse msg;
    bool done = false;
    while (!done && reader->Read(&msg)) {
      backoff = 0.5;
      if (msg.type() == v1::WATCH_EVENT_TYPE_PROGRESS) {
        const char* what = msg.reset() && !msg.snapshot_end() ? "RESET"
                           : msg.snapshot_end()               ? "SYNCED"
                           : args.progress                    ? "PROGRESS"
                                                              : nullptr;
        if (what != nullptr && json) {
          std::cout << EventJson(msg, what) << std::endl;
        } else if (what != nullptr) {
          std::cout << msg.global_revision() << " " << what << std::endl;
        }
        done = msg.snapshot_end() && args.until_synced;
        resume = msg.global_revision();
        instance = msg.instance_id();
        continue;
      }
      if (json) {
        std::cout << EventJson(msg, TypeName(msg.type())) << std::endl;
      } else {
        std::cout << msg.revision() << " " << TypeName(msg.type()) << " " << msg.name();
        if (!msg.etag().empty()) std::cout << " etag=" << msg.etag();
        std::cout << "\n";
        for (const std::string& e : msg.errors()) std::cout << "  " << e << "\n";
        std::cout.flush();
      }
      done = args.count > 0 && ++events >= args.count;
    }
    if (done) {
      context.TryCancel();
      reader->Finish();
      return kExitOk;
    }
    grpc::Status status = reader->Finish();
    if (IsPermanent(status.error_code())) return ReportRpcError(conn, "watch", status);
    std::uniform_real_distribution<double> jitter(0.8, 1.2);
    const double wait = backoff * jitter(rng);
    std::cerr << "hearthctl: watch interrupted (" << StatusCodeName(status.error_code()) << ": "
              << status.error_message() << "); reconnecting in " << wait << "s from revision "
              << resume << std::endl;
    std::this_thread::sleep_for(std::chrono::duration<double>(wait));
    backoff = std::min(backoff * 2, args.max_backoff_seconds);
  }
}

}  // namespace hearthctl
