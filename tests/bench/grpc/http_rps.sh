#!/usr/bin/env bash
# Cached HTTP GET of a ~1 KB document with keep-alive, wrk as the client, for two servers:
#   hearthd  GET /v1/configs/bench on --http-listen (the document rendered once per version)
#   nginx    a static file of the same bytes (sendfile on, access log off, one worker)
# Both servers on CPU $SERVER_CPU (hearthd's HTTP threads: 1), wrk on CPU $CLIENT_CPU; runs
# interleaved (hearthd, nginx) x ROUNDS. Env: ROUNDS (3), DURATION (10 s), CONNECTIONS (64),
# WRK_THREADS (1), OUT. Prints a markdown table; raw wrk output in $OUT.
set -euo pipefail
source "$(dirname "$0")/common.sh"
ROUNDS=${ROUNDS:-3} DURATION=${DURATION:-10} CONNECTIONS=${CONNECTIONS:-64}
WRK_THREADS=${WRK_THREADS:-1}
WORK=$(mktemp -d /tmp/hearth-httprps.XXXXXX)
OUT=${OUT:-$WORK/out}
mkdir -p "$OUT" "$WORK/root/bench" "$WORK/www" "$WORK/nginx"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do stop_pid "$p"; done; rm -rf "$WORK/root" "$WORK/www"; }
trap cleanup EXIT

python3 - "$WORK/root/bench/app.toml" <<'PY'
import sys
lines = ["[service]"] + [f'key_{i:02d} = "value-{i:02d}-{"x" * 12}"' for i in range(30)]
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY

HTTP_PORT=$(free_port)
start_hearthd "$WORK/root" "$OUT/hearthd.log" --http-listen "127.0.0.1:$HTTP_PORT"
PIDS+=("$HEARTHD_PID")
wait_log "$OUT/hearthd.log" 'serving HTTP on' >/dev/null
curl -s "http://127.0.0.1:$HTTP_PORT/v1/configs/bench" > "$WORK/www/bench.json"
chmod a+rx "$WORK" "$WORK/www"; chmod a+r "$WORK/www/bench.json"  # nginx workers are not root
BYTES=$(stat -c %s "$WORK/www/bench.json")

NGINX_PORT=$(free_port)
cat > "$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  types { application/json json; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $WORK/www;
  }
}
EOF
taskset -c "$SERVER_CPU" nginx -c "$WORK/nginx/nginx.conf" 2>"$OUT/nginx.log" &
PIDS+=("$!")
for ((i = 0; i < 100; i++)); do
  curl -sf "http://127.0.0.1:$NGINX_PORT/bench.json" >/dev/null && break
  sleep 0.05
done
cmp -s <(curl -s "http://127.0.0.1:$NGINX_PORT/bench.json") "$WORK/www/bench.json"

declare -A URL=([hearthd]="http://127.0.0.1:$HTTP_PORT/v1/configs/bench"
                [nginx]="http://127.0.0.1:$NGINX_PORT/bench.json")
declare -A RESULTS
for ((r = 1; r <= ROUNDS; r++)); do
  for s in hearthd nginx; do
    taskset -c "$CLIENT_CPU" wrk -t "$WRK_THREADS" -c "$CONNECTIONS" -d "${DURATION}s" \
      --latency "${URL[$s]}" > "$OUT/$s-$r.txt"
    rps=$(awk '/Requests\/sec/ {print $2}' "$OUT/$s-$r.txt")
    RESULTS[$s]+="$rps "
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
H=$(echo "${RESULTS[hearthd]}" | median)
N=$(echo "${RESULTS[nginx]}" | median)
echo "| server | requests/s per round | median |"
echo "| --- | --- | --- |"
echo "| hearthd GET /v1/configs/bench ($BYTES bytes) | ${RESULTS[hearthd]}| $H |"
echo "| nginx static file, same bytes | ${RESULTS[nginx]}| $N |"
echo
python3 -c "print(f'hearthd / nginx: {float(\"$H\") / float(\"$N\"):.2f}x')"
