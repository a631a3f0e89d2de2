#!/usr/bin/env bash
# Installs the browser test's npm package (playwright-core, which drives Debian's chromium and
# downloads no browser) into tests/browser/node_modules (git-ignored) from the committed
# package-lock.json, unless the installed tree already matches it. Needs the npm registry only
# when something is missing. run.sh runs this first.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
stamp="$here/node_modules/.hearth-package-lock.json"

# Tests may run this in parallel: one installs, the others wait and then find the stamp.
exec 9<"$here/package-lock.json"
flock 9
if [ -f "$stamp" ] && cmp -s "$stamp" "$here/package-lock.json"; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "install_node_deps.sh: npm not found (.ci/dev deps installs nodejs and npm)" >&2
  exit 1
fi
echo "==> npm ci in tests/browser"
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
cp "$here/package-lock.json" "$stamp"
