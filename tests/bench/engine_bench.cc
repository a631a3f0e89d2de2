// Micro-benchmarks of the engine's hot paths (Google Benchmark):
//   - rebuilding one changed ~4 KB config (read, parse, merge, interpolate, validate, render,
//     publish), next to parsing the same text alone with toml++ as the in-run baseline;
//   - parsing one ~4 KB document through our front end (ParseDocument: BOM, UTF-8, positions,
//     our rules, the Value tree) and with the bare library alone (toml++, simdjson's DOM);
//   - serving a cached rendering, counting heap allocations per call (the contract is zero).
//
//   engine_bench --benchmark_min_time=0.5
#include <simdjson.h>
#include <toml++/toml.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>

#include "benchmark/benchmark.h"
#include "server/core/config_engine.h"
#include "server/core/parse/parse_document.h"
#include "server/core/store/config_renderer.h"
#include "tests/bench/corpus.h"
#include "tests/bench/front_end_loop.h"

// Counts every heap allocation in the process, so a benchmark can report allocations per call.
static std::atomic<uint64_t> g_allocations{0};
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

class TempTree {
 public:
  TempTree() {
    char tmpl[] = "/tmp/hearth-engine-bench-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempTree() { std::filesystem::remove_all(path_); }
  void Write(const std::string& rel, const std::string& content) {
    std::filesystem::create_directories(std::filesystem::path(path_ + "/" + rel).parent_path());
    std::ofstream(path_ + "/" + rel, std::ios::trunc) << content;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const char* kSchema = R"({"type":"object","properties":{
  "section_0":{"type":"object","properties":{"key_0":{"type":"number"}}}}})";

const char* kFormats[] = {"toml", "json", "yaml", "env"};

void BM_RebuildChanged4KB(benchmark::State& state) {
  const bool with_schema = state.range(0) != 0;
  const std::string format = kFormats[state.range(1)];
  const std::string file = "app/00-main." + format;
  TempTree tree;
  std::string a = hearth::bench::MakeDocument(format, 4096, 1);
  std::string b = hearth::bench::MakeDocument(format, 4096, 5);  // same shape, other values
  tree.Write(file, a);
  if (with_schema) tree.Write("app/_schema.json", kSchema);
  hearth::ConfigEngine::Options o;
  o.roots = {tree.path()};
  hearth::ConfigEngine engine(o);
  engine.ScanAll();
  bool flip = false;
  for (auto _ : state) {
    state.PauseTiming();
    tree.Write(file, flip ? a : b);
    flip = !flip;
    state.ResumeTiming();
    hearth::ConfigEngine::Report r = engine.Rebuild("app");
    if (r.published != 1) state.SkipWithError("rebuild did not publish");
  }
  state.counters["bytes"] = static_cast<double>(a.size());
}
BENCHMARK(BM_RebuildChanged4KB)
    ->ArgsProduct({{0, 1}, {0, 1, 2, 3}})
    ->ArgNames({"schema", "format"})
    ->Unit(benchmark::kMicrosecond);

// Baseline for the above: toml++ alone parsing the same text from memory.
void BM_TomlParseOnly4KB(benchmark::State& state) {
  std::string a = hearth::bench::MakeDocument("toml", 4096, 1);
  for (auto _ : state) {
    auto t = toml::parse(a);
    benchmark::DoNotOptimize(t);
  }
}
BENCHMARK(BM_TomlParseOnly4KB)->Unit(benchmark::kMicrosecond);

// Our front end for one format, 4 KB of text to a Value tree with positions.
void BM_FrontEndParse4KB(benchmark::State& state) {
  hearth::bench::TimeFrontEnd(state, kFormats[state.range(0)], 4096);
}
BENCHMARK(BM_FrontEndParse4KB)->ArgName("format")->DenseRange(0, 3)->Unit(benchmark::kMicrosecond);

// Baseline for the JSON front end: simdjson's DOM parse alone (padded copy included, as ours).
void BM_SimdjsonParseOnly4KB(benchmark::State& state) {
  const std::string text = hearth::bench::MakeDocument("json", 4096, 1);
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::padded_string padded(text);
    simdjson::dom::element root;
    if (parser.parse(padded).get(root) != simdjson::SUCCESS) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(root);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_SimdjsonParseOnly4KB)->Unit(benchmark::kMicrosecond);

void BM_ServeCachedWholeDocument(benchmark::State& state) {
  TempTree tree;
  tree.Write("app/00-main.json", hearth::bench::MakeDocument("json", 1024, 3));
  hearth::ConfigEngine::Options o;
  o.roots = {tree.path()};
  hearth::ConfigEngine engine(o);
  engine.ScanAll();
  const hearth::ConfigRenderer renderer(&engine.store(), {});
  uint64_t allocs_before = g_allocations.load();
  size_t bytes = 0;
  for (auto _ : state) {
    auto r = renderer.Render("app", "", "");
    bytes += r->doc->json->size();
    benchmark::DoNotOptimize(r);
  }
  state.counters["allocs_per_call"] =
      benchmark::Counter(static_cast<double>(g_allocations.load() - allocs_before),
                         benchmark::Counter::kAvgIterations);
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_ServeCachedWholeDocument)->Threads(1)->Threads(2);

void BM_ServeCachedSubtree(benchmark::State& state) {
  TempTree tree;
  tree.Write("app/00-main.json", hearth::bench::MakeDocument("json", 1024, 3));
  hearth::ConfigEngine::Options o;
  o.roots = {tree.path()};
  hearth::ConfigEngine engine(o);
  engine.ScanAll();
  const hearth::ConfigRenderer renderer(&engine.store(), {});
  uint64_t allocs_before = g_allocations.load();
  for (auto _ : state) {
    auto r = renderer.Render("app", "", "section_1");
    benchmark::DoNotOptimize(r);
  }
  state.counters["allocs_per_call"] =
      benchmark::Counter(static_cast<double>(g_allocations.load() - allocs_before),
                         benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_ServeCachedSubtree);

}  // namespace

BENCHMARK_MAIN();
