#pragma once

#include <cstddef>
#include <string>

#include "benchmark/benchmark.h"
#include "server/core/parse/parse_document.h"
#include "tests/bench/corpus.h"

namespace hearth::bench {

// Times our front end (ParseDocument) on a ~`bytes` corpus document in `format` ("toml", "json",
// "yaml", "env"): text to a Value tree with positions. Shared by engine_bench and parse_bench;
// reports bytes processed, so Google Benchmark prints MB/s.
inline void TimeFrontEnd(benchmark::State& state, const char* format, size_t bytes) {
  const std::string text = MakeDocument(format, bytes, 1);
  const Format f = FormatFromFileName(std::string("a.") + format);
  const SourceRef src{"a", 0};
  for (auto _ : state) {
    auto v = ParseDocument(f, text, src);
    if (!v.ok()) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(v);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
}

}  // namespace hearth::bench
