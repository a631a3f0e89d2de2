#!/usr/bin/env bash
# Atomic save (rename of a 4 KB TOML) -> the UPDATED line printed by `hearthctl watch`, read from
# its stdout: the latency a user watching in a terminal (or a script reading hearthctl) sees,
# through the real client and its output path. For each --leading-edge in LEADING ("true false")
# at hearthd's default debounce. hearthd on CPU $SERVER_CPU; hearthctl and the timing script on
# CPU $CLIENT_CPU. Env: N (200), PAUSE_MS (80), OUT.
set -euo pipefail
source "$(dirname "$0")/common.sh"
N=${N:-200}
PAUSE_MS=${PAUSE_MS:-80}
LEADING=${LEADING:-"true false"}
HEARTHCTL=${HEARTHCTL:-$BUILD/client/hearthctl}
WORK=$(mktemp -d /tmp/hearth-wlatctl.XXXXXX)
OUT=${OUT:-$WORK/out}
mkdir -p "$OUT"
PID=
trap '[[ -n $PID ]] && stop_pid "$PID"; rm -rf "$WORK/root"' EXIT
echo "| client | --leading-edge | n | p50 ms | p90 ms | p99 ms | max ms | min ms |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for le in $LEADING; do
  rm -rf "$WORK/root"; mkdir -p "$WORK/root/bench"
  start_hearthd "$WORK/root" "$OUT/hearthd-$le.log" --leading-edge "$le"
  PID=$HEARTHD_PID
  taskset -c "$CLIENT_CPU" python3 - "$HEARTHCTL" "$HEARTHD_ADDR" "$WORK/root/bench" "$N" \
    "$PAUSE_MS" "$le" "$OUT/latency-hearthctl-$le.txt" <<'PY'
import os, subprocess, sys, time
hearthctl, addr, cfg, n, pause_ms, le, raw = sys.argv[1:8]
n, pause = int(n), int(pause_ms) / 1000.0
path = os.path.join(cfg, "app.toml")
def doc(i):
    body = "".join(f'key_{k:04d} = "value-{k:04d}-{i:020d}"\n' for k in range(90))
    return "[data]\n" + body
with open(path, "w") as f:
    f.write(doc(0))
deadline = time.monotonic() + 20
# The first config must be loaded before the watch starts (the snapshot then names it).
proc = subprocess.Popen([hearthctl, "--server", addr, "watch", "bench"], stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL, bufsize=0)
out = proc.stdout
def line():
    s = out.readline()
    if not s:
        raise SystemExit("hearthctl watch ended")
    return s.decode()
while "SYNCED" not in line():
    if time.monotonic() > deadline:
        raise SystemExit("no snapshot")
lat = []
for i in range(1, n + 1):
    tmp = os.path.join(cfg, ".app.toml.tmp")
    with open(tmp, "w") as f:
        f.write(doc(i))
    t0 = time.perf_counter()
    os.rename(tmp, path)
    while " UPDATED " not in line():
        pass
    lat.append((time.perf_counter() - t0) * 1e3)
    time.sleep(pause)
proc.kill()
with open(raw, "w") as f:
    f.write("\n".join(f"{x:.3f}" for x in lat) + "\n")
s = sorted(lat)
q = lambda p: s[min(len(s) - 1, int(p * len(s)))]
print(f"| hearthctl watch | {le} | {n} | {q(0.5):.2f} | {q(0.9):.2f} | {q(0.99):.2f} | "
      f"{s[-1]:.2f} | {s[0]:.2f} |")
PY
  stop_pid "$PID"; PID=
done
echo "raw latencies (ms): $OUT/latency-hearthctl-*.txt" >&2
