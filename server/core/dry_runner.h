#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/core/build/config_builder.h"

namespace hearth {

// A file offered for a dry run, as if it were in the config's directory.
struct DryRunCandidate {
  std::string file_name;  // "10-db.yaml" (decides format and profile)
  std::string content;
};

// What the ValidateConfig adapters (gRPC, CLI) need from the engine: build a config with
// candidate files, without publishing. ConfigEngine implements it.
//
// Thread-safety: implementations are thread-safe.
class DryRunner {
 public:
  virtual ~DryRunner() = default;

  // Parses `candidates` layered over the files on disk (or instead of them when
  // replace_on_disk), applies the schema, and returns the result without publishing. Its build
  // errors are in the result; a bad name or candidate, or candidates over the byte limits, is
  // INVALID_ARGUMENT; an unreadable config directory FAILED_PRECONDITION. The result's version
  // may be shared with other calls (an implementation may cache results): read it, never write.
  // The result does not depend on the served version or on a profile; diffing against what is
  // served is the caller's, per call.
  virtual absl::StatusOr<BuildResult> Validate(std::string_view name,
                                               std::vector<DryRunCandidate> candidates,
                                               bool replace_on_disk) const = 0;
};

}  // namespace hearth
