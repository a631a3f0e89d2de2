#include "server/core/parse/format.h"

#include <cstdint>
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "server/core/model/absl_compat.h"

namespace hearth {
namespace {

bool EndsWithIgnoreCase(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         absl::EqualsIgnoreCase(Sv(s.substr(s.size() - suffix.size())), Sv(suffix));
}

// Length of the UTF-8 sequence starting at text[i], or 0 if it is not well formed (overlong
// encodings, surrogates and code points above U+10FFFF are rejected, as RFC 3629 requires).
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t b0 = byte(i);
  const size_t left = text.size() - i;
  const auto cont = [&](size_t k) { return k < left && (byte(i + k) & 0xC0) == 0x80; };
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (left < 2) return 0;
    const uint8_t b1 = byte(i + 1);
    if (b0 == 0xE0 && b1 < 0xA0) return 0;  // overlong
    if (b0 == 0xED && b1 > 0x9F) return 0;  // UTF-16 surrogate
    return cont(1) && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (left < 2) return 0;
    const uint8_t b1 = byte(i + 1);
    if (b0 == 0xF0 && b1 < 0x90) return 0;  // overlong
    if (b0 == 0xF4 && b1 > 0x8F) return 0;  // above U+10FFFF
    return cont(1) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;  // stray continuation byte, 0xC0/0xC1 or 0xF5..0xFF
}

}  // namespace

Format FormatFromFileName(std::string_view file_name) {
  const size_t slash = file_name.find_last_of('/');
  if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
  if (EndsWithIgnoreCase(file_name, ".toml")) return Format::kToml;
  if (EndsWithIgnoreCase(file_name, ".json")) return Format::kJson;
  if (EndsWithIgnoreCase(file_name, ".yaml") || EndsWithIgnoreCase(file_name, ".yml")) {
    return Format::kYaml;
  }
  if (EndsWithIgnoreCase(file_name, ".env")) return Format::kEnv;
  return Format::kUnknown;
}

std::string_view FormatName(Format f) {
  switch (f) {
    case Format::kToml:
      return "toml";
    case Format::kJson:
      return "json";
    case Format::kYaml:
      return "yaml";
    case Format::kEnv:
      return "env";
    case Format::kUnknown:
      break;
  }
  return "unknown";
}

absl::StatusOr<Value> ParseDocument(Format f, std::string_view text, const SourceRef& src,
                                    const ParseLimits& limits) {
  absl::StatusOr<Value> parsed;
  switch (f) {
    case Format::kToml:
      parsed = ParseToml(text, src, limits);
      break;
    case Format::kJson:
      parsed = ParseJson(text, src, limits);
      break;
    case Format::kYaml:
      return ParseYaml(text, src, limits);  // charges its nodes as it builds them
    case Format::kEnv:
      parsed = ParseEnv(text, src, limits);
      break;
    case Format::kUnknown:
      return DiagnosticError(src.name, 0, 0, "unsupported file format");
  }
  // These front ends cannot amplify (their trees are a small multiple of the text, which
  // --max-file-bytes bounds), so charging after the parse is enough.
  if (parsed.ok() && limits.budget != nullptr &&
      !limits.budget->Charge(parsed->ApproximateBytes())) {
    return absl::ResourceExhaustedError(FormatDiagnostic(src.name, 0, 0, limits.budget->Message()));
  }
  return parsed;
}

absl::Status ValidateUtf8(std::string_view text, const SourceRef& src) {
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    // Fast path: eight ASCII bytes at a time.
    if (i + 8 <= n) {
      uint64_t chunk;
      std::memcpy(&chunk, text.data() + i, sizeof(chunk));
      if ((chunk & 0x8080808080808080ull) == 0) {
        i += 8;
        continue;
      }
    }
    if (static_cast<uint8_t>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t len = Utf8SequenceLength(text, i);
    if (len == 0) {
      uint32_t line = 0;
      uint32_t column = 0;
      LineColumnAt(text, i, &line, &column);
      return DiagnosticError(
          src.name, line, column,
          absl::StrFormat("invalid UTF-8 (byte 0x%02X); files must be UTF-8 encoded",
                          static_cast<uint8_t>(text[i])));
    }
    i += len;
  }
  return absl::OkStatus();
}

}  // namespace hearth
