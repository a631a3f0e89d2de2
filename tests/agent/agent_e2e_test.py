#!/usr/bin/env python3
"""hearth-agent with real programs: hearthd, nginx, a shell app that reloads on SIGHUP, a webhook.

Everything runs on loopback and in a temp dir; every wait is a bounded poll.

  nginx       the agent renders nginx.conf from a Mustache template, checks it with `nginx -t`,
              SIGHUPs nginx's master from its pidfile; curl sees a change within a second. A change
              hearthd accepts but nginx refuses leaves nginx serving the old one, and
              `hearthctl status` shows the client REJECTED with nginx's reason.
  env app     a shell program re-reads its .env on SIGHUP (the agent finds it by pidfile).
  webhook     a local HTTP server that fails its first two calls: the agent retries.
  hearthd     stopped while the agent runs, then the agent restarted with hearthd still down:
              the files stay, the agent serves from its snapshot and catches up when hearthd
              returns.
  --once      writes every output and exits 0; with hearthd down and no snapshot, exits 1.

Usage: agent_e2e_test.py HEARTHD HEARTHCTL HEARTH_AGENT
"""

import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HEARTHD, HEARTHCTL, AGENT = sys.argv[1:4]
FAILURES = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + (f": {detail}" if detail and not ok else ""))
    if not ok:
        FAILURES.append(what)
    return ok


def wait_for(predicate, timeout=10.0, interval=0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
            return r.read().decode()
    except Exception as e:  # noqa: BLE001 - connection refused while nginx starts
        return f"error: {e}"


def stable(port, body, n=10):
    """The same answer n times in a row (else prints what differed)."""
    for _ in range(n):
        got = http_get(port)
        if got != body:
            print(f"     got {got!r}, want {body!r}")
            return False
    return True


def one_worker(master):
    """nginx's master has exactly one worker: the workers of an earlier config have exited."""
    try:
        with open(f"/proc/{master}/task/{master}/children") as f:
            return len(f.read().split()) == 1
    except OSError:
        return False


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)  # an editor's atomic save


class Hearthd:
    def __init__(self, work, root):
        self.sock = os.path.join(work, "hearthd.sock")
        self.root = root
        self.proc = None
        self.log = open(os.path.join(work, "hearthd.log"), "ab")

    def start(self):
        self.proc = subprocess.Popen(
            [HEARTHD, "serve", "--root", self.root, "--grpc-listen", f"unix://{self.sock}",
             "--metrics-listen", "127.0.0.1:0"], stdout=self.log, stderr=self.log)
        ok = wait_for(lambda: self.ctl("health").returncode == 0, timeout=20)
        if not ok:
            raise RuntimeError("hearthd did not become healthy")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=20)

    def ctl(self, *args):
        return subprocess.run([HEARTHCTL, "--server", f"unix://{self.sock}", "--timeout", "5",
                               *args], capture_output=True, text=True, timeout=30)


class Agent:
    def __init__(self, work, config):
        self.config = config
        self.log_path = os.path.join(work, "agent.log")
        self.proc = None

    def start(self, *extra):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([AGENT, "run", "-c", self.config, *extra],
                                     stdout=self.log, stderr=self.log)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout=20)
        self.log.close()
        return code

    def status(self):
        out = subprocess.run([AGENT, "status", "-c", self.config, "-o", "json"],
                             capture_output=True, text=True, timeout=10)
        try:
            return out.returncode, json.loads(out.stdout)
        except json.JSONDecodeError:
            return out.returncode, {}

    def log_text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()


class Webhook(http.server.BaseHTTPRequestHandler):
    calls = []
    fail_first = 2

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Webhook.calls.append(body.decode())
        code = 503 if len(Webhook.calls) <= Webhook.fail_first else 200
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


NGINX_TEMPLATE = """\
worker_processes 1;
pid {{pidfile}};
error_log {{dir}}/nginx-error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path {{dir}}/body;
  proxy_temp_path {{dir}}/proxy;
  fastcgi_temp_path {{dir}}/fastcgi;
  uwsgi_temp_path {{dir}}/uwsgi;
  scgi_temp_path {{dir}}/scgi;
  server {
    listen 127.0.0.1:{{port}};
    location / { return {{site.status}} "{{site.greeting}}\\n"; }
  }
}
"""

ENV_APP = """\
#!/bin/sh
# Reads its .env at start and again on SIGHUP; records what it read.
load() { set -a; . "$1"; set +a; printf '%s\\n' "$GREETING" > "$2.tmp"; mv "$2.tmp" "$2"; }
trap 'load "$1" "$2"' HUP
echo $$ > "$3"
load "$1" "$2"
while :; do sleep 0.05; done
"""


