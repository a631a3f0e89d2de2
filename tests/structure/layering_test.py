#!/usr/bin/env python3
"""Checks that every source file includes only what its layer may use.

CMake links each folder as its own target with its dependencies declared, but every header sits
under one include root, so a file could still #include a layer its target does not link (and get
away with it when the symbols are inline or happen to be linked in some other way). This test
reads every #include under server/ and client/ and fails naming file:line for each one that
crosses a boundary the architecture (docs/architecture.md) does not allow:

  - hearth headers: each folder may include only the folders listed in LAYERS;
  - third-party libraries: each one only in the folder whose adapter wraps it;
  - gRPC and the generated API: never in server/core/ or server/watch/.

Usage: layering_test.py SOURCE_DIR
"""

import pathlib
import re
import sys

# Folder -> the hearth folders (or single headers) its files may include, besides itself.
# Order: the data path. A file in server/core/ itself (the engine) may use all of core/.
CORE = ["server/core/model", "server/core/source", "server/core/parse", "server/core/schema",
        "server/core/build", "server/core/render", "server/core/store"]
LAYERS = {
    "server/core/model": [],
    "server/core/source": ["server/core/model"],
    "server/core/parse": ["server/core/model"],
    "server/core/schema": ["server/core/model", "server/core/source", "server/core/parse"],
    "server/core/build": ["server/core/model", "server/core/source", "server/core/parse",
                          "server/core/schema"],
    "server/core/render": ["server/core/model"],
    "server/core/store": ["server/core/model", "server/core/source", "server/core/build",
                          "server/core/render"],
    "server/core": CORE,
    # The reload pipeline sees the engine only through the Rebuilder interface.
    "server/watch": ["server/core/model", "server/core/source", "server/core/rebuilder.h"],
    # The gRPC adapters read the store and reach the engine only through DryRunner.
    "server/rpc": ["server/core/model", "server/core/build", "server/core/render", "server/core/store",
                   "server/core/dry_runner.h"],
    # The HTTP adapters read the store through the renderer, like the gRPC ones, and nothing else.
    "server/http": ["server/core/model", "server/core/parse", "server/core/build",
                    "server/core/render", "server/core/store", "server/core/dry_runner.h"],
    # Wiring: anything on the server side.
    "server/app": CORE + ["server/core", "server/watch", "server/rpc", "server/http"],
    "server": ["server/app"],  # main.cc
    # hearthctl speaks only the public API.
    "client": [],
    # hearth-agent: the public API too, plus hearthctl's JSON reader and connection options.
    "client/agent": ["client/json_tree.h", "client/connection.h", "client/server_address.h"],
}

# Third-party include prefix -> the folders allowed to include it.
THIRD_PARTY = {
    "toml++/": ["server/core/parse", "client/agent"],
    "kainjow/": ["client/agent"],
    "simdjson": ["server/core/parse"],
    "libfyaml": ["server/core/parse"],
    "valijson/": ["server/core/schema"],
    "xxhash": ["server/core/model", "client/agent"],
    "zstd": ["server/core/model"],
    "spdlog/": ["server/watch", "server/app", "server"],
    "CLI/": ["server", "client", "client/agent"],
    "prometheus/": ["server/rpc", "server/app", "client/agent"],
    "civetweb": ["server/app"],
    "boost/": ["server/http"],
    "grpc/": ["server/rpc", "server/app", "client", "client/agent"],
    "grpcpp/": ["server/rpc", "server/app", "client", "client/agent"],
    "hearth/v1/": ["server/rpc", "server/app", "client", "client/agent"],
    "grpc/health/": ["server/rpc", "client", "client/agent"],
    "google/protobuf/": ["server/rpc", "server/app", "client", "client/agent"],
}

INCLUDE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')


def folder_of(rel: str) -> str:
    parent = str(pathlib.PurePosixPath(rel).parent)
    # The deepest folder that has a rule.
    while parent not in LAYERS and "/" in parent:
        parent = parent.rsplit("/", 1)[0]
    return parent


def allowed_hearth(folder: str, target: str) -> bool:
    if target.startswith(folder + "/") and folder != "server" and (
            folder != "server/core" or "/" not in target[len("server/core/"):]):
        return True  # its own folder
    for rule in LAYERS.get(folder, []):
        if target == rule or target.startswith(rule + "/"):
            if rule == "server/core" and "/" in target[len("server/core/"):]:
                continue  # "server/core" as a rule means the files directly in it
            return True
    return False


def main() -> int:
    root = pathlib.Path(sys.argv[1]).resolve()
    violations = []
    checked = 0
    for base in ("server", "client"):
        for path in sorted((root / base).rglob("*")):
            if path.suffix not in (".h", ".cc"):
                continue
            rel = path.relative_to(root).as_posix()
            folder = folder_of(rel)
            if folder not in LAYERS:
                violations.append(f"{rel}: folder {folder} has no layering rule; add one to "
                                  f"tests/structure/layering_test.py and docs/architecture.md")
                continue
            checked += 1
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                target = m.group(1)
                if target.startswith(("server/", "client/")):
                    if target.startswith("client/") and folder == "client":
                        ok = not target.startswith("client/agent/")  # hearthctl needs no agent
                    elif target.startswith("client/"):
                        ok = allowed_hearth(folder, target)
                    else:
                        ok = allowed_hearth(folder, target)
                    if not ok:
                        violations.append(f"{rel}:{number}: {folder}/ may not include {target}")
                    continue
                for prefix, folders in sorted(THIRD_PARTY.items(), key=lambda kv: -len(kv[0])):
                    if target.startswith(prefix):
                        if folder not in folders:
                            violations.append(f"{rel}:{number}: {target} belongs to "
                                              f"{' or '.join(folders)}, not {folder}/")
                        break
    for v in violations:
        print(v)
    print(f"layering: {checked} files checked, {len(violations)} violation(s)")
    return 1 if violations or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
