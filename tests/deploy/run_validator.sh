#!/usr/bin/env bash
# ctest driver for deploy.manifests and deploy.validator: makes sure the npm packages are
# installed, then runs validate_manifests.mjs with the given arguments (--repo, --work,
# [--self-test], and the binaries whose flags and inputs it checks: --hearthd, --hearthctl,
# --hearth-agent).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v node >/dev/null 2>&1; then
  echo "run_validator.sh: node not found (.ci/dev deps installs nodejs)" >&2
  exit 1
fi
"$here/install_node_deps.sh"
exec node "$here/validate_manifests.mjs" "$@"
