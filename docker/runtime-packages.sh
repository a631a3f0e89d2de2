#!/bin/sh
# Prints, one per line and sorted, the Debian packages that own the shared libraries the given
# binaries load (as ldd resolves them). The Dockerfile's build stage runs it so that the runtime
# stage installs exactly the libraries hearthd, hearthctl and hearth-agent need, and nothing else.
#
# Exits 1 if a library belongs to no package (one built by hand would be missing at run time).
# Usage: docker/runtime-packages.sh BINARY...
set -eu

if [ "$#" -eq 0 ]; then
  echo "usage: $0 BINARY..." >&2
  exit 2
fi

# Debian 12 is usr-merged: ldd may print /lib/... while dpkg recorded /usr/lib/... or the reverse.
owner() {
  for path in "$1" "$(readlink -f "$1")" "/usr$1" "${1#/usr}"; do
    pkg=$(dpkg-query -S "$path" 2>/dev/null | grep -v '^diversion' | head -n 1 | cut -d: -f1) || true
    if [ -n "$pkg" ]; then
      echo "$pkg"
      return 0
    fi
  done
  echo "runtime-packages.sh: no Debian package owns $1" >&2
  return 1
}

libs=$(for bin in "$@"; do ldd "$bin"; done | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u)
status=0
pkgs=""
for lib in $libs; do
  pkg=$(owner "$lib") || status=1
  pkgs="$pkgs$pkg
"
done
printf '%s' "$pkgs" | sed '/^$/d' | sort -u
exit "$status"
