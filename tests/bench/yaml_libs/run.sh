#!/usr/bin/env bash
# The Debian YAML parsers side by side: libfyaml, libyaml and yaml-cpp.
#   compare.cc: event-level parse speed on the bench corpus and a realistic config, and what each
#               reports for the features and errors the YAML front end depends on;
#   suite.cc:   accept/reject and event streams over the YAML test suite (when given its "data"
#               branch: git clone -b data https://github.com/yaml/yaml-test-suite).
# Builds in a temp dir; not part of the CMake build. Needs libfyaml-dev, libyaml-dev and
# libyaml-cpp-dev. Usage: run.sh [yaml-test-suite-data-dir]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
libs=$(pkg-config --cflags --libs libfyaml yaml-0.1 yaml-cpp)
g++ -std=c++20 -O2 -DNDEBUG -I"$repo" "$here/compare.cc" "$repo/tests/bench/corpus.cc" \
  -o "$work/compare" $libs
"$work/compare"
if [[ $# -ge 1 ]]; then
  g++ -std=c++20 -O1 "$here/suite.cc" -o "$work/suite" $libs
  echo
  "$work/suite" "$1"
fi
