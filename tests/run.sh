#!/usr/bin/env bash
# The project's test command (README, .ci/run):
#   1. release build + the whole CTest suite (unit, integration, golden SQL,
#      end-to-end, conformance over ../shared/traces when present,
#      robustness, generator ground truth);
#   2. the same suite under AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. a short libFuzzer run of every harness (fuzz/run.sh, 20 s each).
# Set NSYSEXPLAIN_QUICK=1 to run step 1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

echo "== build + test (RelWithDebInfo)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"

if [ "${NSYSEXPLAIN_QUICK:-0}" = 1 ]; then exit 0; fi

echo "== build + test under ASan/UBSan"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
      -DNSYSEXPLAIN_SANITIZE=ON >/dev/null
cmake --build build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"

if [ -x fuzz/run.sh ]; then
  echo "== short fuzz run"
  fuzz/run.sh 20
fi
