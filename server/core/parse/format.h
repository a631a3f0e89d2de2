#pragma once

#include <string_view>

namespace hearth {

// The file formats a config directory may hold, recognised by extension.
enum class Format { kUnknown, kToml, kJson, kYaml, kEnv };

// ".toml" -> kToml, ".json" -> kJson, ".yaml"/".yml" -> kYaml, ".env" or a file named exactly
// ".env" -> kEnv; anything else kUnknown (ignored by the loader, never fatal). Only the part
// after the last '/' is looked at, and extensions match case-insensitively ("A.JSON" is JSON).
// Editor droppings such as "a.json.swp" or "a.toml~" are kUnknown.
Format FormatFromFileName(std::string_view file_name);
// "toml", "json", "yaml", "env" or "unknown".
std::string_view FormatName(Format f);

}  // namespace hearth
