#!/usr/bin/env bash
# Configures and builds truc into ./build (or $TRUC_BUILD_DIR): everything,
# or only the targets named (e.g. truc-hub truc-agent truc).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${TRUC_BUILD_DIR:-build}"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake --build "$BUILD_DIR" -j"$(nproc)" "${targets[@]}"
