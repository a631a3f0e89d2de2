// The agent's TOML adapter: toml++ (compiled-library mode, exceptions enabled as in Debian's
// build, like server/core/parse/toml_parser.cc). toml::parse_error and any other exception stay
// inside this file. Validation stops at the first problem; every message is
// "<source>:<line>:<col>: <what>" (byte columns) and names keys, never values.

#include "client/agent/agent_config.h"

#include <grp.h>
#include <pwd.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <exception>
#include <initializer_list>
#include <iterator>
#include <map>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "client/agent/atomic_file.h"
#include "client/agent/template_renderer.h"
#include "client/server_address.h"

namespace hearth_agent {
namespace {

// toml++ recurses per level when it builds and destroys tables named by dotted keys, so a file
// of `a.a.a...` could exhaust the stack before any check of ours runs. The agent's layout never
// nests more than four levels; this scan over-approximates the depth of every key and value
// (dots and brackets, skipping strings and comments) and rejects more than 16 before toml++
// sees the file.
constexpr int kMaxTomlNesting = 16;
constexpr size_t kMaxLabels = 64;
constexpr size_t kMaxArgs = 256;
constexpr int kMaxWebhookAttempts = 100;
// The outputs may all name big templates; together they hold at most this much.
constexpr size_t kMaxTotalTemplateBytes = size_t{64} << 20;

// Index just past the string that starts at text[i] (basic or literal, single- or multi-line).
// A single-line string stops at a newline, so an unterminated one cannot hide the rest.
size_t SkipString(std::string_view text, size_t i) {
  const char quote = text[i];
  const std::string_view triple = quote == '"' ? "\"\"\"" : "'''";
  const bool multi = text.substr(i, 3) == triple;
  i += multi ? 3 : 1;
  while (i < text.size()) {
    const char c = text[i];
    if (quote == '"' && c == '\\') {
      i += 2;
      continue;
    }
    if (c == '\n' && !multi) return i;
    if (c == quote) {
      if (!multi) return i + 1;
      if (text.substr(i, 3) == triple) {
        i += 3;
        while (i < text.size() && text[i] == quote) ++i;  // `""""` ends with a quote inside
        return i;
      }
    }
    ++i;
  }
  return i;
}

// Offset of the first key or value nested deeper than kMaxTomlNesting, or npos.
size_t FindTooDeep(std::string_view text) {
  std::vector<int> frames{0};  // dots seen per open bracket; [0] is the statement itself
  int dots = 0;                // their sum
  int header = 0;              // levels of the last [table] or [[array]] header
  bool statement_start = true;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    if (c == '"' || c == '\'') {
      i = SkipString(text, i);
      continue;
    }
    if (c == '\n' && frames.size() == 1) {
      frames[0] = 0;
      dots = 0;
      statement_start = true;
    }
    if (c == '\n' || c == ' ' || c == '\t' || c == '\r') {
      ++i;
      continue;
    }
    if (statement_start && frames.size() == 1 && c == '[') {
      const size_t start = i;
      int levels = 0;
      while (i < text.size() && text[i] == '[') {
        ++levels;
        ++i;
      }
      while (i < text.size() && text[i] != ']' && text[i] != '\n') {
        if (text[i] == '"' || text[i] == '\'') {
          i = SkipString(text, i);
          continue;
        }
        if (text[i] == '.') ++levels;
        ++i;
      }
      while (i < text.size() && text[i] == ']') ++i;
      header = levels;
      statement_start = false;
      if (header > kMaxTomlNesting) return start;
      continue;
    }
    statement_start = false;
    switch (c) {
      case '.':
        ++frames.back();
        ++dots;
        break;
      case '[':
      case '{':
        frames.push_back(0);
        break;
      case ']':
      case '}':
        if (frames.size() > 1) {
          dots -= frames.back();
          frames.pop_back();
        }
        break;
      case ',':
        dots -= frames.back();
        frames.back() = 0;
        break;
      default:
        break;
    }
    if (header + static_cast<int>(frames.size()) - 1 + dots > kMaxTomlNesting) return i;
    ++i;
  }
  return std::string_view::npos;
}

// toml++'s parse errors may quote source text: "expected 'true', saw 'tru'", "saw 75", or a
// whole number ("'99...9' is not representable in 64 bits"). This keeps the constant part.
std::string SafeTomlMessage(std::string_view d) {
  std::string context;
  if (const size_t colon = d.find(": ");
      d.starts_with("Error while parsing ") && colon != std::string_view::npos) {
    context = std::string(d.substr(0, colon + 2));
    d.remove_prefix(colon + 2);
  }
  if (d.starts_with("'")) return context + "invalid value";
  if (d.starts_with("unknown escape sequence")) return context + "unknown escape sequence";
  if (const size_t saw = d.find(" saw "); saw != std::string_view::npos) d = d.substr(0, saw);
  while (!d.empty() && (d.back() == ',' || d.back() == ' ')) d.remove_suffix(1);
  if (d.size() > 200) d = d.substr(0, 200);  // what is left quotes at most keys
  if (d.empty()) d = "syntax error";
  return context + std::string(d);
}

// A key as it may appear in a message: printable ASCII, at most 64 characters.
std::string KeyForMessage(std::string_view key) {
  std::string out;
  for (char c : key.substr(0, 64)) {
    out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  if (key.size() > 64) out += "...";
  return out;
}

bool HasNul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > 64 || id[0] == '.') return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// "250ms", "2s", "1m": up to nine digits and a unit.
bool ParseDurationText(std::string_view s, absl::Duration* out) {
  size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  if (digits == 0 || digits > 9) return false;
  int64_t n = 0;
  std::from_chars(s.data(), s.data() + digits, n);
  const std::string_view unit = s.substr(digits);
  if (unit == "ms") {
    *out = absl::Milliseconds(n);
  } else if (unit == "s") {
    *out = absl::Seconds(n);
  } else if (unit == "m") {
    *out = absl::Minutes(n);
  } else {
    return false;
  }
  return true;
}

bool ParseUint32(std::string_view s, uint32_t* out) {
  if (s.empty() || s.size() > 10) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  uint64_t n = 0;
  std::from_chars(s.data(), s.data() + s.size(), n);
  if (n >= 0xffffffffu) return false;  // (uid_t)-1 means "unchanged" to chown
  *out = static_cast<uint32_t>(n);
  return true;
}

// HUP, SIGHUP, hup, ... or 1..64.
bool ParseSignalName(std::string_view s, int* out) {
  uint32_t n = 0;
  if (ParseUint32(s, &n)) {
    if (n < 1 || n > 64) return false;
    *out = static_cast<int>(n);
    return true;
  }
  std::string upper;
  for (char c : s) upper.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  std::string_view name = upper;
  if (name.starts_with("SIG")) name.remove_prefix(3);
  static constexpr std::pair<std::string_view, int> kSignals[] = {
      {"HUP", SIGHUP},   {"INT", SIGINT},   {"TERM", SIGTERM},
      {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"QUIT", SIGQUIT}};
  for (const auto& [signal_name, number] : kSignals) {
    if (name == signal_name) {
      *out = number;
      return true;
    }
  }
  return false;
}

// getpwnam_r / getgrnam_r with a buffer that grows on ERANGE. Returns 0 and sets *id, ENOENT
// when there is no such entry, or another errno.
template <typename Entry, typename Id, typename Lookup>
int LookUpId(const std::string& name, Lookup lookup, Id Entry::*field, Id* id) {
  std::vector<char> buffer(16 * 1024);
  while (true) {
    Entry entry;
    Entry* result = nullptr;
    const int rc = lookup(name.c_str(), &entry, buffer.data(), buffer.size(), &result);
    if (rc == ERANGE && buffer.size() < (size_t{1} << 20)) {
      buffer.resize(buffer.size() * 2);
      continue;
    }
    if (rc != 0) return rc;
    if (result == nullptr) return ENOENT;
    *id = entry.*field;
    return 0;
  }
}

std::string JoinPath(std::string_view dir, std::string_view path) {
  if (path.starts_with("/") || dir.empty()) return std::string(path);
  std::string out(dir);
  if (out.back() != '/') out.push_back('/');
  out.append(path);
  return out;
}

// Reads one agent file: positions, typed getters, the schema.
class ConfigReader {
 public:
  ConfigReader(std::string_view text, std::string_view source_name, std::string_view base_dir)
      : text_(text), source_name_(source_name), base_dir_(base_dir) {}

