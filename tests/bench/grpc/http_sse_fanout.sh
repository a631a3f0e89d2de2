#!/usr/bin/env bash
# SSE fan-out: STREAMS connections each open GET /v1/watch?names=bench and read to `synced`;
# hearthd's VmRSS before and with them open (idle); then CHANGES saves of the config, each timed
# from the rename to the `updated` event on the last stream. hearthd on CPU $SERVER_CPU, the
# readers on CPU $CLIENT_CPU. Env: STREAMS (1000), CHANGES (5), OUT.
set -euo pipefail
source "$(dirname "$0")/common.sh"
STREAMS=${STREAMS:-1000}
CHANGES=${CHANGES:-5}
WORK=$(mktemp -d /tmp/hearth-ssefan.XXXXXX)
OUT=${OUT:-$WORK/out}
mkdir -p "$OUT" "$WORK/root/bench"
PID=
trap '[[ -n $PID ]] && stop_pid "$PID"; rm -rf "$WORK/root"' EXIT
echo 'x = 0' > "$WORK/root/bench/app.toml"
HTTP_PORT=$(free_port)
start_hearthd "$WORK/root" "$OUT/hearthd.log" --http-listen "127.0.0.1:$HTTP_PORT"
PID=$HEARTHD_PID
wait_log "$OUT/hearthd.log" 'serving HTTP on' >/dev/null
ulimit -n 65536 2>/dev/null || true
taskset -c "$CLIENT_CPU" python3 - "$HTTP_PORT" "$PID" "$STREAMS" "$CHANGES" "$WORK/root/bench" <<'PY'
import os, selectors, socket, sys, time
port, pid, n, changes, cfg = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) * 1024
before = rss()
sel = selectors.DefaultSelector()
bufs = {}
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /v1/watch?names=bench HTTP/1.1\r\nHost: x\r\n\r\n")
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ)
    bufs[s] = b""
def read_until(marker, deadline):
    waiting = set(bufs)
    last = None
    while waiting and time.perf_counter() < deadline:
        for key, _ in sel.select(timeout=1.0):
            s = key.fileobj
            data = s.recv(65536)
            if not data:
                raise SystemExit("a stream closed")
            bufs[s] += data
            if marker in bufs[s]:
                bufs[s] = b""
                waiting.discard(s)
                last = time.perf_counter()
    if waiting:
        raise SystemExit(f"{len(waiting)} streams did not see {marker!r}")
    return last
read_until(b"event: synced", time.perf_counter() + 60)
time.sleep(1.0)
idle = rss()
lat = []
for c in range(1, changes + 1):
    tmp = os.path.join(cfg, ".app.toml.tmp")
    open(tmp, "w").write(f"x = {c}\n")
    t0 = time.perf_counter()
    os.rename(tmp, os.path.join(cfg, "app.toml"))
    last = read_until(b"event: updated", t0 + 30)
    lat.append((last - t0) * 1000)
    time.sleep(0.2)
lat.sort()
print("| streams | VmRSS before | with streams idle | per stream | one change -> last stream (median, max of %d) |" % changes)
print("| --- | --- | --- | --- | --- |")
print(f"| {n} | {before / 2**20:.1f} MB | {idle / 2**20:.1f} MB | {(idle - before) / n / 1024:.1f} KiB "
      f"| {lat[len(lat) // 2]:.1f} ms, {lat[-1]:.1f} ms |")
PY
