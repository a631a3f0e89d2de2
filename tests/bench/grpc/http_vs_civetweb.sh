#!/usr/bin/env bash
# Why the HTTP API is on Beast and not civetweb: one hearthd serves /metrics on civetweb (16
# threads, 1 s request timeout) and the API on Beast. Each gets a crowd of clients that send half
# a request line and stop (CIVET_IDLE, default 64; BEAST_IDLE, default 1000), then one real GET,
# timed. Prints a markdown table.
set -euo pipefail
source "$(dirname "$0")/common.sh"
WORK=$(mktemp -d /tmp/hearth-civet.XXXXXX)
PID=
trap '[[ -n $PID ]] && stop_pid "$PID"; rm -rf "$WORK"' EXIT
mkdir -p "$WORK/root/app"
echo 'x = 1' > "$WORK/root/app/00.toml"
"$HEARTHD" serve --root "$WORK/root" --grpc-listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 \
  --http-listen 127.0.0.1:0 > "$WORK/log" 2>&1 &
PID=$!
M=$(wait_log "$WORK/log" 'serving metrics on 127\.0\.0\.1:[0-9]+' | grep -oE '[0-9]+$')
H=$(wait_log "$WORK/log" 'serving HTTP on 127\.0\.0\.1:[0-9]+' | grep -oE '[0-9]+$')
ulimit -n 65536 2>/dev/null || true
python3 - "$M" "$H" "$PID" "${CIVET_IDLE:-64}" "${BEAST_IDLE:-1000}" <<'PY'
import socket, sys, time
m, h, pid, civet_idle, beast_idle = (int(a) for a in sys.argv[1:6])
def threads():
    return int([l for l in open(f"/proc/{pid}/status") if l.startswith("Threads")][0].split()[1])
def timed_get(port, path):
    t0 = time.perf_counter()
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(30)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    while s.recv(65536):
        pass
    s.close()
    return (time.perf_counter() - t0) * 1000
print("| server | half-open connections | process threads | the real GET answered after |")
print("| --- | --- | --- | --- |")
for name, port, path, n in [("civetweb (hearthd's /metrics)", m, "/metrics", civet_idle),
                            ("Beast (the HTTP API)", h, "/v1/configs/app", beast_idle)]:
    before = threads()
    idle = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"GET ")
        idle.append(s)
    time.sleep(0.3)
    ms = timed_get(port, path)
    print(f"| {name} | {n} | {before} -> {threads()} | {ms:,.1f} ms |")
    for s in idle:
        s.close()
    time.sleep(1.5)
PY
