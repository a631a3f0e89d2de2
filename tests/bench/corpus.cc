#include "tests/bench/corpus.h"

#include <filesystem>
#include <fstream>
#include <vector>

namespace hearth::bench {
namespace {

struct Scalar {
  enum Kind { kInt, kDouble, kBool, kString } kind;
  std::string text;  // unquoted
};

Scalar MakeScalar(unsigned seed, int i) {
  switch ((seed + i) % 4) {
    case 0:
      return {Scalar::kInt, std::to_string((seed * 7919u + i * 104729u) % 100000u)};
    case 1:
      return {Scalar::kDouble, std::to_string((seed % 1000) + i) + ".25"};
    case 2:
      return {Scalar::kBool, (seed + i) % 3 == 0 ? "true" : "false"};
    default:
      return {Scalar::kString,
              "value-" + std::to_string(seed) + "-" + std::to_string(i) + "-lorem-ipsum-dolor"};
  }
}

std::string Quote(const Scalar& s) {
  return s.kind == Scalar::kString ? "\"" + s.text + "\"" : s.text;
}

}  // namespace

std::string MakeDocument(const std::string& format, size_t bytes, unsigned seed) {
  std::string out;
  int section = 0;
  while (out.size() < bytes) {
    std::string name = "section_" + std::to_string(section);
    std::vector<std::pair<std::string, Scalar>> keys;
    for (int k = 0; k < 6; ++k)
      keys.emplace_back("key_" + std::to_string(k), MakeScalar(seed, section * 6 + k));
    if (format == "toml") {
      out += "[" + name + "]\n";
      for (auto& [k, v] : keys) out += k + " = " + Quote(v) + "\n";
      out += "tags = [\"a\", \"b\", \"c\"]\n\n";
    } else if (format == "yaml") {
      out += name + ":\n";
      for (auto& [k, v] : keys) out += "  " + k + ": " + Quote(v) + "\n";
      out += "  tags: [a, b, c]\n";
    } else if (format == "json") {
      out += out.empty() ? "{\n" : ",\n";
      out += "  \"" + name + "\": {";
      for (size_t i = 0; i < keys.size(); ++i) {
        out += (i ? ", " : "") + std::string("\"") + keys[i].first + "\": " + Quote(keys[i].second);
      }
      out += ", \"tags\": [\"a\", \"b\", \"c\"]}";
    } else {  // env
      for (auto& [k, v] : keys) {
        std::string upper = name + "__" + k;
        for (char& c : upper) c = static_cast<char>(toupper(c));
        out += upper + "=" + v.text + "\n";
      }
    }
    ++section;
  }
  if (format == "json") out += "\n}\n";
  return out;
}

CorpusStats WriteCorpus(const std::string& root, size_t configs, size_t main_bytes) {
  static const char* kFormats[] = {"toml", "json", "yaml", "env"};
  CorpusStats stats;
  for (size_t i = 0; i < configs; ++i) {
    char dir[32];
    snprintf(dir, sizeof(dir), "cfg%05zu", i);
    std::filesystem::path d = std::filesystem::path(root) / dir;
    std::filesystem::create_directories(d);
    std::string main_fmt = kFormats[i % 4];
    std::string over_fmt = kFormats[(i + 1) % 4];
    std::string main_doc = MakeDocument(main_fmt, main_bytes, static_cast<unsigned>(i));
    std::string over_doc = MakeDocument(over_fmt, main_bytes / 3, static_cast<unsigned>(i + 1));
    std::ofstream(d / ("00-main." + main_fmt)) << main_doc;
    std::ofstream(d / ("10-override." + over_fmt)) << over_doc;
    stats.files += 2;
    stats.bytes += main_doc.size() + over_doc.size();
    ++stats.configs;
  }
  return stats;
}

}  // namespace hearth::bench
