# Sourced by the bench scripts. Binaries: HEARTHD (default $BUILD/server/hearthd) and the bench
# executables in BENCH_BIN (default: $BUILD/tests/bench/grpc). BUILD defaults to /work/main/build.
BUILD=${BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/build}
HEARTHD=${HEARTHD:-$BUILD/server/hearthd}
BENCH_BIN=${BENCH_BIN:-$BUILD/tests/bench/grpc}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_log FILE REGEX [TIMEOUT_S]: prints the first match of REGEX (grep -o) once it appears.
wait_log() {
  local file=$1 re=$2 t=${3:-20} i
  for ((i = 0; i < t * 20; i++)); do
    if grep -qoE "$re" "$file" 2>/dev/null; then grep -oE "$re" "$file" | head -1; return 0; fi
    sleep 0.05
  done
  echo "timeout waiting for /$re/ in $file" >&2; cat "$file" >&2; return 1
}

# start_hearthd ROOT LOG [FLAGS...]: pinned to SERVER_CPU; sets HEARTHD_PID and HEARTHD_ADDR.
start_hearthd() {
  local root=$1 log=$2; shift 2
  taskset -c "$SERVER_CPU" "$HEARTHD" serve --root "$root" --grpc-listen 127.0.0.1:0 \
    --metrics-listen "" "$@" 2>"$log" >>"$log" &
  HEARTHD_PID=$!
  HEARTHD_ADDR=$(wait_log "$log" 'serving gRPC on 127\.0\.0\.1:[0-9]+' | awk '{print $NF}')
  [[ -n $HEARTHD_ADDR ]]
}

# The last command of an && list trips set -e: wait returns the killed process's status.
stop_pid() { kill "$1" 2>/dev/null && wait "$1" 2>/dev/null || true; }
