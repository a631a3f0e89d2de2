#!/usr/bin/env bash
# The reporting path (ReportStatus / GetRolloutStatus) at fleet size: CLIENTS clients report one
# config each, then the rollout status query is timed. hearthd on CPU $SERVER_CPU, the client on
# CPU $CLIENT_CPU. Env: CLIENTS (10000), THREADS (8), QUERIES (200), OUT.
set -euo pipefail
source "$(dirname "$0")/common.sh"
CLIENTS=${CLIENTS:-10000}
THREADS=${THREADS:-8}
QUERIES=${QUERIES:-200}
WORK=$(mktemp -d /tmp/hearth-rollout.XXXXXX)
OUT=${OUT:-$WORK/out}
mkdir -p "$OUT" "$WORK/root/bench"
PID=
trap '[[ -n $PID ]] && stop_pid "$PID"; rm -rf "$WORK/root"' EXIT
printf '[server]\nport = 8080\n' >"$WORK/root/bench/00-base.toml"
start_hearthd "$WORK/root" "$OUT/hearthd.log"
PID=$HEARTHD_PID
taskset -c "$CLIENT_CPU" "$BENCH_BIN/rollout_bench" --addr "$HEARTHD_ADDR" --name bench \
  --clients "$CLIENTS" --threads "$THREADS" --queries "$QUERIES" | tee "$OUT/summary.txt"
echo "hearthd VmRSS after: $(grep VmRSS /proc/$PID/status | awk '{print $2, $3}')"
