#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "server/core/model/diagnostic.h"
#include "server/core/model/value.h"

namespace hearth {

// The error state of an adapter that converts a library's tree into a Value (JSON's simdjson
// DOM, TOML's toml++ table): the walk stops at the first failure, kept here as a diagnostic
// naming src.name:line:col.
class ConversionStatus {
 public:
  ConversionStatus(const SourceRef& src, int max_depth) : src_(src), max_depth_(max_depth) {}

  // Whether a container at nesting `depth` (the top level is 1) is within the limit; if not,
  // records the error at the container's `origin`.
  bool CheckDepth(int depth, const Origin& origin) {
    if (depth <= max_depth_) return true;
    return Fail(origin, absl::StrCat("nesting deeper than ", max_depth_, " levels"));
  }
  // Records the error; always false, so that a converter can `return Fail(...)`.
  bool Fail(const Origin& origin, std::string_view message) {
    status_ = DiagnosticError(src_.name, origin.line, origin.column, message);
    return false;
  }

  const absl::Status& status() const { return status_; }

 private:
  const SourceRef& src_;
  const int max_depth_;
  absl::Status status_;
};

}  // namespace hearth
