#pragma once

#include <string_view>

namespace hearth::http {

// The OpenAPI 3.0 document of the HTTP API (server/http/openapi.json, compiled in), served at
// GET /v1/openapi.json and checked by tests/http/openapi_test.mjs against the OpenAPI schema.
std::string_view OpenApiDocument();

}  // namespace hearth::http
