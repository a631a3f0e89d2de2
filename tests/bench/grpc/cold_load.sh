#!/usr/bin/env bash
# Cold load against the floor: how long `hearthd serve` takes from exec to its "loaded" log line
# for the load_bench corpus (10,000 mixed TOML/JSON/YAML/.env configs, 20,000 files), against a
# bare `cat` of the same files on one core, interleaved in the same run. The page cache is warm
# for both (each round reads the same files); what is compared is the work per byte.
# hearthd runs twice a round: pinned to one core, and on both cores (its default 2 load threads).
# Env: CONFIGS (10000), ROUNDS (5), OUT (result dir), HEARTHD_BEFORE (another hearthd binary,
# e.g. one built at an older commit, run interleaved on both cores). Prints a markdown table;
# medians.
set -euo pipefail
source "$(dirname "$0")/common.sh"
CONFIGS=${CONFIGS:-10000} ROUNDS=${ROUNDS:-5}
WORK=$(mktemp -d /tmp/hearth-coldload.XXXXXX)
OUT=${OUT:-$WORK/out}
mkdir -p "$OUT"
trap 'rm -rf "$WORK/corpus"' EXIT

"$BUILD/tests/bench/load_bench" --configs "$CONFIGS" --dir "$WORK/corpus" --write-only \
  | tee "$OUT/corpus.txt"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$OUT/load.txt"

python3 - "$HEARTHD" "$WORK/corpus" "$ROUNDS" "$SERVER_CPU" "$CLIENT_CPU" "${HEARTHD_BEFORE:-}" \
  <<'PY' | tee "$OUT/result.md"
import statistics, subprocess, sys, time

hearthd, corpus, rounds, cpu0, cpu1, before = sys.argv[1:7]
rounds = int(rounds)

def cat():
    start = time.perf_counter()
    subprocess.run(["taskset", "-c", cpu0, "sh", "-c",
                    f"find '{corpus}' -type f -print0 | xargs -0 cat > /dev/null"], check=True)
    return time.perf_counter() - start

def serve(cpus, binary=hearthd):
    start = time.perf_counter()
    p = subprocess.Popen(["taskset", "-c", cpus, binary, "serve", "--root", corpus,
                          "--grpc-listen", "127.0.0.1:0", "--metrics-listen", ""],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed, line = None, ""
    deadline = start + 120
    for line in p.stderr:
        if " loaded " in line:
            elapsed = time.perf_counter() - start
            break
        if time.perf_counter() > deadline:
            break
    p.terminate()
    p.wait(timeout=30)
    if elapsed is None:
        sys.exit(f"hearthd never logged 'loaded': {line}")
    if "0 with errors" not in line:
        sys.exit(f"hearthd loaded with errors: {line}")
    return elapsed

cat()  # warm the page cache
times = {"cat, 1 core": [], "hearthd, 1 core": [], "hearthd, 2 cores": []}
if before:
    times["hearthd before, 2 cores"] = []
for _ in range(rounds):
    times["cat, 1 core"].append(cat())
    times["hearthd, 1 core"].append(serve(cpu0))
    times["hearthd, 2 cores"].append(serve(f"{cpu0},{cpu1}"))
    if before:
        times["hearthd before, 2 cores"].append(serve(f"{cpu0},{cpu1}", before))
base = statistics.median(times["cat, 1 core"])
print("| what | median s | rounds (s) | / cat |")
print("| --- | --- | --- | --- |")
for name, ts in times.items():
    m = statistics.median(ts)
    print(f"| {name} | {m:.3f} | {' '.join(f'{t:.3f}' for t in ts)} | {m / base:.2f}x |")
PY
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/load.txt"
