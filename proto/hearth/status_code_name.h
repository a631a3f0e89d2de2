#pragma once

#include "grpcpp/support/status.h"

namespace hearth {

// "NOT_FOUND" for grpc::StatusCode::NOT_FOUND: the canonical name, for metrics labels and for
// messages people read. Lives with the proto target because both hearthctl (which may link only
// that target) and the server use it.
const char* StatusCodeName(grpc::StatusCode code);

}  // namespace hearth
