#!/usr/bin/env bash
# Unary requests/s, same load generator and pinning for three servers:
#   hearthd  cached GetConfig of a ~1 KB config
#   etcd     serializable Range of a 1 KB value (Debian etcd-server 3.4)
#   bare     bare_server: the callback-API gRPC server returning a constant ~1 KB GetConfigResponse
#   before   (only with HEARTHD_BEFORE=path) another hearthd binary, e.g. the previous commit's
# Server on CPU $SERVER_CPU, h2load on CPU $CLIENT_CPU; runs interleaved (a,b,c) x ROUNDS.
# Env: ROUNDS (3), DURATION (10 s), WARMUP (2 s), H2_CLIENTS (8), H2_STREAMS (32), OUT (result dir),
# HEARTHD_BEFORE.
# Prints a markdown table; raw h2load output in $OUT.
set -euo pipefail
source "$(dirname "$0")/common.sh"
ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10} WARMUP=${WARMUP:-2}
H2_CLIENTS=${H2_CLIENTS:-8} H2_STREAMS=${H2_STREAMS:-32}
WORK=$(mktemp -d /tmp/hearth-rps.XXXXXX)
OUT=${OUT:-$WORK/out}
mkdir -p "$OUT"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do stop_pid "$p"; done; rm -rf "$WORK/etcd" "$WORK/root"; }
trap cleanup EXIT

# ~1 KB config: the canonical JSON served is about 1 KB.
mkdir -p "$WORK/root/bench"
python3 - "$WORK/root/bench/app.toml" <<'PY'
import sys
lines = ["[service]"] + [f'key_{i:02d} = "value-{i:02d}-{"x" * 12}"' for i in range(30)]
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
# 1 KB value for etcd.
VALUE=$(python3 -c 'print("v" * 1024, end="")')

# gRPC frames: 0x00 + big-endian length + message.
# GetConfigRequest{name="bench"}: 0a 05 "bench".  RangeRequest{key="bench", serializable=true}:
# 0a 05 "bench" 38 01.
printf '\x00\x00\x00\x00\x07\x0a\x05bench' >"$WORK/get.bin"
printf '\x00\x00\x00\x00\x09\x0a\x05bench\x38\x01' >"$WORK/range.bin"
HDRS=(-H 'content-type: application/grpc' -H 'te: trailers')

# --- servers ---
start_hearthd "$WORK/root" "$OUT/hearthd.log"
PIDS+=("$HEARTHD_PID")
declare -A SPID=([hearthd]=$HEARTHD_PID)
HEARTHD_URL="http://$HEARTHD_ADDR/hearth.v1.ConfigService/GetConfig"

CPORT=$(free_port) PPORT=$(free_port)
# setsid: etcd gets its own session (no terminal signals from this script's group).
setsid taskset -c "$SERVER_CPU" etcd --name bench --data-dir "$WORK/etcd" \
  --listen-client-urls "http://127.0.0.1:$CPORT" --advertise-client-urls "http://127.0.0.1:$CPORT" \
  --listen-peer-urls "http://127.0.0.1:$PPORT" --initial-advertise-peer-urls "http://127.0.0.1:$PPORT" \
  --initial-cluster "bench=http://127.0.0.1:$PPORT" --log-level error >"$OUT/etcd.log" 2>&1 &
PIDS+=("$!")
SPID[etcd]=$!
for i in $(seq 100); do
  ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:$CPORT" put bench "$VALUE" >/dev/null 2>&1 && break
  sleep 0.1
done
ETCDCTL_API=3 etcdctl --endpoints "127.0.0.1:$CPORT" get bench --print-value-only | wc -c \
  | xargs -I{} echo "etcd value bytes (with newline): {}" >"$OUT/etcd-check.txt"
ETCD_URL="http://127.0.0.1:$CPORT/etcdserverpb.KV/Range"

taskset -c "$SERVER_CPU" "$BENCH_BIN/bare_server" --listen 127.0.0.1:0 >"$OUT/bare.log" 2>&1 &
PIDS+=("$!")
SPID[bare]=$!
BARE_ADDR=$(wait_log "$OUT/bare.log" 'listening on 127\.0\.0\.1:[0-9]+' | awk '{print $NF}')
BARE_URL="http://$BARE_ADDR/hearth.v1.ConfigService/GetConfig"

declare -A URL=([hearthd]=$HEARTHD_URL [etcd]=$ETCD_URL [bare]=$BARE_URL)
declare -A BODY=([hearthd]=$WORK/get.bin [etcd]=$WORK/range.bin [bare]=$WORK/get.bin)
TARGETS=(hearthd etcd bare)
if [[ -n ${HEARTHD_BEFORE:-} ]]; then
  HEARTHD=$HEARTHD_BEFORE start_hearthd "$WORK/root" "$OUT/hearthd-before.log"
  PIDS+=("$HEARTHD_PID")
  SPID[before]=$HEARTHD_PID
  URL[before]="http://$HEARTHD_ADDR/hearth.v1.ConfigService/GetConfig"
  BODY[before]=$WORK/get.bin
  TARGETS=(hearthd before etcd bare)
