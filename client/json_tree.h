#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hearthctl {

// A parsed JSON document as the client prints it. Numbers keep their source text, so integers,
// floats and large values print exactly as the server rendered them. Object members keep their
// order (the server's canonical JSON sorts keys).
struct JsonNode {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string text;             // kNumber: the literal; kString: the decoded UTF-8 value
  std::vector<JsonNode> items;  // kArray
  std::vector<std::pair<std::string, JsonNode>> members;  // kObject

  // Out of line: JsonNode is incomplete inside its own definition, and clang with libstdc++
  // refuses to instantiate std::pair<std::string, JsonNode>'s destructor there.
  JsonNode();
  ~JsonNode();
  JsonNode(const JsonNode&);
  JsonNode(JsonNode&&) noexcept;
  JsonNode& operator=(const JsonNode&);
  JsonNode& operator=(JsonNode&&) noexcept;

  bool is_float() const;  // a kNumber with a fraction or exponent
};

// Parses strict JSON (RFC 8259). On failure returns false and sets *error to "offset N: what".
bool ParseJson(std::string_view text, JsonNode* out, std::string* error);

// Builders for output documents (hearthctl's -o json / -o yaml).
JsonNode JsonString(std::string_view s);
JsonNode JsonUint(uint64_t n);
JsonNode JsonBool(bool b);
JsonNode JsonStrings(const std::vector<std::string>& items);
// Appends `value` as member `key` of the object `*object` (which becomes an object if null).
void AddMember(JsonNode* object, std::string key, JsonNode value);

// Escapes `s` as a JSON string literal, quotes included.
std::string JsonQuote(std::string_view s);

}  // namespace hearthctl
