// Cold-load benchmark: time for ConfigEngine::ScanAll to publish N configs, against a bare loop
// that reads and parses the same files with the libraries alone (toml++, simdjson, libfyaml's
// document tree; .env with our own parser, the only one there is), on the same number of
// threads, interleaved in one run. Also reports resident memory per config and per source byte.
//
//   load_bench --configs 10000 --threads 2 --rounds 5
//   load_bench --configs 100000 --memory-only
#include <libfyaml.h>
#include <malloc.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

#include "CLI/CLI.hpp"
#include "server/core/config_engine.h"
#include "server/core/parse/parse_document.h"
#include "simdjson.h"
#include "tests/bench/corpus.h"

namespace {

using Clock = std::chrono::steady_clock;

size_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

std::vector<std::string> ListFiles(const std::string& root) {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (e.is_regular_file()) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The baseline: read + parse every file with the bare libraries, `threads` threads.
double BareLoop(const std::string& root, int threads, size_t* parsed_ok) {
  auto start = Clock::now();
  // Listing is part of the work the engine does too.
  std::vector<std::string> files = ListFiles(root);
  std::atomic<size_t> next{0}, ok{0};
  auto worker = [&] {
    simdjson::dom::parser json;
    for (size_t i = next++; i < files.size(); i = next++) {
      const std::string& path = files[i];
      std::ifstream in(path, std::ios::binary);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::string_view ext = std::string_view(path).substr(path.rfind('.') + 1);
      try {
        if (ext == "toml") {
          auto table = toml::parse(text);
          if (table.empty()) continue;
        } else if (ext == "json") {
          simdjson::dom::element doc;
          if (json.parse(text).get(doc) != simdjson::SUCCESS) continue;
        } else if (ext == "yaml") {
          fy_parse_cfg cfg{};
          cfg.flags = static_cast<fy_parse_cfg_flags>(FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2);
          fy_document* doc = fy_document_build_from_string(&cfg, text.data(), text.size());
          if (doc == nullptr) continue;
          fy_document_destroy(doc);
        } else {
          if (!hearth::ParseEnv(text, hearth::SourceRef{path, 0}).ok()) continue;
        }
        ++ok;
      } catch (...) {
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  *parsed_ok = ok;
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double EngineLoad(const std::string& root, int threads, size_t* published,
                  std::unique_ptr<hearth::ConfigEngine>* keep = nullptr) {
  hearth::ConfigEngine::Options o;
  o.roots = {root};
  o.load_threads = threads;
  auto start = Clock::now();
  auto engine = std::make_unique<hearth::ConfigEngine>(o);
  hearth::ConfigEngine::Report r = engine->ScanAll();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();
  *published = r.published;
  if (r.failed != 0) std::cerr << "warning: " << r.failed << " configs failed to build\n";
  if (keep) *keep = std::move(engine);
  return secs;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Hearth cold-load benchmark"};
  size_t configs = 10000;
  int threads = 2;
  int rounds = 5;
  bool memory_only = false;
  std::string dir;
  app.add_option("--configs", configs, "Number of configs")->capture_default_str();
  app.add_option("--threads", threads, "Threads for both engine and baseline")
      ->capture_default_str();
  app.add_option("--rounds", rounds, "Interleaved rounds (median reported)")->capture_default_str();
  app.add_option("--dir", dir, "Corpus directory (default: a fresh temp dir, removed at exit)");
  app.add_flag("--memory-only", memory_only, "Only load once and report memory");
  bool write_only = false;
  app.add_flag("--write-only", write_only,
               "Only write the corpus into --dir (for tests/bench/grpc/cold_load.sh)");
  CLI11_PARSE(app, argc, argv);

  bool made = dir.empty();
  if (made) {
    char tmpl[] = "/tmp/hearth-load-bench-XXXXXX";
    dir = mkdtemp(tmpl);
  }
  hearth::bench::CorpusStats corpus;
  if (made || !std::filesystem::exists(dir + "/cfg00000")) {
    corpus = hearth::bench::WriteCorpus(dir, configs);
  } else {
    for (const std::string& f : ListFiles(dir)) {
      ++corpus.files;
      corpus.bytes += std::filesystem::file_size(f);
    }
    corpus.configs = corpus.files / 2;
  }
  std::printf("corpus: %zu configs, %zu files, %.1f MB (avg %.0f bytes/config)\n", corpus.configs,
              corpus.files, corpus.bytes / 1e6, double(corpus.bytes) / corpus.configs);
  if (write_only) return 0;
  size_t n = 0;

  if (!memory_only) {
    BareLoop(dir, threads, &n);  // warm the page cache
    std::vector<double> bare, engine;
    size_t parsed = 0, published = 0;
    for (int r = 0; r < rounds; ++r) {
      bare.push_back(BareLoop(dir, threads, &parsed));
      engine.push_back(EngineLoad(dir, threads, &published));
    }
    double b = Median(bare), e = Median(engine);
    std::printf("threads=%d rounds=%d\n", threads, rounds);
    std::printf("bare parse loop : median %.3f s (%zu files parsed)\n", b, parsed);
    std::printf("engine ScanAll  : median %.3f s (%zu configs published)\n", e, published);
    std::printf("ratio engine/bare: %.2fx\n", e / b);
  }

  malloc_trim(0);
  size_t before = ResidentBytes();
  std::unique_ptr<hearth::ConfigEngine> kept;
  double secs = EngineLoad(dir, threads, &n, &kept);
  malloc_trim(0);
  size_t after = ResidentBytes();
  double delta = static_cast<double>(after - before);
  std::printf(
      "memory: load %.3f s; resident +%.1f MB for %zu configs: %.0f bytes/config, "
      "%.2f bytes per source byte\n",
      secs, delta / 1e6, n, delta / std::max<size_t>(n, 1),
      delta / std::max<size_t>(corpus.bytes, 1));
  // Where the bytes go, by the versions' own accounting: the served JSON, the packed source text
  // (blame), and everything else a version holds (names, etags, vectors); the rest of the
  // resident growth is the store's entries, the allocator's headers and its free holes.
  size_t json_bytes = 0, packed_bytes = 0, source_bytes = 0, version_bytes = 0;
  for (const auto& entry : kept->store().List()) {
    if (entry->version == nullptr) continue;
    const hearth::ConfigVersion& v = *entry->version;
    for (const hearth::RenderedDocument& r : v.variants) json_bytes += r.json->capacity();
    packed_bytes += v.contents.packed_bytes();
    source_bytes += v.contents.original_bytes();
    version_bytes += v.ApproximateBytes();
  }
  const struct mallinfo2 heap = mallinfo2();
  const double per = static_cast<double>(std::max<size_t>(n, 1));
  std::printf(
      "per config: canonical JSON %.0f B, source text %.0f B packed from %.0f B (%.2fx), rest of "
      "the version %.0f B, outside the versions %.0f B; heap in use %.1f MB, free %.1f MB\n",
      json_bytes / per, packed_bytes / per, source_bytes / per,
      source_bytes / std::max(1.0, static_cast<double>(packed_bytes)),
      (version_bytes - json_bytes - packed_bytes) / per, (delta - version_bytes) / per,
      heap.uordblks / 1e6, heap.fordblks / 1e6);
  kept.reset();
  if (made) std::filesystem::remove_all(dir);
  return 0;
}
