#!/usr/bin/env bash
# ctest driver for browser.eventsource_test: makes sure playwright-core is installed, then runs
# eventsource_test.mjs on the given hearthd. Fails (does not skip) without node or chromium.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -ne 1 ]; then
  echo "usage: run.sh HEARTHD" >&2
  exit 2
fi
if ! command -v node >/dev/null 2>&1; then
  echo "run.sh: node not found (.ci/dev deps installs nodejs)" >&2
  exit 1
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "run.sh: /usr/bin/chromium not found: run .ci/dev deps (installs Debian's chromium)" >&2
  exit 1
fi
"$here/install_node_deps.sh"
exec node "$here/eventsource_test.mjs" "$1"
