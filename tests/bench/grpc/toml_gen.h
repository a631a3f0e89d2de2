// Shared by watch_latency and watch_fanout: writes a TOML file of about `bytes` bytes atomically
// (temp file in the same directory, then rename over `path`), the way editors and deploy tools do.
#pragma once

#include <cstdio>
#include <string>

namespace hearth::bench {

// TOML text of about `bytes` bytes whose content depends on `generation` (so every call changes
// the document and its etag).
inline std::string MakeToml(size_t bytes, long generation) {
  std::string text = "generation = " + std::to_string(generation) + "\n[data]\n";
  for (int i = 0; text.size() + 48 < bytes; ++i) {
    char line[64];
    std::snprintf(line, sizeof line, "key_%04d = \"value-%04d-%020ld\"\n", i, i, generation);
    text += line;
  }
  return text;
}

// Writes `text` to DIR/.NAME.tmp (ignored by hearthd: hidden) and returns its path, or "" on error.
inline std::string WriteTemp(const std::string& path, const std::string& text) {
  size_t slash = path.rfind('/');
  std::string tmp = path.substr(0, slash + 1) + "." + path.substr(slash + 1) + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return "";
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = (std::fclose(f) == 0) && ok;
  return ok ? tmp : "";
}

}  // namespace hearth::bench
