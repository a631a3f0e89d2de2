#!/usr/bin/env bash
# Atomic save (rename of a 4 KB TOML) -> WatchConfigs UPDATED at a client, N changes, for each
# debounce setting in DEBOUNCES ("5ms 1ms": hearthd's default, then a 1 ms window to show the
# floor), each with --leading-edge in LEADING ("true false": a rename in is a settled change, so
# with the leading edge on it is rebuilt without waiting for the window). hearthd on CPU
# $SERVER_CPU, client on CPU $CLIENT_CPU. Env: N (200), OUT.
set -euo pipefail
source "$(dirname "$0")/common.sh"
N=${N:-200}
DEBOUNCES=${DEBOUNCES:-"5ms 1ms"}
LEADING=${LEADING:-"true false"}
WORK=$(mktemp -d /tmp/hearth-wlat.XXXXXX)
OUT=${OUT:-$WORK/out}
mkdir -p "$OUT"
PID=
trap '[[ -n $PID ]] && stop_pid "$PID"; rm -rf "$WORK/root"' EXIT
echo "| --leading-edge | --debounce | --debounce-max | n | p50 ms | p90 ms | p99 ms | max ms | min ms |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for le in $LEADING; do
for db in $DEBOUNCES; do
  rm -rf "$WORK/root"; mkdir -p "$WORK/root/bench"
  python3 -c 'import sys
t="[data]\n"+"".join(f"key_{i:04d} = \"value-{i:04d}-{0:020d}\"\n" for i in range(90))
open(sys.argv[1],"w").write(t)' "$WORK/root/bench/app.toml"
  start_hearthd "$WORK/root" "$OUT/hearthd-$le-$db.log" --debounce "$db" --debounce-max 50ms \
    --leading-edge "$le"
  PID=$HEARTHD_PID
  line=$(taskset -c "$CLIENT_CPU" "$BENCH_BIN/watch_latency" --addr "$HEARTHD_ADDR" \
    --file "$WORK/root/bench/app.toml" --name bench --n "$N" --bytes 4096 \
    --raw "$OUT/latency-$le-$db.txt")
  stop_pid "$PID"; PID=
  echo "$line" >"$OUT/summary-$le-$db.txt"
  python3 - "$line" "$db" "$le" <<'PY'
import sys
kv = dict(x.split("=") for x in sys.argv[1].split()[1:])
ms = lambda k: f"{int(kv[k]) / 1000:.2f}"
print(f"| {sys.argv[3]} | {sys.argv[2]} | 50ms | {kv['n']} | {ms('p50')} | {ms('p90')} | {ms('p99')} | "
      f"{ms('max')} | {ms('min')} |")
PY
done
done
echo "raw latencies (us): $OUT/latency-*.txt" >&2
