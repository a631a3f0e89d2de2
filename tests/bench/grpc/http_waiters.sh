#!/usr/bin/env bash
# Memory of parked blocking GETs: hearthd's VmRSS before and while WAITERS connections each hold
# `GET /v1/configs/bench?wait=60s` with a current If-None-Match, then one change that answers
# them all, timed from the save to the last answer. Env: WAITERS (1000), OUT.
set -euo pipefail
source "$(dirname "$0")/common.sh"
WAITERS=${WAITERS:-1000}
WORK=$(mktemp -d /tmp/hearth-httpwait.XXXXXX)
OUT=${OUT:-$WORK/out}
mkdir -p "$OUT" "$WORK/root/bench"
PID=
trap '[[ -n $PID ]] && stop_pid "$PID"; rm -rf "$WORK/root"' EXIT
echo 'x = 1' > "$WORK/root/bench/app.toml"
HTTP_PORT=$(free_port)
start_hearthd "$WORK/root" "$OUT/hearthd.log" --http-listen "127.0.0.1:$HTTP_PORT"
PID=$HEARTHD_PID
wait_log "$OUT/hearthd.log" 'serving HTTP on' >/dev/null
ulimit -n 65536 2>/dev/null || true
taskset -c "$CLIENT_CPU" python3 - "$HTTP_PORT" "$PID" "$WAITERS" "$WORK/root/bench" <<'PY'
import os, selectors, socket, sys, time
port, pid, n, cfg = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) * 1024
before = rss()
s = socket.create_connection(("127.0.0.1", port))
s.sendall(b"GET /v1/configs/bench HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
head = b""
while b"\r\n\r\n" not in head:
    head += s.recv(4096)
etag = [l.split(b": ", 1)[1] for l in head.split(b"\r\n") if l.lower().startswith(b"etag:")][0]
s.close()
req = (b"GET /v1/configs/bench?wait=60s HTTP/1.1\r\nHost: x\r\nIf-None-Match: " + etag +
       b"\r\n\r\n")
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(req)
    socks.append(s)
time.sleep(1.0)  # all parked (none can answer before a change)
during = rss()
tmp = os.path.join(cfg, ".app.toml.tmp")
open(tmp, "w").write("x = 2\n")
t0 = time.perf_counter()
os.rename(tmp, os.path.join(cfg, "app.toml"))
sel = selectors.DefaultSelector()
for s in socks:
    sel.register(s, selectors.EVENT_READ)
left = len(socks)
answered = 0
last = t0
deadline = t0 + 30
while left and time.perf_counter() < deadline:
    for key, _ in sel.select(timeout=1.0):
        data = key.fileobj.recv(4096)
        if data.startswith(b"HTTP/1.1 200"):
            answered += 1
        last = time.perf_counter()
        sel.unregister(key.fileobj)
        left -= 1
print(f"| waiters | VmRSS before | VmRSS while parked | per waiter | answered after one change | save -> last answer |")
print(f"| --- | --- | --- | --- | --- | --- |")
print(f"| {n} | {before / 2**20:.1f} MB | {during / 2**20:.1f} MB | {(during - before) / n / 1024:.1f} KiB "
      f"| {answered} | {(last - t0) * 1000:.1f} ms |")
PY
