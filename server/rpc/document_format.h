#pragma once

#include "absl/status/statusor.h"
#include "hearth/v1/document_types.pb.h"
#include "server/core/render/output_format.h"

namespace hearth::rpc {

// The core's output format for a request's DocumentFormat (UNSPECIFIED is JSON). A value this
// build does not know (a newer client) is INVALID_ARGUMENT, never a silent JSON answer.
absl::StatusOr<OutputFormat> FromProtoFormat(v1::DocumentFormat format);

}  // namespace hearth::rpc
