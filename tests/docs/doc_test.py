#!/usr/bin/env python3
"""Runs the examples in README.md and docs/*.md and checks what they print.

A fenced block whose info string is `console` is runnable: each line starting with `$ ` is a
command (a trailing backslash continues it on the next line), and the lines after it, up to the
next command or the end of the block, are what it must print (stdout and stderr together).
In the expected output, a line `...` matches any number of lines, and `[exit N]` as the last line
says the command exits with N (otherwise it must exit 0). Other blocks (`sh`, `toml`, ...) are
illustrations and are not run.

Each document runs in its own scratch directory holding a copy of docs/examples, with `build`
pointing at the build tree, and against its own live `hearthd serve` over that copy. The daemon
listens on free ports; every `127.0.0.1:7070` (gRPC), `127.0.0.1:7071` (metrics) and
`127.0.0.1:7080` (HTTP) in a command is rewritten to them, and HEARTH_SERVER is set, so the
examples read as a user would type them.
Commands of one document run in order in one bash process, so variables carry over.

Usage: doc_test.py SOURCE_DIR BINARY_DIR [DOC ...]
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

COMMAND_TIMEOUT_S = 30
DAEMON_START_TIMEOUT_S = 30


class Example:
    def __init__(self, doc, line, command):
        self.doc = doc
        self.line = line  # 1-based line of the command in the document
        self.command = command
        self.expected = []
        self.exit_code = 0


def extract(doc_path, rel):
    examples = []
    in_block = False
    current = None
    with open(doc_path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if not in_block:
            if stripped.startswith("```") and stripped[3:].strip() == "console":
                in_block = True
            i += 1
            continue
        if stripped.startswith("```"):
            in_block = False
            current = None
            i += 1
            continue
        if line.startswith("$ "):
            start = i + 1
            command = line[2:]
            while command.endswith("\\") and i + 1 < len(lines):
                i += 1
                command = command + "\n" + lines[i]
            current = Example(rel, start, command)
            examples.append(current)
        elif current is not None:
            m = re.fullmatch(r"\[exit (\d+)\]", stripped)
            if m:
                current.exit_code = int(m.group(1))
            else:
                current.expected.append(line)
        i += 1
    if in_block:
        raise SystemExit(f"{rel}: unterminated console block")
    return examples


def matches(expected, actual):
    """Whether `actual` lines match `expected` lines, where '...' matches any run of lines."""
    if not expected:
        return not actual
    if expected[0] == "...":
        return any(matches(expected[1:], actual[k:]) for k in range(len(actual) + 1))
    return bool(actual) and expected[0] == actual[0] and matches(expected[1:], actual[1:])


class Daemon:
    def __init__(self, binary_dir, root, scratch):
        self.log_path = os.path.join(scratch, "hearthd.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [os.path.join(binary_dir, "server", "hearthd"), "serve", "--root", root,
             "--grpc-listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0",
             "--http-listen", "127.0.0.1:0"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.grpc_port = None
        self.metrics_port = None
        self.http_port = None
        deadline = time.monotonic() + DAEMON_START_TIMEOUT_S
        while time.monotonic() < deadline:
            text = open(self.log_path, encoding="utf-8", errors="replace").read()
            g = re.search(r"serving gRPC on 127\.0\.0\.1:(\d+)", text)
            m = re.search(r"serving metrics on 127\.0\.0\.1:(\d+)", text)
            h = re.search(r"serving HTTP on 127\.0\.0\.1:(\d+)", text)
            if g and m and h and re.search(r"\bready \(last file event", text):
                self.grpc_port, self.metrics_port = g.group(1), m.group(1)
                self.http_port = h.group(1)
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        self.stop()
        raise SystemExit("hearthd did not become ready:\n" + open(self.log_path).read())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def run_doc(source_dir, binary_dir, rel):
    examples = extract(os.path.join(source_dir, rel), rel)
    if not examples:
        return 0, 0
    scratch = tempfile.mkdtemp(prefix="hearth_doctest_")
    try:
        shutil.copytree(os.path.join(source_dir, "docs", "examples"),
                        os.path.join(scratch, "docs", "examples"), symlinks=True)
        os.symlink(binary_dir, os.path.join(scratch, "build"))
        daemon = Daemon(binary_dir, os.path.join(scratch, "docs", "examples", "configs"), scratch)
        try:
            return run_examples(examples, scratch, binary_dir, daemon)
        finally:
            daemon.stop()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run_examples(examples, scratch, binary_dir, daemon):
    # One bash script for the whole document: each command's output and exit code to files.
    script = ["set +e"]
    for n, ex in enumerate(examples):
        command = ex.command.replace("127.0.0.1:7070", "127.0.0.1:" + daemon.grpc_port)
        command = command.replace("127.0.0.1:7071", "127.0.0.1:" + daemon.metrics_port)
        command = command.replace("127.0.0.1:7080", "127.0.0.1:" + daemon.http_port)
        script.append(f"{{\n{command}\n}} > .out{n} 2>&1 < /dev/null; echo $? > .rc{n}")
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.join(binary_dir, "server"),
                                   os.path.join(binary_dir, "client"), env.get("PATH", "")])
    env["HEARTH_SERVER"] = "127.0.0.1:" + daemon.grpc_port
    env["LC_ALL"] = "C.UTF-8"
    try:
        subprocess.run(["bash", "-c", "\n".join(script)], cwd=scratch, env=env,
                       timeout=COMMAND_TIMEOUT_S * len(examples), check=False)
    except subprocess.TimeoutExpired:
        pass
    passed = failed = 0
    for n, ex in enumerate(examples):
        out_path, rc_path = os.path.join(scratch, f".out{n}"), os.path.join(scratch, f".rc{n}")
        actual = open(out_path, encoding="utf-8", errors="replace").read() if os.path.exists(
            out_path) else "<not run: an earlier command hung>"
        rc = int(open(rc_path).read()) if os.path.exists(rc_path) else -1
        actual_lines = actual.split("\n")
        if actual_lines and actual_lines[-1] == "":
            actual_lines.pop()
        expected = list(ex.expected)
        while expected and expected[-1] == "":
            expected.pop()
        if rc == ex.exit_code and matches(expected, actual_lines):
            passed += 1
            continue
        failed += 1
        print(f"FAIL {ex.doc}:{ex.line}: $ {ex.command}")
        print(f"  exit code {rc}, expected {ex.exit_code}")
        print("  expected:\n    " + "\n    ".join(expected))
        print("  printed:\n    " + "\n    ".join(actual_lines))
    return passed, failed


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    source_dir, binary_dir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    docs = sys.argv[3:] or ["README.md"] + sorted(
        os.path.join("docs", d) for d in os.listdir(os.path.join(source_dir, "docs"))
        if d.endswith(".md"))
    total_passed = total_failed = 0
    for rel in docs:
        passed, failed = run_doc(source_dir, binary_dir, rel)
        if passed or failed:
            print(f"{rel}: {passed} passed, {failed} failed")
        total_passed += passed
        total_failed += failed
    print(f"{total_passed} passed, {total_failed} failed")
    if total_passed == 0:
        print("no runnable examples found")
        return 1
    return 1 if total_failed else 0


if __name__ == "__main__":
    sys.exit(main())