def main():
    work = tempfile.mkdtemp(prefix="hearth_agent_e2e_")
    nginx = None
    env_app = None
    hearthd = None
    agent = None
    server = None
    try:
        root = os.path.join(work, "root")
        nginx_dir = os.path.join(work, "nginx")
        os.makedirs(nginx_dir)
        port = free_port()
        write(os.path.join(root, "web", "00-base.yaml"),
              f"site:\n  greeting: hello\n  status: 200\nport: {port}\n"
              f"dir: {nginx_dir}\npidfile: {nginx_dir}/nginx.pid\n")
        write(os.path.join(root, "app", "00-base.toml"), 'greeting = "first"\n')
        write(os.path.join(work, "nginx.conf.mustache"), NGINX_TEMPLATE)
        with open(os.path.join(work, "env-app.sh"), "w") as f:
            f.write(ENV_APP)

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Webhook)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        hook_port = server.server_address[1]

        hearthd = Hearthd(work, root)
        hearthd.start()

        out = os.path.join(work, "out")
        os.makedirs(out)
        config = os.path.join(work, "agent.toml")
        with open(config, "w") as f:
            f.write(f"""\
[agent]
server = "unix://{hearthd.sock}"
client_id = "e2e-0"
labels = {{ pod = "e2e-0", app = "web" }}
state_dir = "{work}/state"
status_file = "{work}/status.json"

[[output]]
id = "nginx"
config = "web"
template = "nginx.conf.mustache"
destination = "{out}/nginx.conf"
check = ["nginx", "-t", "-q", "-c", "{{{{file}}}}"]
[output.action]
signal = "HUP"
pidfile = "{nginx_dir}/nginx.pid"

[[output]]
id = "app-env"
config = "app"
format = "env"
destination = "{out}/app.env"
[output.action]
signal = "HUP"
pidfile = "{work}/env-app.pid"

[[output]]
id = "app-json"
config = "app"
format = "json"
destination = "{out}/app.json"
[output.action]
url = "http://127.0.0.1:{hook_port}/reload"
max_attempts = 5
initial_backoff = "20ms"
max_backoff = "100ms"
""")
        os.makedirs(os.path.join(work, "state"))

        # --once: an init container writes every output before the app starts.
        once = subprocess.run([AGENT, "run", "-c", config, "--once", "--once-timeout", "20s"],
                              capture_output=True, text=True, timeout=60)
        check("--once exits 0", once.returncode == 0, once.stderr)
        check("--once wrote nginx.conf", os.path.exists(f"{out}/nginx.conf"))
        check("--once wrote app.env", open(f"{out}/app.env").read() == "GREETING=first\n")
        check("--once ran no action", Webhook.calls == [], str(Webhook.calls))

        # The apps start from the files.
        nginx = subprocess.Popen(["nginx", "-c", f"{out}/nginx.conf", "-g", "daemon off;"],
                                 stderr=subprocess.DEVNULL)
        check("nginx serves the first version", wait_for(lambda: http_get(port) == "hello\n"),
              str(http_get(port)))
        env_app = subprocess.Popen(["sh", f"{work}/env-app.sh", f"{out}/app.env",
                                    f"{work}/env-app.seen", f"{work}/env-app.pid"])
        check("the env app read its file",
              wait_for(lambda: os.path.exists(f"{work}/env-app.seen") and
                       open(f"{work}/env-app.seen").read() == "first\n"))

        agent = Agent(work, config)
        agent.start()
        check("agent status is healthy",
              wait_for(lambda: agent.status()[0] == 0, timeout=15), str(agent.status()))
        check("unchanged files are not rewritten, no action ran", Webhook.calls == [],
              str(Webhook.calls))

        # A change reaches nginx within a second.
        started = time.monotonic()
        write(os.path.join(root, "web", "00-base.yaml"),
              f"site:\n  greeting: changed\n  status: 200\nport: {port}\n"
              f"dir: {nginx_dir}\npidfile: {nginx_dir}/nginx.pid\n")
        served = wait_for(lambda: http_get(port) == "changed\n", timeout=5, interval=0.005)
        elapsed = time.monotonic() - started
        check("nginx serves the change", served)
        check(f"within a second ({elapsed * 1000:.0f} ms)", elapsed < 1.0)
        # nginx's old workers finish their connections after a reload; wait until only the new
        # ones answer, so the next checks see the state they test.
        check("the old workers are gone", wait_for(lambda: one_worker(nginx.pid), timeout=10))

        # Valid for hearthd, refused by nginx: nginx keeps serving, status shows REJECTED.
        write(os.path.join(root, "web", "10-bad.yaml"), "site:\n  status: 1000\n")
        rejected = wait_for(lambda: "REJECTED" in hearthd.ctl("status", "web").stdout, timeout=10)
        status = hearthd.ctl("status", "web")
        check("hearthctl status shows the client REJECTED", rejected, status.stdout)
        detailed = hearthd.ctl("status", "web", "-o", "json").stdout
        check("with nginx's reason", "invalid return code" in detailed, detailed)
        check("hearthctl status exits non-zero while a client rejects", status.returncode != 0)
        check("nginx still serves the last good version", stable(port, "changed\n"),
              str(http_get(port)))
        check("the destination keeps the last good file",
              "return 200" in open(f"{out}/nginx.conf").read())
        code, st = agent.status()
        check("agent status exits 1 with the rejection", code == 1, str(st))
        check("no staged file is left behind",
              [n for n in os.listdir(out) if n.startswith(".")] == [], str(os.listdir(out)))
        # Fixed: the next version goes out.
        os.remove(os.path.join(root, "web", "10-bad.yaml"))
        write(os.path.join(root, "web", "10-bad.yaml"), "site:\n  greeting: fixed\n")
        check("the fix is served", wait_for(lambda: http_get(port) == "fixed\n", timeout=10))
        check("after the reload, one worker", wait_for(lambda: one_worker(nginx.pid), timeout=10))
        check("hearthctl status is complete again",
              wait_for(lambda: hearthd.ctl("status", "web").returncode == 0, timeout=10),
              hearthd.ctl("status", "web").stdout)

        # One change, two outputs: the env app reloads on SIGHUP, the webhook is retried.
        write(os.path.join(root, "app", "00-base.toml"), 'greeting = "second"\n')
        check("the env app re-read its file on SIGHUP",
              wait_for(lambda: open(f"{work}/env-app.seen").read() == "second\n", timeout=10))
        check("the webhook was retried until it succeeded",
              wait_for(lambda: len(Webhook.calls) == 3, timeout=10), str(Webhook.calls))
        check("the webhook names the output",
              all(json.loads(c) == {"outputs": ["app-json"]} for c in Webhook.calls),
              str(Webhook.calls))

        # hearthd goes away: the files stay; the agent restarted without it serves its snapshot.
        hearthd.stop()
        code, st = wait_for(lambda: (lambda r: r if r[0] == 1 else None)(agent.status()),
                            timeout=10) or agent.status()
        check("agent status says disconnected", code == 1 and not st.get("connected"), str(st))
        check("agent stops on SIGTERM", agent.stop() == 0)
        os.remove(f"{out}/app.env")  # a fresh emptyDir would not have it either
        agent.start("--startup-grace", "300ms")
        check("restarted without hearthd, the agent restores from its snapshot",
              wait_for(lambda: os.path.exists(f"{out}/app.env"), timeout=10))
        check("the restored file is the last applied version",
              open(f"{out}/app.env").read() == "GREETING=second\n")
        code, st = agent.status()
        check("status shows outputs served from snapshot",
              code == 1 and {o["state"] for o in st.get("outputs", [])} == {"snapshot"}, str(st))
        check("nginx kept serving", wait_for(lambda: one_worker(nginx.pid), timeout=10) and
              stable(port, "fixed\n"))
        # A change made while hearthd is down is picked up when it returns.
        write(os.path.join(root, "app", "00-base.toml"), 'greeting = "third"\n')
        hearthd.start()
        check("the agent catches up when hearthd returns",
              wait_for(lambda: open(f"{out}/app.env").read() == "GREETING=third\n", timeout=15))
        check("and is healthy again", wait_for(lambda: agent.status()[0] == 0, timeout=10),
              str(agent.status()))
        log = agent.log_text()
        check("the log never carries a config value",
              "third" not in log and "second" not in log and "changed" not in log)
        agent.stop()
        agent = None

        # --once with nothing to read: hearthd down, no snapshot.
        hearthd.stop()
        shutil.rmtree(f"{work}/state")
        started = time.monotonic()
        once = subprocess.run([AGENT, "run", "-c", config, "--once", "--once-timeout", "1s"],
                              capture_output=True, text=True, timeout=30)
        check("--once without hearthd or snapshot exits 1", once.returncode == 1, once.stderr)
        check("--once gives up at its timeout", time.monotonic() - started < 10)
    finally:
        for p in (agent.proc if agent else None, env_app, nginx,
                  hearthd.proc if hearthd else None):
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
        if server:
            server.shutdown()
        if FAILURES:
            for name in ("agent.log", "hearthd.log", "nginx/nginx-error.log"):
                path = os.path.join(work, name)
                if os.path.exists(path):
                    print(f"--- {name} (tail)")
                    print("".join(open(path, errors="replace").readlines()[-30:]))
        shutil.rmtree(work, ignore_errors=True)
    print(f"{len(FAILURES)} failure(s)")
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
