#include "server/http/validate_route.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "server/core/model/absl_compat.h"
#include "server/core/model/config_name.h"
#include "server/core/model/diagnostic.h"
#include "server/core/model/value_diff.h"
#include "server/core/parse/parse_document.h"
#include "server/http/http_status.h"

namespace hearth::http {
namespace {

constexpr size_t kMaxFiles = 64;

absl::Status Invalid(std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("validate body: ", Sv(what)));
}

const char* OpName(ValueDiffEntry::Op op) {
  switch (op) {
    case ValueDiffEntry::Op::kAdded:
      return "ADDED";
    case ValueDiffEntry::Op::kRemoved:
      return "REMOVED";
    case ValueDiffEntry::Op::kChanged:
      return "CHANGED";
  }
  return "CHANGED";
}

}  // namespace

absl::StatusOr<ValidateRequest> ParseValidateRequest(const std::string& body) {
  absl::StatusOr<Value> parsed = ParseDocument(Format::kJson, body, SourceRef{"body", 0});
  if (!parsed.ok()) return parsed.status();
  if (!parsed->is_object()) return Invalid("must be a JSON object");
  ValidateRequest out;
  for (const auto& [key, value] : parsed->AsObject()) {
    if (key == "name" || key == "profile") {
      if (!value.is_string()) return Invalid(absl::StrCat(key, " must be a string"));
      (key == "name" ? out.name : out.profile) = value.AsString();
    } else if (key == "replace_on_disk") {
      if (!value.is_bool()) return Invalid("replace_on_disk must be true or false");
      out.replace_on_disk = value.AsBool();
    } else if (key == "files") {
      if (!value.is_array()) return Invalid("files must be a list");
      if (value.AsArray().size() > kMaxFiles) {
        return Invalid(absl::StrCat("at most ", kMaxFiles, " files"));
      }
      for (const Value& file : value.AsArray()) {
        const Value* file_name = file.is_object() ? file.Find("file_name") : nullptr;
        const Value* content = file.is_object() ? file.Find("content") : nullptr;
        if (file_name == nullptr || !file_name->is_string() || content == nullptr ||
            !content->is_string() || file.AsObject().size() != 2) {
          return Invalid("each file is {\"file_name\": string, \"content\": string}");
        }
        if (absl::Status s = ValidateSourceFileName(file_name->AsString()); !s.ok()) return s;
        out.candidates.push_back({file_name->AsString(), content->AsString()});
      }
    } else {
      return Invalid(absl::StrCat("unknown key ", KeyForMessage(key),
                                  "; one of name, profile, replace_on_disk, files"));
    }
  }
  if (out.name.empty()) return Invalid("name is required");
  if (absl::Status s = ValidateConfigName(out.name); !s.ok()) return s;
  return out;
}

HttpResponse RunValidate(const DryRunner& dry_runner, const ConfigStore& store,
                         ValidateRequest request) {
  absl::StatusOr<BuildResult> result =
      dry_runner.Validate(request.name, std::move(request.candidates), request.replace_on_disk);
  if (!result.ok()) return ErrorResponse(result.status());
  const bool valid = result->ok() && result->version != nullptr;
  std::shared_ptr<const ConfigEntry> served = store.Get(request.name);
  std::string body =
      absl::StrCat("{\"valid\":", valid ? "true" : "false",
                   ",\"unknown_config\":", served == nullptr ? "true" : "false", ",\"errors\":[");
  for (size_t i = 0; i < result->errors.size(); ++i) {
    const ParsedDiagnostic d = ParseDiagnostic(result->errors[i]);
    absl::StrAppend(&body, i == 0 ? "" : ",", "{\"file\":", JsonQuoteAscii(d.file),
                    ",\"line\":", d.line, ",\"column\":", d.column,
                    ",\"message\":", JsonQuoteAscii(d.message), "}");
  }
  body += "]";
  if (valid) {
    bool profile_used = request.profile.empty();
    for (const SourceFile& f : result->version->files) profile_used |= f.profile == request.profile;
    const RenderedDocument& candidate = result->version->Variant(request.profile);
    absl::StrAppend(&body, ",\"profile_unknown\":", profile_used ? "false" : "true", ",\"etag\":\"",
                    candidate.etag,
                    "\",\"document\":", candidate.json != nullptr ? *candidate.json : "null");
    const std::string* served_json = nullptr;
    if (served != nullptr && served->version != nullptr) {
      served_json = served->version->Variant(request.profile).json.get();
      absl::StrAppend(&body, ",\"served_revision\":", served->version_revision);
    }
    // Only a damaged stored document fails here; the answer then has an empty diff.
    ValueDiff diff = DiffCanonicalJson(served_json, candidate.json.get()).value_or(ValueDiff());
    absl::StrAppend(&body, ",\"diff_truncated\":", diff.truncated ? "true" : "false",
                    ",\"diff\":[");
    for (size_t i = 0; i < diff.entries.size(); ++i) {
      const ValueDiffEntry& e = diff.entries[i];
      absl::StrAppend(&body, i == 0 ? "" : ",", "{\"path\":", JsonQuoteAscii(e.path), ",\"op\":\"",
                      OpName(e.op), "\"");
      if (!e.old_json.empty()) absl::StrAppend(&body, ",\"old\":", e.old_json);
      if (!e.new_json.empty()) absl::StrAppend(&body, ",\"new\":", e.new_json);
      body += "}";
    }
    body += "]";
  }
  body += "}\n";
  HttpResponse response;
  response.body = std::move(body);
  return response;
}

}  // namespace hearth::http
