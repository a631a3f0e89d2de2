#include "client/agent/status_command.h"

#include <signal.h>

#include <cerrno>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/json_tree.h"

namespace hearth_agent {
namespace {

constexpr size_t kMaxStatusBytes = 4 << 20;

const hearthctl::JsonNode* Member(const hearthctl::JsonNode& object, std::string_view key) {
  for (const auto& [k, v] : object.members) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string Text(const hearthctl::JsonNode& object, std::string_view key) {
  const hearthctl::JsonNode* v = Member(object, key);
  return v == nullptr ? "" : v->text;
}

bool Flag(const hearthctl::JsonNode& object, std::string_view key) {
  const hearthctl::JsonNode* v = Member(object, key);
  return v != nullptr && v->kind == hearthctl::JsonNode::Kind::kBool && v->boolean;
}

std::string Pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

}  // namespace

int RunStatus(const std::string& status_file, const std::string& output, std::ostream& out,
              std::ostream& err) {
  std::ifstream in(status_file, std::ios::binary);
  if (!in) {
    err << "hearth-agent status: no agent status at " << status_file
        << " (is the agent running with this status_file?)\n";
    return 4;
  }
  std::string text;
  text.resize(kMaxStatusBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  hearthctl::JsonNode status;
  std::string error;
  if (text.size() > kMaxStatusBytes || !hearthctl::ParseJson(text, &status, &error) ||
      status.kind != hearthctl::JsonNode::Kind::kObject) {
    err << "hearth-agent status: " << status_file << " is not an agent status file\n";
    return 4;
  }
  const std::string pid = Text(status, "pid");
  const int pid_number = pid.empty() ? 0 : std::atoi(pid.c_str());
  const bool alive = pid_number >= 1 && (kill(pid_number, 0) == 0 || errno == EPERM);
  if (output == "json") {
    out << text;
    if (!alive) err << "hearth-agent status: process " << pid << " is not running\n";
  }
  const bool connected = Flag(status, "connected");
  bool healthy = alive && connected;
  std::ostringstream table;
  table << Pad("OUTPUT", 20) << Pad("CONFIG", 24) << Pad("REVISION", 10) << Pad("ETAG", 18)
        << Pad("STATE", 10) << "REASON\n";
  const hearthctl::JsonNode* outputs = Member(status, "outputs");
  int problems = 0;
  if (outputs != nullptr) {
    for (const hearthctl::JsonNode& o : outputs->items) {
      const std::string state = Text(o, "state");
      const bool required = Flag(o, "required");
      if (state != "applied" && required) {
        healthy = false;
        ++problems;
      }
      const std::string config =
          Text(o, "config") + (Text(o, "profile").empty() ? "" : " -p " + Text(o, "profile"));
      table << Pad(Text(o, "id"), 20) << Pad(config, 24) << Pad(Text(o, "revision"), 10)
            << Pad(Text(o, "etag").substr(0, 16), 18) << Pad(state, 10) << Text(o, "reason")
            << "\n";
    }
  }
  if (output != "json") {
    out << "agent " << Text(status, "client_id") << " (pid " << pid
        << (alive ? "" : ", not running") << ") "
        << (connected ? "connected to " : "disconnected from ") << Text(status, "server")
        << ", updated " << Text(status, "updated_at") << "\n"
        << table.str();
    if (!healthy && alive) {
      if (!connected) out << "hearthd unreachable: the files keep their last-known-good versions\n";
      if (problems > 0) out << problems << " required output(s) not applied\n";
    }
  }
  if (!alive) return 4;
  return healthy ? 0 : 1;
}

}  // namespace hearth_agent
