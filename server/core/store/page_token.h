#pragma once

#include <string>

namespace hearth {

// List page tokens (ListConfigs over gRPC, GET /v1/configs over HTTP): opaque, web-safe, and bound
// to the prefix they were issued for, so a token cannot be replayed against another listing.
std::string EncodePageToken(const std::string& prefix, const std::string& last_name);
// The last name of the previous page; false when the token is malformed or for another prefix.
bool DecodePageToken(const std::string& token, const std::string& prefix, std::string* last_name);

}  // namespace hearth
