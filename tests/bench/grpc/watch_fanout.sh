#!/usr/bin/env bash
# STREAMS (10000) concurrent WatchConfigs streams over CHANNELS (16) connections on one hearthd:
# hearthd RSS per stream, then CHANGES (3) atomic saves timed until every stream got UPDATED.
# hearthd on CPU $SERVER_CPU, client on CPU $CLIENT_CPU. Env: DEBOUNCE (5ms), OUT.
set -euo pipefail
source "$(dirname "$0")/common.sh"
STREAMS=${STREAMS:-10000} CHANNELS=${CHANNELS:-16} CHANGES=${CHANGES:-3} DEBOUNCE=${DEBOUNCE:-5ms}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
WORK=$(mktemp -d /tmp/hearth-wfan.XXXXXX)
OUT=${OUT:-$WORK/out}
mkdir -p "$OUT" "$WORK/root/bench"
PID=
trap '[[ -n $PID ]] && stop_pid "$PID"; rm -rf "$WORK/root"' EXIT
python3 -c 'import sys
t="[data]\n"+"".join(f"key_{i:04d} = \"value-{i:04d}-{0:020d}\"\n" for i in range(90))
open(sys.argv[1],"w").write(t)' "$WORK/root/bench/app.toml"
start_hearthd "$WORK/root" "$OUT/hearthd.log" --debounce "$DEBOUNCE" \
  --max-watch-streams $((STREAMS + 100)) --max-streams-per-connection 2000
PID=$HEARTHD_PID
taskset -c "$CLIENT_CPU" "$BENCH_BIN/watch_fanout" --addr "$HEARTHD_ADDR" --pid "$PID" \
  --file "$WORK/root/bench/app.toml" --name bench --streams "$STREAMS" --channels "$CHANNELS" \
  --changes "$CHANGES" --bytes 4096 | tee "$OUT/fanout.txt" >&2
python3 - "$OUT/fanout.txt" "$DEBOUNCE" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
kv = dict(re.findall(r"(\w+)=([\w.]+)", text))
print(f"- streams: {kv['streams']} over {kv['channels']} connections, all got their snapshot "
      f"in {kv['open_s']} s")
print(f"- hearthd RSS: {int(kv['rss_idle_kb'])/1024:.1f} MiB idle, "
      f"{int(kv['rss_connected_kb'])/1024:.1f} MiB with connections, "
      f"{int(kv['rss_open_kb'])/1024:.1f} MiB with all streams open -> "
      f"**{float(kv['bytes_per_stream'])/1024:.1f} KiB per stream**")
print(f"- one change (debounce {sys.argv[2]}) to all streams:")
print("  | change | first ms | p50 ms | p99 ms | last ms |")
print("  | --- | --- | --- | --- | --- |")
for m in re.finditer(r"change_(\d+) received=\d+ first_ms=([\d.]+) p50_ms=([\d.]+) "
                     r"p99_ms=([\d.]+) last_ms=([\d.]+)", text):
    print("  | " + " | ".join(m.groups()) + " |")
PY
