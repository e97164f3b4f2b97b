#!/usr/bin/env bash
# Builds the edXML reader's fuzz target with clang's libFuzzer,
# AddressSanitizer and UndefinedBehaviorSanitizer (in build-fuzz/, apart
# from the main g++ build) and runs it for TRUC_FUZZ_SECONDS seconds
# (default 60), seeded with the real samples in tests/testdata/edxml/. What
# it finds that is new stays in build-fuzz/corpus/ for the next run. A
# crash, a leak or a sanitizer report stops it, leaves the input as
# build-fuzz/crash-* and fails the script.
#
#   scripts/fuzz.sh                       # one minute (what CI runs)
#   TRUC_FUZZ_SECONDS=3600 scripts/fuzz.sh  # an hour
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${TRUC_FUZZ_SECONDS:-60}"

cmake -S tests/fuzz -B build-fuzz -G Ninja \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz
mkdir -p build-fuzz/corpus
cd build-fuzz
echo "fuzz: edxml_fuzz for ${seconds}s (corpus build-fuzz/corpus, seeds tests/testdata/edxml)"
./edxml_fuzz -max_total_time="$seconds" -max_len=400000 -timeout=10 \
  -rss_limit_mb=1024 -print_final_stats=1 \
  -dict=../tests/fuzz/edxml.dict corpus ../tests/testdata/edxml
