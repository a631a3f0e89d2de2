#pragma once

#include <string>
#include <string_view>

#include "hearth/v1/config_service.pb.h"
#include "server/core/build/config_builder.h"
#include "server/core/store/config_store.h"

namespace hearth::rpc {

// Fills a ValidateConfig response from a dry-run build of config `name`: errors (as text and
// split into file/line/column/message), the resulting document for `profile`, and its diff
// against the version the store serves now.
void FillValidateResponse(const ConfigStore& store, std::string_view name, std::string_view profile,
                          const BuildResult& result, v1::ValidateConfigResponse* out);

// Splits "file:line:col: message" (also "file:line: message" and "file: message"); an error
// without a location becomes a message with an empty file.
void ParseDiagnostic(std::string_view text, v1::Diagnostic* out);

}  // namespace hearth::rpc