  absl::StatusOr<AgentConfig> Read(const toml::table& root) {
    AgentConfig config;
    if (absl::Status s = Keys(root, "", {"agent", "output"}); !s.ok()) return s;
    if (const toml::node* agent = root.get("agent")) {
      if (!agent->is_table()) return Fail(*agent, "agent must be a table ([agent])");
      if (absl::Status s = ReadAgent(*agent->as_table(), &config); !s.ok()) return s;
    }
    if (const toml::node* outputs = root.get("output")) {
      const toml::array* array = outputs->as_array();
      if (array == nullptr || !array->is_array_of_tables()) {
        return Fail(*outputs, "output must be an array of tables ([[output]])");
      }
      std::map<std::string, uint32_t> id_lines;
      std::map<std::string, uint32_t> destination_lines;
      size_t template_bytes = 0;
      for (const toml::node& node : *array) {
        if (config.outputs.size() == kMaxOutputs) {
          return Fail(node, absl::StrCat("more than ", kMaxOutputs, " outputs"));
        }
        Output output;
        // [agent]'s timing is every output's default.
        output.debounce_min = config.debounce_min;
        output.debounce_max = config.debounce_max;
        output.splay = config.splay;
        if (absl::Status s = ReadOutput(*node.as_table(), &output); !s.ok()) return s;
        template_bytes += output.template_text.size();
        if (template_bytes > kMaxTotalTemplateBytes) {
          return Fail(*node.as_table()->get("template"),
                      absl::StrCat("the outputs' templates total more than ",
                                   kMaxTotalTemplateBytes, " bytes"));
        }
        const uint32_t line = node.source().begin.line;
        if (auto [it, added] = id_lines.emplace(output.id, line); !added) {
          return Fail(*node.as_table()->get("id"),
                      absl::StrCat("output.id is already used by the output at line ", it->second));
        }
        if (auto [it, added] = destination_lines.emplace(output.destination, line); !added) {
          return Fail(*node.as_table()->get("destination"),
                      absl::StrCat("output.destination is already written by the output at line ",
                                   it->second));
        }
        config.outputs.push_back(std::move(output));
      }
    }
    return config;
  }

