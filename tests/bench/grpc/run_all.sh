#!/usr/bin/env bash
# Runs the daemon benchmarks and prints a markdown summary (results go in docs/benchmarks.md).
# Needs: hearthd and the tests/bench/grpc binaries built (BUILD or HEARTHD/BENCH_BIN), h2load and
# nghttp (nghttp2-client), etcd and etcdctl (etcd-server, etcd-client), taskset, python3.
# SMOKE=1: a quick pass (1 round of 2 s, 20 latency samples, 1000 streams) to check the setup.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/common.sh"
if [[ ${SMOKE:-0} == 1 ]]; then
  export ROUNDS=1 DURATION=2 WARMUP=1 N=20 STREAMS=1000 CHANGES=1 SECONDS_EACH=2
fi
OUT_ROOT=${OUT_ROOT:-$(mktemp -d /tmp/hearth-bench.XXXXXX)}
echo "## Daemon benchmarks ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs: server on CPU $SERVER_CPU, client on CPU $CLIENT_CPU)"
echo
echo "hearthd: $HEARTHD; etcd $(etcd --version | head -1 | awk '{print $3}'); $(h2load --version | head -1)"
echo
echo "### GetConfig requests/s (1 KB)"
echo
OUT=$OUT_ROOT/rps "$HERE/get_rps.sh"
echo
echo "### ValidateConfig validations/s (2 KB candidate; cache hits, misses, cache off)"
echo
OUT=$OUT_ROOT/validate "$HERE/validate_rps.sh"
echo
echo "### Atomic save -> WatchConfigs UPDATED latency (4 KB TOML)"
echo
OUT=$OUT_ROOT/latency "$HERE/watch_latency.sh"
echo
echo "### Atomic save -> the UPDATED line of \`hearthctl watch\`"
echo
OUT=$OUT_ROOT/latency-hearthctl "$HERE/watch_latency_hearthctl.sh"
echo
echo "### Watch fan-out"
echo
OUT=$OUT_ROOT/fanout "$HERE/watch_fanout.sh"
echo
echo "raw output: $OUT_ROOT"
