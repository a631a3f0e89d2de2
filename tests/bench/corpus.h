#pragma once

#include <cstddef>
#include <string>

namespace hearth::bench {

struct CorpusStats {
  size_t configs = 0;
  size_t files = 0;
  size_t bytes = 0;
};

// Writes `configs` config directories under `root` (cfg00000/, cfg00001/, ...), each holding a
// main file of about `main_bytes` and a smaller override file, in a mix of TOML, JSON, YAML and
// .env (the format rotates with the index). Deterministic for the same arguments.
CorpusStats WriteCorpus(const std::string& root, size_t configs, size_t main_bytes = 1500);

// The text of one ~`bytes` document in `format` ("toml", "json", "yaml", "env"); `seed` varies
// the values.
std::string MakeDocument(const std::string& format, size_t bytes, unsigned seed);

}  // namespace hearth::bench
