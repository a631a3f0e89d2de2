// Parse throughput per format (Google Benchmark, MB/s): our front end (ParseDocument: BOM, UTF-8,
// positions, our rules, the Value tree) against the bare library it wraps, on the bench corpus
// documents of ~4 KB and ~64 KB (tests/bench/corpus.h).
//   - BM_FrontEnd/format:F/kb:K   ParseDocument (format 0 toml, 1 json, 2 yaml, 3 env)
//   - BM_TomlParse                toml++ toml::parse
//   - BM_SimdjsonDom              simdjson's DOM parse (the padded copy included, as ours)
//   - BM_FyEvents                 libfyaml's event parser, scalar text fetched (what ours reads)
//   - BM_FyDocument               libfyaml's own document tree (fy_document_build_from_string)
//   - BM_YamlCppLoad              yaml-cpp's YAML::Load, the previous YAML library, for comparison
//                                 (built only when libyaml-cpp-dev is installed)
// .env has no library: ParseDocument is the only parser.
//
//   parse_bench --benchmark_min_time=0.3
#include <libfyaml.h>
#include <simdjson.h>
#include <toml++/toml.h>

#include <string>

#include "benchmark/benchmark.h"
#include "server/core/parse/parse_document.h"
#include "tests/bench/corpus.h"
#include "tests/bench/front_end_loop.h"
#include "tests/bench/yaml_libs/bare_fy_parser.h"
#ifdef HEARTH_BENCH_YAML_CPP
#include <yaml-cpp/yaml.h>
#endif

namespace {

const char* kFormats[] = {"toml", "json", "yaml", "env"};

std::string Document(const char* format, const benchmark::State& state) {
  return hearth::bench::MakeDocument(format, static_cast<size_t>(state.range(0)) * 1024, 1);
}

void Bytes(benchmark::State& state, const std::string& text) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

void BM_FrontEnd(benchmark::State& state) {
  hearth::bench::TimeFrontEnd(state, kFormats[state.range(1)],
                              static_cast<size_t>(state.range(0)) * 1024);
}
BENCHMARK(BM_FrontEnd)->ArgsProduct({{4, 64}, {0, 1, 2, 3}})->ArgNames({"kb", "format"});

void BM_TomlParse(benchmark::State& state) {
  const std::string text = Document("toml", state);
  for (auto _ : state) {
    auto table = toml::parse(text);
    benchmark::DoNotOptimize(table);
  }
  Bytes(state, text);
}
BENCHMARK(BM_TomlParse)->ArgName("kb")->Arg(4)->Arg(64);

void BM_SimdjsonDom(benchmark::State& state) {
  const std::string text = Document("json", state);
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::padded_string padded(text);
    simdjson::dom::element root;
    if (parser.parse(padded).get(root) != simdjson::SUCCESS) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(root);
  }
  Bytes(state, text);
}
BENCHMARK(BM_SimdjsonDom)->ArgName("kb")->Arg(4)->Arg(64);

// The same parser setup as server/core/parse/yaml_parser.cc, minus our work on each event.
void BM_FyEvents(benchmark::State& state) {
  const std::string text = Document("yaml", state);
  for (auto _ : state) {
    hearth::bench::BareFyParser bare(text);
    fy_parser* parser = bare.parser();
    size_t scalar_bytes = 0;
    while (fy_event* event = fy_parser_parse(parser)) {
      if (event->type == FYET_SCALAR) {
        size_t length = 0;
        fy_token_get_text(event->scalar.value, &length);
        scalar_bytes += length;
      }
      fy_parser_event_free(parser, event);
    }
    if (fy_parser_get_stream_error(parser)) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(scalar_bytes);
  }
  Bytes(state, text);
}
BENCHMARK(BM_FyEvents)->ArgName("kb")->Arg(4)->Arg(64);

void BM_FyDocument(benchmark::State& state) {
  const std::string text = Document("yaml", state);
  fy_parse_cfg cfg{};
  cfg.flags = static_cast<fy_parse_cfg_flags>(FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2);
  for (auto _ : state) {
    fy_document* doc = fy_document_build_from_string(&cfg, text.data(), text.size());
    if (doc == nullptr) state.SkipWithError("parse failed");
    fy_document_destroy(doc);
  }
  Bytes(state, text);
}
BENCHMARK(BM_FyDocument)->ArgName("kb")->Arg(4)->Arg(64);

#ifdef HEARTH_BENCH_YAML_CPP
void BM_YamlCppLoad(benchmark::State& state) {
  const std::string text = Document("yaml", state);
  for (auto _ : state) {
    YAML::Node node = YAML::Load(text);
    benchmark::DoNotOptimize(node);
  }
  Bytes(state, text);
}
BENCHMARK(BM_YamlCppLoad)->ArgName("kb")->Arg(4)->Arg(64);
#endif

}  // namespace

BENCHMARK_MAIN();