  // "<source>:<line>:<col>: <message>", the column in bytes (toml++ counts code points).
  absl::Status FailAt(const toml::source_position& at, std::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(std::string(source_name_), ":", at.line, ":",
                                                   ByteColumn(at), ": ", std::string(message)));
  }
  absl::Status Fail(const toml::node& at, std::string_view message) const {
    return FailAt(at.source().begin, message);
  }

 private:
  uint32_t ByteColumn(const toml::source_position& at) const {
    size_t i = 0;
    for (uint32_t line = 1; line < at.line && i < text_.size(); ++i) {
      if (text_[i] == '\n') ++line;
    }
    const size_t line_start = i;
    for (uint32_t column = 1; column < at.column && i < text_.size(); ++column) {
      ++i;
      while (i < text_.size() && (static_cast<unsigned char>(text_[i]) & 0xc0) == 0x80) ++i;
    }
    return static_cast<uint32_t>(i - line_start + 1);
  }

  // Unknown keys are errors: the earliest one in the file is reported.
  absl::Status Keys(const toml::table& table, std::string_view prefix,
                    std::initializer_list<std::string_view> allowed) const {
    const toml::key* unknown = nullptr;
    for (const auto& [key, value] : table) {
      if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
      if (unknown == nullptr || key.source().begin < unknown->source().begin) unknown = &key;
    }
    if (unknown == nullptr) return absl::OkStatus();
    return FailAt(unknown->source().begin,
                  absl::StrCat("unknown key ", std::string(prefix), KeyForMessage(unknown->str())));
  }

  absl::Status Required(const toml::table& table, std::string_view key,
                        std::string_view what) const {
    if (table.contains(key)) return absl::OkStatus();
    return Fail(table, absl::StrCat(std::string(what), " is required"));
  }

