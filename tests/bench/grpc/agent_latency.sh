#!/usr/bin/env bash
# hearth-agent with 100 outputs (one per config, .env rendered by hearthd): an atomic save of one
# config's source -> the agent's output renamed in place (IN_MOVED_TO on the output directory,
# read with inotify), and the agent's own event->rename histogram (hearth_agent_apply_seconds,
# from the WatchConfigs event's arrival to the rename, which is the agent's share). Then the
# agent's resident memory: VmRSS, and its split into anonymous memory (the agent's own) and
# file-backed pages (mostly libgrpc, libprotobuf, libstdc++ text, shared with every process on
# the node that maps the same files). hearthd on CPU $SERVER_CPU, the agent and the timing
# script on CPU $CLIENT_CPU. Outputs go to OUTPUT_DIR (default a tmpfs, as an emptyDir with medium: Memory;
# set it to a disk directory to include a real fsync). Env: N (200), PAUSE_MS (50), OUTPUTS (100).
set -euo pipefail
source "$(dirname "$0")/common.sh"
N=${N:-200}
PAUSE_MS=${PAUSE_MS:-50}
OUTPUTS=${OUTPUTS:-100}
AGENT=${AGENT:-$BUILD/client/agent/hearth-agent}
WORK=$(mktemp -d /tmp/hearth-agentlat.XXXXXX)
OUTPUT_DIR=${OUTPUT_DIR:-$(mktemp -d /dev/shm/hearth-agent-out.XXXXXX)}
PID=
APID=
trap '[[ -n $APID ]] && stop_pid "$APID"; [[ -n $PID ]] && stop_pid "$PID"; rm -rf "$WORK" "$OUTPUT_DIR"' EXIT
mkdir -p "$WORK/root" "$WORK/state"
for ((i = 0; i < OUTPUTS; i++)); do
  mkdir -p "$WORK/root/app$i"
  {
    echo "[db]"; echo "host = \"db-$i.internal\""; echo "port = 5432"; echo "[limits]"
    for ((k = 0; k < 30; k++)); do echo "key_$k = \"value-$k\""; done
  } > "$WORK/root/app$i/00-base.toml"
done
start_hearthd "$WORK/root" "$WORK/hearthd.log"
PID=$HEARTHD_PID
{
  echo "[agent]"
  echo "server = \"$HEARTHD_ADDR\""
  echo "client_id = \"bench-0\""
  echo "state_dir = \"$WORK/state\""
  echo "metrics_listen = \"127.0.0.1:0\""
  for ((i = 0; i < OUTPUTS; i++)); do
    echo "[[output]]"
    echo "id = \"app$i\""
    echo "config = \"app$i\""
    echo "format = \"env\""
    echo "destination = \"$OUTPUT_DIR/app$i.env\""
  done
} > "$WORK/agent.toml"
taskset -c "$CLIENT_CPU" "$AGENT" run -c "$WORK/agent.toml" > "$WORK/agent.log" 2>&1 &
APID=$!
METRICS_PORT=$(wait_log "$WORK/agent.log" 'metrics on 127\.0\.0\.1:0 \(port [0-9]+' |
  grep -oE '[0-9]+$')
for ((t = 0; t < 400; t++)); do
  [[ $(ls "$OUTPUT_DIR" | wc -l) -ge $OUTPUTS ]] && break
  sleep 0.05
done
taskset -c "$CLIENT_CPU" python3 - "$WORK/root" "$OUTPUT_DIR" "$N" "$PAUSE_MS" "$OUTPUTS" \
  "$METRICS_PORT" "$APID" <<'PY'
import ctypes, os, struct, sys, time, urllib.request
root, out_dir, n, pause_ms, outputs, port, agent_pid = sys.argv[1:8]
n, pause, outputs = int(n), int(pause_ms) / 1000.0, int(outputs)
libc = ctypes.CDLL("libc.so.6", use_errno=True)
IN_MOVED_TO = 0x80
fd = libc.inotify_init1(0)
assert fd >= 0
assert libc.inotify_add_watch(fd, out_dir.encode(), IN_MOVED_TO) >= 0

def metrics():
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    buckets, count = {}, 0
    for line in text.splitlines():
        if line.startswith("hearth_agent_apply_seconds_bucket"):
            le = line.split('le="')[1].split('"')[0]
            buckets[le] = float(line.split()[-1])
        elif line.startswith("hearth_agent_apply_seconds_count"):
            count = float(line.split()[-1])
    return buckets, count

def wait_moved(name):
    while True:
        buf = os.read(fd, 4096)
        off = 0
        while off < len(buf):
            _, mask, _, length = struct.unpack_from("iIII", buf, off)
            fname = buf[off + 16: off + 16 + length].rstrip(b"\0").decode()
            off += 16 + length
            if mask & IN_MOVED_TO and fname == name:
                return

before, count0 = metrics()
lat = []
for i in range(1, n + 1):
    app = f"app{i % outputs}"
    src = os.path.join(root, app, "00-base.toml")
    text = f'[db]\nhost = "db-{i}.internal"\nport = {5432 + i}\n'
    tmp = os.path.join(root, app, ".00-base.toml.tmp")
    with open(tmp, "w") as f:
        f.write(text)
    t0 = time.perf_counter()
    os.rename(tmp, src)
    wait_moved(f"{app}.env")
    lat.append((time.perf_counter() - t0) * 1e3)
    time.sleep(pause)
after, count1 = metrics()
lat.sort()
q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
print("| path | n | p50 ms | p90 ms | p99 ms | max ms |")
print("| --- | --- | --- | --- | --- | --- |")
print(f"| source rename -> output renamed (hearthd + agent) | {n} | {q(0.5):.2f} | {q(0.9):.2f} "
      f"| {q(0.99):.2f} | {lat[-1]:.2f} |")
total = count1 - count0
print()
print(f"Agent share, WatchConfigs event -> output renamed (hearth_agent_apply_seconds, {int(total)} "
      "changes): " + ", ".join(
          f"<= {float(le) * 1000:g} ms: {100 * (after[le] - before.get(le, 0)) / total:.1f}%"
          for le in ("0.0005", "0.001", "0.002", "0.005") if total))
rss = [l for l in open(f"/proc/{agent_pid}/status") if l.startswith(("VmRSS", "VmHWM", "RssAnon", "RssFile"))]
print()
print(f"Agent memory with {outputs} outputs: " +
      ", ".join(l.split()[0].rstrip(':') + " " + str(round(int(l.split()[1]) / 1024, 1)) + " MB"
                for l in rss))
PY
