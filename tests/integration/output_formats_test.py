#!/usr/bin/env python3
"""Real readers read hearthd's renderings as the same document.

For a corpus of configs with awkward values (quotes, $, backslashes, newlines, non-ASCII, strings
that look like numbers or booleans, deep nesting, lists of tables), `hearthd render --format F`
is read back by the reader each format's users actually have:

  yaml        PyYAML (python3-yaml, a YAML 1.1 reader) and must equal the canonical JSON
  toml        Python's tomllib (TOML 1.0)
  env         bash: `set -a; . FILE` and the exported variables
  properties  java.util.Properties.load (OpenJDK)

and the result must equal the canonical JSON (`--format json`), flattened and stringified the way
each untyped format defines. Usage: output_formats_test.py HEARTHD
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib

import yaml

CORPUS = {
    "plain": {"name": "billing", "replicas": 3, "ratio": 0.25, "big": 1e300, "tiny": -2.5e-7,
              "on": True, "off": False, "zero": 0, "negative": -17},
    "nested": {"db": {"host": "db.internal", "port": 5432, "pool": {"min": 1, "max": 10}},
               "deep": {"a": {"b": {"c": {"leaf": "v"}}}}},
    "lists": {"servers": [{"host": "a", "port": 1}, {"host": "b", "tags": ["x", "y"]}],
              "ports": [80, 443], "names": ["one", "two words", "it's"]},
    "awkward": {"quotes": "it's \"quoted\"", "dollar": "$HOME `cmd` \\back $(x) $y",
                "multi": "l1\nl2\n", "tab": "a\tb", "unicode": "h\u00e9 \u4e2d \U0001f525",
                "hash": "a #b", "colon": "a: b", "equals": "k=v", "bang": "!x",
                "looks_bool": "true", "looks_num": "1.5", "looks_null": "null",
                "empty": "", "space": " x ", "yes": "no", "leading_dash": "- x",
                "braces": "{a: [b]}", "star": "*ref", "amp": "&anchor", "percent": "%x",
                "at": "@x", "backtick": "`", "long": "x" * 5000},
}
# TOML and properties keys may carry characters env names cannot; these only go through those.
KEYED = {"dotted.key": {"with space": 1, "colon:key": "v", "equals=key": "w", "x#y": True,
                        "unicode-\u00e9": "\u00e9"}}


def run(cmd, **kw):
    return subprocess.run(cmd, check=False, capture_output=True, **kw)


def render(hearthd, root, name, fmt):
    out = run([hearthd, "render", "--root", root, name, "--format", fmt])
    if out.returncode != 0:
        raise AssertionError(f"render {name} --format {fmt}: exit {out.returncode}: "
                             f"{out.stderr.decode(errors='replace')}")
    return out.stdout


def leaf_text(v):
    """How env and properties write a leaf: strings as themselves, the rest as JSON text."""
    if isinstance(v, str):
        return v
    return json.dumps(v)


def flatten(doc, prefix=()):
    """(path segments, leaf) pairs of a document."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from flatten(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from flatten(v, prefix + (str(i),))
    else:
        yield prefix, doc


def env_name(segments):
    out = []
    for seg in segments:
        out.append("".join(c.upper() if c.isascii() and c.isalnum() else "_" for c in seg))
    return "__".join(out)


def read_env_with_bash(path):
    # A clean environment so only the file's variables (and bash's own) show; NUL-separated.
    script = f'set -a; . "{path}"; set +a; env -0'
    out = run(["bash", "--norc", "--noprofile", "-c", script], env={"PATH": os.environ["PATH"]})
    if out.returncode != 0:
        raise AssertionError(f"bash could not source {path}: {out.stderr.decode()}")
    result = {}
    for entry in out.stdout.split(b"\0"):
        if not entry:
            continue
        key, _, value = entry.decode("utf-8").partition("=")
        result[key] = value
    return result


JAVA_READER = r"""
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.*;

public class ReadProperties {
  public static void main(String[] args) throws Exception {
    Properties p = new Properties();
    try (InputStream in = new FileInputStream(args[0])) { p.load(in); }
    TreeMap<String, String> sorted = new TreeMap<>();
    for (String k : p.stringPropertyNames()) sorted.put(k, p.getProperty(k));
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, String> e : sorted.entrySet()) {
      out.append(hex(e.getKey())).append(' ').append(hex(e.getValue())).append('\n');
    }
    System.out.print(out);
  }
  static String hex(String s) {
    StringBuilder b = new StringBuilder("x");
    for (byte c : s.getBytes(StandardCharsets.UTF_8)) b.append(String.format("%02x", c & 0xff));
    return b.toString();
  }
}
"""


def read_properties_with_java(java, work, path):
    source = os.path.join(work, "ReadProperties.java")
    if not os.path.exists(source):
        with open(source, "w") as f:
            f.write(JAVA_READER)
    out = run([java, source, path])
    if out.returncode != 0:
        raise AssertionError(f"java could not read {path}: {out.stderr.decode()}")
    result = {}
    for line in out.stdout.decode().splitlines():
        k, v = line.split(" ")
        result[bytes.fromhex(k[1:]).decode()] = bytes.fromhex(v[1:]).decode()
    return result


def main():
    hearthd = sys.argv[1]
    java = shutil.which("java")
    failures = []
    with tempfile.TemporaryDirectory(prefix="hearth_formats_") as work:
        root = os.path.join(work, "root")
        for name, doc in list(CORPUS.items()) + [("keyed", KEYED)]:
            os.makedirs(os.path.join(root, name))
            with open(os.path.join(root, name, "00.json"), "w") as f:
                json.dump(doc, f)

        def check(what, got, want):
            if got != want:
                failures.append(f"{what}:\n  got  {got!r}\n  want {want!r}")

        for name in list(CORPUS) + ["keyed"]:
            canonical = json.loads(render(hearthd, root, name, "json"))
            yaml_text = render(hearthd, root, name, "yaml")
            check(f"{name} via PyYAML", yaml.safe_load(yaml_text), canonical)
            toml_text = render(hearthd, root, name, "toml")
            check(f"{name} via tomllib", tomllib.loads(toml_text.decode()), canonical)

            properties = os.path.join(work, f"{name}.properties")
            with open(properties, "wb") as f:
                f.write(render(hearthd, root, name, "properties"))
            if java:
                want = {".".join(p): leaf_text(v) for p, v in flatten(canonical)}
                check(f"{name} via java.util.Properties",
                      read_properties_with_java(java, work, properties), want)

            if name == "keyed":
                continue  # keys that no env name can carry apart
            env_file = os.path.join(work, f"{name}.env")
            with open(env_file, "wb") as f:
                f.write(render(hearthd, root, name, "env"))
            want = {env_name(p): leaf_text(v) for p, v in flatten(canonical)}
            got = {k: v for k, v in read_env_with_bash(env_file).items() if k in want}
            check(f"{name} via bash set -a; .", got, want)

    if not java:
        failures.append("java not found: install openjdk-17-jdk-headless (.ci/dev deps)")
    for f in failures:
        print("FAIL", f)
    if failures:
        return 1
    print(f"ok: {len(CORPUS) + 1} documents read back by PyYAML, tomllib, bash and "
          "java.util.Properties")
    return 0


if __name__ == "__main__":
    sys.exit(main())