  // The getters leave *out alone when the key is absent.
  absl::Status String(const toml::table& table, std::string_view key, std::string_view what,
                      std::string* out) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) return absl::OkStatus();
    if (!node->is_string())
      return Fail(*node, absl::StrCat(std::string(what), " must be a string"));
    const std::string& value = node->as_string()->get();
    if (HasNul(value)) {
      return Fail(*node, absl::StrCat(std::string(what), " must not contain a NUL character"));
    }
    *out = value;
    return absl::OkStatus();
  }

  absl::Status Bool(const toml::table& table, std::string_view key, std::string_view what,
                    bool* out) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) return absl::OkStatus();
    if (!node->is_boolean()) {
      return Fail(*node, absl::StrCat(std::string(what), " must be true or false"));
    }
    *out = node->as_boolean()->get();
    return absl::OkStatus();
  }

  absl::Status Duration(const toml::table& table, std::string_view key, std::string_view what,
                        absl::Duration* out) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) return absl::OkStatus();
    if (!node->is_string() || !ParseDurationText(node->as_string()->get(), out)) {
      return Fail(*node, absl::StrCat(std::string(what),
                                      " must be a duration such as \"250ms\", \"2s\" or \"1m\""));
    }
    return absl::OkStatus();
  }

  absl::Status Positive(const toml::table& table, std::string_view key, std::string_view what,
                        absl::Duration* out) const {
    if (absl::Status s = Duration(table, key, what, out); !s.ok()) return s;
    if (*out <= absl::ZeroDuration()) {
      return Fail(*table.get(key), absl::StrCat(std::string(what), " must be more than 0"));
    }
    return absl::OkStatus();
  }

  // A non-empty array of strings (an argv: no NUL, the program not empty).
  absl::Status Argv(const toml::table& table, std::string_view key, std::string_view what,
                    std::vector<std::string>* out) const {
    const toml::node* node = table.get(key);
    if (node == nullptr) return absl::OkStatus();
    const toml::array* array = node->as_array();
    const std::string name(what);
    if (array == nullptr) return Fail(*node, name + " must be an array of strings");
    if (array->empty()) return Fail(*node, name + " must not be empty");
    if (array->size() > kMaxArgs) {
      return Fail(*node, absl::StrCat(name, " has more than ", kMaxArgs, " arguments"));
    }
    out->clear();
    for (const toml::node& item : *array) {
      if (!item.is_string()) return Fail(item, name + " must be an array of strings");
      const std::string& arg = item.as_string()->get();
      if (HasNul(arg)) return Fail(item, name + " must not contain a NUL character");
      out->push_back(arg);
    }
    if (out->front().empty()) return Fail(*node, name + " must name a program first");
    return absl::OkStatus();
  }

  absl::Status ReadAgent(const toml::table& agent, AgentConfig* config) const {
    if (absl::Status s = Keys(agent, "agent.",
                              {"server", "client_id", "labels", "state_dir", "debounce_min",
                               "debounce_max", "splay", "metrics_listen", "status_file"});
        !s.ok()) {
      return s;
    }
    if (absl::Status s = String(agent, "server", "agent.server", &config->server); !s.ok())
      return s;
    if (agent.contains("server") && !hearthctl::ParseServerAddress(config->server).ok()) {
      return Fail(*agent.get("server"),
                  "agent.server is not a server address (host:port, http(s)://host:port or "
                  "unix:///path)");
    }
    for (const auto& [key, target] :
         {std::pair{"client_id", &config->client_id}, std::pair{"state_dir", &config->state_dir},
          std::pair{"metrics_listen", &config->metrics_listen},
          std::pair{"status_file", &config->status_file}}) {
      if (absl::Status s = String(agent, key, absl::StrCat("agent.", key), target); !s.ok()) {
        return s;
      }
    }
    // Paths relative to the outputs file, as templates are.
    for (std::string* path : {&config->state_dir, &config->status_file}) {
      if (!path->empty() && !path->starts_with("/")) *path = JoinPath(base_dir_, *path);
    }
    if (const toml::node* labels = agent.get("labels")) {
      const toml::table* table = labels->as_table();
      if (table == nullptr) return Fail(*labels, "agent.labels must be a table of strings");
      if (table->size() > kMaxLabels) {
        return Fail(*labels, absl::StrCat("agent.labels has more than ", kMaxLabels, " labels"));
      }
      for (const auto& [key, value] : *table) {
        if (key.str().empty() || HasNul(key.str())) {
          return FailAt(key.source().begin, "agent.labels has an empty or invalid name");
        }
        std::string text;
        if (absl::Status s = String(*table, key.str(), "agent.labels values", &text); !s.ok()) {
          return s;
        }
        config->labels[std::string(key.str())] = std::move(text);
      }
    }
    if (absl::Status s =
            Duration(agent, "debounce_min", "agent.debounce_min", &config->debounce_min);
        !s.ok()) {
      return s;
    }
    if (absl::Status s =
            Duration(agent, "debounce_max", "agent.debounce_max", &config->debounce_max);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = Duration(agent, "splay", "agent.splay", &config->splay); !s.ok()) return s;
    if (config->debounce_min > config->debounce_max) {
      const toml::node* at = agent.get("debounce_min");
      return Fail(at != nullptr ? *at : agent, "agent.debounce_min is longer than debounce_max");
    }
    return absl::OkStatus();
  }

  absl::Status ReadOutput(const toml::table& table, Output* output) const {
    if (absl::Status s = Keys(table, "output.",
                              {"id", "config", "profile", "path", "template", "format",
                               "destination", "mode", "owner", "check", "check_timeout", "required",
                               "action", "debounce_min", "debounce_max", "splay"});
        !s.ok()) {
      return s;
    }
    for (std::string_view key : {"id", "config", "destination"}) {
      if (absl::Status s = Required(table, key, absl::StrCat("output.", std::string(key)));
          !s.ok()) {
        return s;
      }
    }
    if (absl::Status s = String(table, "id", "output.id", &output->id); !s.ok()) return s;
    if (!IsValidId(output->id)) {
      return Fail(*table.get("id"),
                  "output.id must be 1 to 64 of A-Z a-z 0-9 _ . - and not start with '.'");
    }
    if (absl::Status s = String(table, "config", "output.config", &output->config); !s.ok()) {
      return s;
    }
    if (output->config.empty()) return Fail(*table.get("config"), "output.config is empty");
    if (absl::Status s = String(table, "profile", "output.profile", &output->profile); !s.ok()) {
      return s;
    }
    if (absl::Status s = String(table, "path", "output.path", &output->path); !s.ok()) return s;

    // Exactly one of format and template.
    const toml::node* format = table.get("format");
    const toml::node* template_node = table.get("template");
    if (format != nullptr && template_node != nullptr) {
      return Fail(*template_node, "output has both format and template; give one");
    }
    if (format == nullptr && template_node == nullptr) {
      return Fail(table, "output needs one of format and template");
    }
    if (format != nullptr) {
      if (absl::Status s = String(table, "format", "output.format", &output->format); !s.ok()) {
        return s;
      }
      static constexpr std::string_view kFormats[] = {"json", "yaml", "toml", "env", "properties"};
      if (std::find(std::begin(kFormats), std::end(kFormats), output->format) ==
          std::end(kFormats)) {
        return Fail(*format, "output.format must be json, yaml, toml, env or properties");
      }
    } else if (absl::Status s = ReadTemplate(table, output); !s.ok()) {
      return s;
    }

    if (absl::Status s = String(table, "destination", "output.destination", &output->destination);
        !s.ok()) {
      return s;
    }
    if (!output->destination.starts_with("/") && base_dir_.starts_with("/") &&
        !output->destination.empty()) {
      output->destination = JoinPath(base_dir_, output->destination);  // beside the file
    }
    if (!output->destination.starts_with("/") || output->destination.ends_with("/")) {
      return Fail(*table.get("destination"),
                  "output.destination must be a file path (absolute, or relative to the outputs "
                  "file)");
    }
    if (const toml::node* mode = table.get("mode")) {
      const toml::value<std::string>* text = mode->as_string();
      uint32_t bits = 0;
      bool ok = text != nullptr && (text->get().size() == 3 || text->get().size() == 4);
      for (size_t i = 0; ok && i < text->get().size(); ++i) {
        const char c = text->get()[i];
        ok = c >= '0' && c <= '7';
        bits = bits * 8 + static_cast<uint32_t>(c - '0');
      }
      if (!ok || bits > 0777) {
        return Fail(*mode, "output.mode must be an octal string such as \"0644\" (at most 0777)");
      }
      output->mode = static_cast<mode_t>(bits);
    }
    if (absl::Status s = ReadOwner(table, output); !s.ok()) return s;
    if (absl::Status s = Argv(table, "check", "output.check", &output->check); !s.ok()) return s;
    if (absl::Status s =
            Positive(table, "check_timeout", "output.check_timeout", &output->check_timeout);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = Bool(table, "required", "output.required", &output->required); !s.ok()) {
      return s;
    }
    for (const auto& [key, target] :
         {std::pair{"debounce_min", &output->debounce_min},
          std::pair{"debounce_max", &output->debounce_max}, std::pair{"splay", &output->splay}}) {
      if (absl::Status s = Duration(table, key, absl::StrCat("output.", key), target); !s.ok()) {
        return s;
      }
    }
    if (output->debounce_min > output->debounce_max) {
      const toml::node* at = table.get("debounce_min");
      return Fail(at != nullptr ? *at : table,
                  "output.debounce_min is longer than its debounce_max");
    }
    if (const toml::node* action = table.get("action")) {
      if (!action->is_table()) return Fail(*action, "output.action must be a table");
      if (absl::Status s = ReadAction(*action->as_table(), &output->action); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  // Reads the template file (relative to base_dir) and checks that it parses. Messages do not
  // name the file: it is a config value; the position points at it.
  absl::Status ReadTemplate(const toml::table& table, Output* output) const {
    const toml::node& node = *table.get("template");
    if (absl::Status s = String(table, "template", "output.template", &output->template_file);
        !s.ok()) {
      return s;
    }
    if (output->template_file.empty()) return Fail(node, "output.template is empty");
    absl::StatusOr<std::string> text =
        ReadFileAtMost(JoinPath(base_dir_, output->template_file), kMaxTemplateBytes);
    if (!text.ok()) {
      std::string why;
      switch (text.status().code()) {
        case absl::StatusCode::kNotFound:
          why = "the template file does not exist";
          break;
        case absl::StatusCode::kPermissionDenied:
          why = "the template file is not readable (permission denied)";
          break;
        case absl::StatusCode::kOutOfRange:
          why = absl::StrCat("the template file is larger than the limit of ", kMaxTemplateBytes,
                             " bytes");
          break;
        case absl::StatusCode::kFailedPrecondition:
          why = "the template is not a regular file";
          break;
        default:
          why = "the template file cannot be read";
          break;
      }
      return Fail(node, absl::StrCat("output.template: ", why));
    }
    // Rendering against an empty document runs no section, so this is only a syntax check.
    absl::StatusOr<std::string> rendered = RenderTemplate(*text, "template", "{}");
    if (!rendered.ok()) {
      return Fail(node, absl::StrCat("output.template does not parse (",
                                     std::string(rendered.status().message()), ")"));
    }
    output->template_text = *std::move(text);
    return absl::OkStatus();
  }

  // owner = "user" or "user:group", names or numbers.
  absl::Status ReadOwner(const toml::table& table, Output* output) const {
    const toml::node* node = table.get("owner");
    if (node == nullptr) return absl::OkStatus();
    std::string owner;
    if (absl::Status s = String(table, "owner", "output.owner", &owner); !s.ok()) return s;
    const size_t colon = owner.find(':');
    const std::string user_name = owner.substr(0, colon);
    const std::string group_name = colon == std::string::npos ? "" : owner.substr(colon + 1);
    if (user_name.empty() || (colon != std::string::npos && group_name.empty()) ||
        group_name.find(':') != std::string::npos) {
      return Fail(*node, "output.owner must be \"user\" or \"user:group\"");
    }
    uint32_t number = 0;
    if (ParseUint32(user_name, &number)) {
      output->uid = number;
    } else {
      uid_t uid = 0;
      const int rc = LookUpId<struct passwd, uid_t>(user_name, getpwnam_r, &passwd::pw_uid, &uid);
      if (rc == ENOENT) return Fail(*node, "output.owner names no such user");
      if (rc != 0) {
        return Fail(*node, absl::StrCat("output.owner: cannot look up the user: ", strerror(rc)));
      }
      output->uid = uid;
    }
    if (group_name.empty()) return absl::OkStatus();
    if (ParseUint32(group_name, &number)) {
      output->gid = number;
    } else {
      gid_t gid = 0;
      const int rc = LookUpId<struct group, gid_t>(group_name, getgrnam_r, &group::gr_gid, &gid);
      if (rc == ENOENT) return Fail(*node, "output.owner names no such group");
      if (rc != 0) {
        return Fail(*node, absl::StrCat("output.owner: cannot look up the group: ", strerror(rc)));
      }
      output->gid = gid;
    }
    return absl::OkStatus();
  }

  // The kind follows from the keys: signal/pidfile/process, url, or command.
  absl::Status ReadAction(const toml::table& table, Action* action) const {
    if (absl::Status s = Keys(table, "output.action.",
                              {"signal", "pidfile", "process", "url", "max_attempts",
                               "initial_backoff", "max_backoff", "timeout", "command"});
        !s.ok()) {
      return s;
    }
    const bool is_signal =
        table.contains("signal") || table.contains("pidfile") || table.contains("process");
    const bool is_webhook = table.contains("url");
    const bool is_exec = table.contains("command");
    const int kinds = int{is_signal} + int{is_webhook} + int{is_exec};
    if (kinds != 1) {
      return Fail(table, kinds == 0
                             ? "output.action needs signal (with pidfile or process), url or "
                               "command"
                             : "output.action mixes signal, url and command; give one");
    }
    // Keys that only some kinds take.
    const auto only_for = [&](std::string_view key, bool allowed,
                              std::string_view kinds) -> absl::Status {
      const toml::node* node = table.get(key);
      if (node == nullptr || allowed) return absl::OkStatus();
      return Fail(*node, absl::StrCat("output.action.", std::string(key), " applies only to ",
                                      std::string(kinds)));
    };
    for (std::string_view key : {"max_attempts", "initial_backoff", "max_backoff"}) {
      if (absl::Status s = only_for(key, is_webhook, "a webhook (url)"); !s.ok()) return s;
    }
    if (absl::Status s = only_for("timeout", !is_signal, "a webhook or command"); !s.ok()) return s;
    if (absl::Status s = Positive(table, "timeout", "output.action.timeout", &action->timeout);
        !s.ok()) {
      return s;
    }

    if (is_signal) {
      action->kind = Action::Kind::kSignal;
      if (const toml::node* node = table.get("signal")) {
        bool ok = false;
        if (const toml::value<int64_t>* number = node->as_integer()) {
          ok = number->get() >= 1 && number->get() <= 64;
          if (ok) action->signal = static_cast<int>(number->get());
        } else if (const toml::value<std::string>* name = node->as_string()) {
          ok = ParseSignalName(name->get(), &action->signal);
        }
        if (!ok) {
          return Fail(*node,
                      "output.action.signal must be HUP, INT, TERM, USR1, USR2, QUIT (SIG prefix "
                      "optional) or a number 1 to 64");
        }
      }
      if (table.contains("pidfile") == table.contains("process")) {
        return Fail(table, "a signal action needs exactly one of pidfile and process");
      }
      if (absl::Status s = String(table, "pidfile", "output.action.pidfile", &action->pidfile);
          !s.ok()) {
        return s;
      }
      if (table.contains("pidfile") && !action->pidfile.starts_with("/")) {
        return Fail(*table.get("pidfile"), "output.action.pidfile must be an absolute path");
      }
      if (absl::Status s = String(table, "process", "output.action.process", &action->process);
          !s.ok()) {
        return s;
      }
      if (table.contains("process") &&
          (action->process.empty() || action->process.find('/') != std::string::npos)) {
        return Fail(*table.get("process"),
                    "output.action.process must be an executable's base name (no '/')");
      }
      return absl::OkStatus();
    }
    if (is_webhook) {
      action->kind = Action::Kind::kWebhook;
      if (absl::Status s = String(table, "url", "output.action.url", &action->url); !s.ok()) {
        return s;
      }
      if (!action->url.starts_with("http://") || action->url.size() == 7) {
        return Fail(*table.get("url"), "output.action.url must be an http:// URL");
      }
      if (const toml::node* node = table.get("max_attempts")) {
        const toml::value<int64_t>* number = node->as_integer();
        if (number == nullptr || number->get() < 1 || number->get() > kMaxWebhookAttempts) {
          return Fail(*node,
                      absl::StrCat("output.action.max_attempts must be an integer from 1 to ",
                                   kMaxWebhookAttempts));
        }
        action->max_attempts = static_cast<int>(number->get());
      }
      if (absl::Status s = Positive(table, "initial_backoff", "output.action.initial_backoff",
                                    &action->initial_backoff);
          !s.ok()) {
        return s;
      }
      if (absl::Status s =
              Positive(table, "max_backoff", "output.action.max_backoff", &action->max_backoff);
          !s.ok()) {
        return s;
      }
      if (action->max_backoff < action->initial_backoff) {
        const toml::node* at = table.get("max_backoff");
        return Fail(at != nullptr ? *at : table,
                    "output.action.max_backoff is shorter than initial_backoff");
      }
      return absl::OkStatus();
    }
    action->kind = Action::Kind::kExec;
    return Argv(table, "command", "output.action.command", &action->command);
  }

  const std::string_view text_;
  const std::string_view source_name_;
  const std::string_view base_dir_;
};

}  // namespace

std::string Action::Key() const {
  // Length-prefixed fields, so that no two different actions can spell the same key. Only the
  // fields the kind uses take part. The key may hold a secret (a webhook URL): never log it.
  std::string key;
  const auto field = [&key](std::string_view value) {
    key.append(std::to_string(value.size())).append(":").append(value).append(";");
  };
  switch (kind) {
    case Kind::kNone:
      return "none";
    case Kind::kSignal:
      key = "signal;";
      field(pidfile);
      field(process);
      field(std::to_string(signal));
      return key;
    case Kind::kWebhook:
      key = "webhook;";
      field(url);
      field(std::to_string(max_attempts));
      field(std::to_string(absl::ToInt64Nanoseconds(initial_backoff)));
      field(std::to_string(absl::ToInt64Nanoseconds(max_backoff)));
      field(std::to_string(absl::ToInt64Nanoseconds(timeout)));
      return key;
    case Kind::kExec:
      key = "exec;";
      field(std::to_string(absl::ToInt64Nanoseconds(timeout)));
      field(std::to_string(command.size()));
      for (const std::string& arg : command) field(arg);
      return key;
  }
  return key;
}

absl::StatusOr<AgentConfig> ParseAgentConfig(std::string_view text, std::string_view source_name,
                                             std::string_view base_dir) {
  const std::string name(source_name);
  if (text.size() > kMaxConfigFileBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": larger than the limit of ", kMaxConfigFileBytes, " bytes"));
  }
  ConfigReader reader(text, source_name, base_dir);
  if (const size_t too_deep = FindTooDeep(text); too_deep != std::string_view::npos) {
    uint32_t line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < too_deep; ++i) {
      if (text[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    return absl::InvalidArgumentError(absl::StrCat(name, ":", line, ":", too_deep - line_start + 1,
                                                   ": nested deeper than ", kMaxTomlNesting,
                                                   " levels"));
  }
  try {
    const toml::table root = toml::parse(text);
    return reader.Read(root);
  } catch (const toml::parse_error& e) {
    return reader.FailAt(e.source().begin, SafeTomlMessage(e.description()));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(absl::StrCat(name, ": out of memory while parsing"));
  } catch (const std::exception&) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": TOML parser failed"));
  }
}

absl::StatusOr<AgentConfig> LoadAgentConfig(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileAtMost(path, kMaxConfigFileBytes);
  if (!text.ok()) {
    if (absl::IsOutOfRange(text.status()) || absl::IsFailedPrecondition(text.status())) {
      return absl::InvalidArgumentError(text.status().message());
    }
    return text.status();
  }
  const size_t slash = path.rfind('/');
  std::string base_dir =
      slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  if (!base_dir.starts_with("/")) {
    // Absolute, so that relative destinations do not depend on the agent's working directory.
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd) != nullptr)
      base_dir = base_dir == "." ? cwd : JoinPath(cwd, base_dir);
  }
  return ParseAgentConfig(*text, path, base_dir);
}

}  // namespace hearth_agent
