#include "server/rpc/validate_response.h"

#include <charconv>
#include <cstdint>

#include "server/core/model/diagnostic.h"
#include "server/core/model/value_diff.h"

namespace hearth::rpc {
namespace {

// Reads decimal digits at text[*pos] followed by `end`; advances *pos past `end` on success.
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
  ParsedDiagnostic parsed = hearth::ParseDiagnostic(text);
  if (!parsed.file.empty()) out->set_file(std::move(parsed.file));
  if (parsed.line != 0) out->set_line(parsed.line);
  if (parsed.column != 0) out->set_column(parsed.column);
  out->set_message(std::move(parsed.message));
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

  const std::string* served_json = nullptr;
  std::shared_ptr<const ConfigEntry> served = store.Get(name);
  if (served != nullptr && served->version != nullptr) {
    served_json = served->version->Variant(profile).json.get();
    if (served->version_revision != 0) out->set_served_revision(served->version_revision);
  }
  absl::StatusOr<ValueDiff> diff = DiffCanonicalJson(served_json, candidate.json.get());
  if (!diff.ok()) return;  // only a damaged stored document: the answer goes without a diff
  if (diff->truncated) out->set_diff_truncated(true);
  for (ValueDiffEntry& entry : diff->entries) {
    v1::DiffEntry* proto = out->add_diff();
    proto->set_path(std::move(entry.path));
    proto->set_op(ToProto(entry.op));
    proto->set_old_json(std::move(entry.old_json));
    proto->set_new_json(std::move(entry.new_json));
  }
}

}  // namespace hearth::rpc
