#!/usr/bin/env bash
# The project's test command (README, .ci/run):
#   1. the whole CTest suite (unit, integration, golden SQL, end-to-end,
#      conformance over ../shared/traces when present, robustness, generator
#      ground truth) built with AddressSanitizer + UndefinedBehaviorSanitizer
#      (LeakSanitizer on), so every test also checks memory safety and UB;
#   2. a short libFuzzer run of every harness (fuzz/run.sh, 10 s each).
# NSYSEXPLAIN_QUICK=1 instead runs the suite once on a plain release build
# (faster; what you want while editing).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

if [ "${NSYSEXPLAIN_QUICK:-0}" = 1 ]; then
  echo "== build + test (Release)"
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build build -j "$jobs"
  ctest --test-dir build --output-on-failure -j "$jobs"
  exit 0
fi

t0=$(date +%s)
echo "== build + test under ASan/UBSan/LSan (build-asan)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
      -DNSYSEXPLAIN_SANITIZE=ON >/dev/null
cmake --build build-asan -j "$jobs"
echo "tests/run.sh: sanitizer build took $(( $(date +%s) - t0 )) s"
t1=$(date +%s)
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"
echo "tests/run.sh: sanitizer tests took $(( $(date +%s) - t1 )) s"

echo "== short fuzz run"
fuzz/run.sh 10
echo "tests/run.sh: total $(( $(date +%s) - t0 )) s"
