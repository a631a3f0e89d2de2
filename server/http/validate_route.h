#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/dry_runner.h"
#include "server/core/store/config_store.h"
#include "server/http/http_message.h"

namespace hearth::http {

// POST /v1/validate: ValidateConfig over HTTP, in two halves so that the build runs off the
// connection's thread.
struct ValidateRequest {
  std::string name;
  std::string profile;
  bool replace_on_disk = false;
  std::vector<DryRunCandidate> candidates;
};

// The JSON body {"name": "...", "profile": "...", "replace_on_disk": false, "files":
// [{"file_name": "10-db.yaml", "content": "..."}]} (content as text, no base64), parsed by the
// project's JSON front end (depth-limited; errors name body:line:col). INVALID_ARGUMENT for
// anything else: unknown keys, wrong types, a bad config or file name, more than 64 files.
absl::StatusOr<ValidateRequest> ParseValidateRequest(const std::string& body);

// Runs the dry run and renders ValidateConfig's answer as JSON: valid, errors (each with file,
// line, column, message), the candidate's etag and document, and the diff against the served
// version (paths and the old and new JSON). Blocking; call it from a worker.
HttpResponse RunValidate(const DryRunner& dry_runner, const ConfigStore& store,
                         ValidateRequest request);

}  // namespace hearth::http
