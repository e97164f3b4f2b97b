#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test with ctest.
# Unit tests run in parallel; the cross-process tests (real hub and agent
# processes) run one at a time. Then the edXML fuzz target runs for a minute
# (scripts/fuzz.sh; TRUC_FUZZ_SECONDS sets how long, 0 skips it; it does
# not run when ctest is given arguments). A long crash run:
#   TRUC_CRASH_ITERATIONS=200 scripts/test.sh -R Crash
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
cd "${TRUC_BUILD_DIR:-build}"
ctest --output-on-failure --timeout 900 -j"$(nproc)" "$@"
if [ $# -eq 0 ] && [ "${TRUC_FUZZ_SECONDS:-60}" != "0" ]; then
  cd - >/dev/null
  ./scripts/fuzz.sh
fi
