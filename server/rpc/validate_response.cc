#include "server/rpc/validate_response.h"

#include <charconv>
#include <cstdint>

#include "server/rpc/value_diff.h"

namespace hearth::rpc {
namespace {

// Reads decimal digits at text[*pos] followed by `end`; advances *pos past `end` on success.
bool ReadNumber(std::string_view text, size_t* pos, char end, uint32_t* value) {
  const char* first = text.data() + *pos;
  const char* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, *value);
  if (ec != std::errc() || ptr == first || ptr == last || *ptr != end) return false;
  *pos = static_cast<size_t>(ptr - text.data()) + 1;
  return true;
}

v1::DiffOp ToProto(ValueDiffEntry::Op op) {
  switch (op) {
    case ValueDiffEntry::Op::kAdded:
      return v1::DIFF_OP_ADDED;
    case ValueDiffEntry::Op::kRemoved:
      return v1::DIFF_OP_REMOVED;
    case ValueDiffEntry::Op::kChanged:
      return v1::DIFF_OP_CHANGED;
  }
  return v1::DIFF_OP_UNSPECIFIED;
}

}  // namespace

void ParseDiagnostic(std::string_view text, v1::Diagnostic* out) {
  // The file name may itself contain ':' — take the first ":N:N: ", ":N: " or ": " from the left
  // that parses.
  for (size_t colon = text.find(':'); colon != std::string_view::npos;
       colon = text.find(':', colon + 1)) {
    size_t pos = colon + 1;
    uint32_t line = 0, column = 0;
    if (ReadNumber(text, &pos, ':', &line)) {
      size_t after_line = pos;
      if (ReadNumber(text, &pos, ':', &column) && pos < text.size() && text[pos] == ' ') {
        out->set_file(std::string(text.substr(0, colon)));
        out->set_line(line);
        out->set_column(column);
        out->set_message(std::string(text.substr(pos + 1)));
        return;
      }
      if (after_line < text.size() && text[after_line] == ' ') {
        out->set_file(std::string(text.substr(0, colon)));
        out->set_line(line);
        out->set_message(std::string(text.substr(after_line + 1)));
        return;
      }
    }
  }
  const size_t sep = text.find(": ");
  if (sep != std::string_view::npos && sep > 0 &&
      text.substr(0, sep).find(' ') == std::string_view::npos) {
    out->set_file(std::string(text.substr(0, sep)));
    out->set_message(std::string(text.substr(sep + 2)));
    return;
  }
  out->set_message(std::string(text));
}

void FillValidateResponse(const ConfigStore& store, std::string_view name, std::string_view profile,
                          const BuildResult& result, v1::ValidateConfigResponse* out) {
  // ValidateConfigResponse is proto2 (documents.proto): a scalar is set only when it is not its
  // default, so that the message is sent and printed as it was in proto3.
  const bool valid = result.ok() && result.version != nullptr;
  if (valid) out->set_valid(true);
  if (store.Get(name) == nullptr) out->set_unknown_config(true);
  for (const std::string& error : result.errors) {
    out->add_errors(error);
    ParseDiagnostic(error, out->add_diagnostics());
  }
  if (!valid) return;

  if (!profile.empty()) {
    bool used = false;
    for (const SourceFile& f : result.version->files) used |= f.profile == profile;
    if (!used) out->set_profile_unknown(true);
  }
  const RenderedDocument& candidate = result.version->Variant(profile);
  if (candidate.json != nullptr && !candidate.json->empty()) out->set_json(*candidate.json);
  if (!candidate.etag.empty()) out->set_etag(candidate.etag);

  const Value* served_doc = nullptr;
  std::shared_ptr<const ConfigEntry> served = store.Get(name);
  if (served != nullptr && served->version != nullptr) {
    const RenderedDocument& current = served->version->Variant(profile);
    served_doc = current.doc.get();
    if (served->version_revision != 0) out->set_served_revision(served->version_revision);
  }
  ValueDiff diff = DiffValues(served_doc, candidate.doc.get());
  if (diff.truncated) out->set_diff_truncated(true);
  for (ValueDiffEntry& entry : diff.entries) {
    v1::DiffEntry* proto = out->add_diff();
    proto->set_path(std::move(entry.path));
    proto->set_op(ToProto(entry.op));
    proto->set_old_json(std::move(entry.old_json));
    proto->set_new_json(std::move(entry.new_json));
  }
}

}  // namespace hearth::rpc
