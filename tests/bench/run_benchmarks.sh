#!/usr/bin/env bash
# Runs the engine benchmarks (and, with --daemon, the gRPC ones) against BUILD_DIR.
#   tests/bench/run_benchmarks.sh build            engine: cold load 10k, rebuild, serving
#   tests/bench/run_benchmarks.sh build --daemon   also tests/bench/grpc/run_all.sh
set -euo pipefail
build=${1:-build}
echo "== cold load, 10,000 configs (engine vs bare library parse loop, same threads)"
"$build/tests/bench/load_bench" --configs 10000 --threads 2 --rounds 3
echo "== rebuild one changed 4 KB config; serve cached renderings"
"$build/tests/bench/engine_bench" --benchmark_min_time=0.3
if [ "${2:-}" = "--daemon" ]; then
  BUILD="$build" tests/bench/grpc/run_all.sh
fi
