#!/usr/bin/env bash
# ValidateConfig throughput over gRPC with a 2 KB TOML candidate layered over a 2 KB config with
# a schema: cache hits (the same candidate every call), misses (every candidate distinct), and the
# hit pattern with the cache disabled (--validate-cache-bytes 0), in one run. hearthd on CPU
# $SERVER_CPU, the client (THREADS threads, one call in flight each) on CPU $CLIENT_CPU.
# Env: SECONDS_EACH (10), THREADS (8), BYTES (2048), OUT.
set -euo pipefail
source "$(dirname "$0")/common.sh"
SECONDS_EACH=${SECONDS_EACH:-10}
THREADS=${THREADS:-8}
BYTES=${BYTES:-2048}
WORK=$(mktemp -d /tmp/hearth-vrps.XXXXXX)
OUT=${OUT:-$WORK/out}
mkdir -p "$OUT" "$WORK/root/bench"
PID=
trap '[[ -n $PID ]] && stop_pid "$PID"; rm -rf "$WORK/root"' EXIT
python3 -c 'import sys
t="generation = 0\n[data]\n"+"".join(f"key_{i:04d} = \"value-{i:04d}-{0:020d}\"\n" for i in range(45))
open(sys.argv[1]+"/00-base.toml","w").write(t)
open(sys.argv[1]+"/_schema.json","w").write("{\"type\":\"object\",\"required\":[\"generation\"],"
  "\"properties\":{\"generation\":{\"type\":\"integer\"},\"data\":{\"type\":\"object\","
  "\"additionalProperties\":{\"type\":\"string\",\"maxLength\":64}}}}")' "$WORK/root/bench"
echo "| cache | candidates | threads | calls | errors | validations/s | p50 ms | p99 ms |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
run() {  # run CACHE_BYTES MODE LABEL
  start_hearthd "$WORK/root" "$OUT/hearthd-$3.log" --validate-cache-bytes "$1"
  PID=$HEARTHD_PID
  line=$(taskset -c "$CLIENT_CPU" "$BENCH_BIN/validate_rps" --addr "$HEARTHD_ADDR" --name bench \
    --mode "$2" --bytes "$BYTES" --threads "$THREADS" --seconds "$SECONDS_EACH")
  stop_pid "$PID"; PID=
  echo "$line" >"$OUT/summary-$3.txt"
  python3 - "$line" "$3" "$THREADS" <<'PY'
import sys
kv = dict(x.split("=") for x in sys.argv[1].split()[1:])
ms = lambda k: f"{int(kv[k]) / 1000:.2f}"
cache, mode = sys.argv[2].split("-")
cands = "identical" if mode == "hit" else "distinct"
print(f"| {cache} | {cands} | {sys.argv[3]} | {kv['calls']} | {kv['errors']} | {kv['rps']} | "
      f"{ms('p50_us')} | {ms('p99_us')} |")
PY
}
run 67108864 hit on-hit
run 67108864 miss on-miss
run 0 hit off-hit
