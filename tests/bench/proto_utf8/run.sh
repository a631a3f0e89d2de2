#!/usr/bin/env bash
# What a document field costs to serialize and parse, by type: proto3 bytes (today's), proto3
# string (UTF-8 checked on every call) and proto2 string (checked only in debug builds). Builds in
# a temp dir with the Debian protobuf; not part of the CMake build. Usage: run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here"/p2.proto "$here"/p3.proto "$here"/bench.cc "$work"
cd "$work"
protoc --cpp_out=. p2.proto p3.proto
g++ -std=c++20 -O2 -DNDEBUG -I. bench.cc p2.pb.cc p3.pb.cc -o bench $(pkg-config --cflags --libs protobuf)
./bench