fi

# --- grpc-status check (h2load only sees HTTP status) and response size ---
for t in "${TARGETS[@]}"; do
  nghttp -v "${HDRS[@]}" -d "${BODY[$t]}" "${URL[$t]}" >"$OUT/nghttp-$t.txt" 2>&1 || true
  st=$(grep -aoE 'grpc-status: [0-9]+' "$OUT/nghttp-$t.txt" | head -1 | awk '{print $2}')
  len=$(grep -aoE 'recv DATA frame <length=[0-9]+' "$OUT/nghttp-$t.txt" | head -1 | grep -oE '[0-9]+$')
  echo "$t grpc-status=${st:-missing} response_frame_bytes=${len:-?}" | tee -a "$OUT/check.txt" >&2
  if [[ ${st:-} != 0 ]]; then echo "FAIL: $t did not answer grpc-status 0" >&2; exit 1; fi
done

# CPU ticks (user+system) a process has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TCK=$(getconf CLK_TCK)

# --- interleaved runs ---
for r in $(seq "$ROUNDS"); do
  for t in "${TARGETS[@]}"; do
    f="$OUT/h2load-$t-$r.txt"
    # Warm-up run (discarded), then the measured run with the server's CPU time around it.
    taskset -c "$CLIENT_CPU" h2load -t 1 -c "$H2_CLIENTS" -m "$H2_STREAMS" -D "$WARMUP" \
      "${HDRS[@]}" -d "${BODY[$t]}" "${URL[$t]}" >/dev/null 2>&1
    c0=$(cpu_ticks "${SPID[$t]}") w0=$(date +%s.%N)
    taskset -c "$CLIENT_CPU" h2load -t 1 -c "$H2_CLIENTS" -m "$H2_STREAMS" -D "$DURATION" \
      "${HDRS[@]}" -d "${BODY[$t]}" "${URL[$t]}" >"$f" 2>&1
    c1=$(cpu_ticks "${SPID[$t]}") w1=$(date +%s.%N)
    rps=$(grep -oE 'finished in [^,]+, [0-9.]+ req/s' "$f" | grep -oE '[0-9.]+ req/s' | awk '{print $1}')
    ok=$(grep -oE '[0-9]+ succeeded' "$f" | awk '{print $1}')
    # Server CPU in % of one core, and CPU microseconds per successful request.
    read -r cpu us <<<"$(python3 -c "c=($c1-$c0)/$TCK; print(f'{100*c/($w1-$w0):.0f} {1e6*c/max(${ok:-0},1):.1f}')")"
    echo "$r $t $rps $ok $cpu $us" >>"$OUT/rps.txt"
    echo "round $r $t: ${rps:-?} req/s (${ok:-?} ok), server CPU ${cpu}%, ${us} us/req" >&2
  done
done

python3 - "$OUT/rps.txt" "$H2_CLIENTS" "$H2_STREAMS" "$DURATION" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
med, us = {}, {}
print("| server | req/s per round | median req/s | server CPU % per round | server CPU us/req (median) |")
print("| --- | --- | --- | --- | --- |")
for t in ("hearthd", "before", "etcd", "bare"):
    v = [float(r[2]) for r in rows if r[1] == t and r[2] != ""]
    if not v:
        continue
    med[t] = statistics.median(v)
    cpu = [r[4] for r in rows if r[1] == t]
    us[t] = statistics.median([float(r[5]) for r in rows if r[1] == t])
    print(f"| {t} | " + " / ".join(f"{x:,.0f}" for x in v) + f" | **{med[t]:,.0f}** | "
          + " / ".join(cpu) + f" | {us[t]:.1f} |")
print()
print(f"hearthd/etcd = **{med['hearthd']/med['etcd']:.2f}x** (goal >= 4x); "
      f"hearthd/bare = **{med['hearthd']/med['bare']:.2f}x** (goal >= 1.0x)")
if "before" in med:
    print(f"before/bare = {med['before']/med['bare']:.2f}x; hearthd/before = "
          f"{med['hearthd']/med['before']:.2f}x")
print(f"(h2load -t 1 -c {sys.argv[2]} -m {sys.argv[3]} -D {sys.argv[4]}, medians of runs)")
print("server CPU per request: " + ", ".join(f"{t}/bare = {us[t]/us['bare']:.2f}"
                                              for t in us if t != "bare"))
PY
echo "raw output: $OUT" >&2
