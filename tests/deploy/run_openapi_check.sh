#!/usr/bin/env bash
# deploy.openapi: installs the npm packages if needed, then checks the HTTP API's OpenAPI document.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/install_node_deps.sh"
exec node "$here/openapi_check.mjs" "${1:?usage: run_openapi_check.sh REPO}"
