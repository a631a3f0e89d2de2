#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "server/http/http_message.h"

namespace hearth::http {

// The HTTP status for a google.rpc code, as google.api's HTTP mapping gives it (INVALID_ARGUMENT
// 400, NOT_FOUND 404, RESOURCE_EXHAUSTED 429, FAILED_PRECONDITION 400, UNAVAILABLE 503, ...).
int HttpStatusFor(absl::StatusCode code);

// {"code":"NOT_FOUND","message":"..."} with HttpStatusFor(status.code()).
HttpResponse ErrorResponse(const absl::Status& status);

// `s` as a JSON string literal (quotes included) with every byte >= 0x80 and every control
// character escaped, so the result is ASCII and safe in an HTTP header too.
std::string JsonQuoteAscii(std::string_view s);
// A JSON list of JsonQuoteAscii strings (header-safe too).
std::string JsonStringListAscii(const std::vector<std::string>& items);

}  // namespace hearth::http
