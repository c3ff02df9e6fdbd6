#!/usr/bin/env bash
# The project's test command (README, .ci/run):
#   1. the whole CTest suite (unit, integration, golden SQL, end-to-end,
#      conformance over ../shared/traces when present, robustness, generator
#      ground truth) built with AddressSanitizer + UndefinedBehaviorSanitizer
#      (LeakSanitizer on), so every test also checks memory safety and UB;
#   2. ThreadSanitizer (build-tsan): the extension, the integration tests
#      and the launch-key unit tests, every load forced onto the worker pool
#      (NSYSEXPLAIN_LOAD_PARTS=4), so every integration test also checks the
#      parallel loader for data races (about 2.5 min on 2 cores);
#   3. a short libFuzzer run of every harness (fuzz/run.sh, 10 s each;
#      fuzz_trace_db first replays a third of its seeds, a different third
#      each day: ~0.34 s each under ASan in a CI run, 129 s for all 374).
# The ASan suite runs last so the output ends with its ctest summary (CI
# reads the last test-runner lines and the exit code); every stage stops
# the script on failure.
# NSYSEXPLAIN_QUICK=1 instead runs the suite once on a plain release build
# (faster; what you want while editing), without TSan or fuzzing. Every
# configure turns NSYSEXPLAIN_BUILD_TESTS on (quickstart.sh turns it off in
# build/).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

if [ "${NSYSEXPLAIN_QUICK:-0}" = 1 ]; then
  echo "== build + test (Release)"
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DNSYSEXPLAIN_BUILD_TESTS=ON >/dev/null
  cmake --build build -j "$jobs"
  ctest --test-dir build --output-on-failure -j "$jobs"
  exit 0
fi

t0=$(date +%s)
echo "== build under ASan/UBSan/LSan (build-asan)"
# -g1 (line tables: sanitizer stack traces keep file:line) builds ~12%
# faster than -g; CI has 15 minutes in all.
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug \
      -DCMAKE_C_FLAGS_DEBUG=-g1 -DCMAKE_CXX_FLAGS_DEBUG=-g1 \
      -DNSYSEXPLAIN_SANITIZE=ON -DNSYSEXPLAIN_BUILD_TESTS=ON >/dev/null
cmake --build build-asan -j "$jobs"
echo "tests/run.sh: sanitizer build took $(( $(date +%s) - t0 )) s"

# ThreadSanitizer: one build dir where the extension and the test binaries
# that load it are all instrumented (one TSan runtime in the process). Only
# what the loader tests need is built; the stock-sqlite3 shell tests
# (tests/sql) cannot host a TSan .so and are not built or run here.
t1=$(date +%s)
echo "== build + test under TSan (build-tsan: integration + launch-key unit tests)"
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" \
      "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" \
      -DNSYSEXPLAIN_TSAN=ON -DNSYSEXPLAIN_BUILD_TESTS=ON >/dev/null
cmake --build build-tsan -j "$jobs" --target integration_test launch_keys_test
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
NSYSEXPLAIN_LOAD_PARTS=4 NSYSEXPLAIN_TSAN=1 \
  ctest --test-dir build-tsan --output-on-failure -j "$jobs" \
        -R '^(integration\.|unit\.(FlatKeySet|LaunchKeys)\.)'
echo "tests/run.sh: TSan stage took $(( $(date +%s) - t1 )) s"

echo "== short fuzz run"
t2=$(date +%s)
FUZZ_SEED_SHARDS=3 fuzz/run.sh 10
echo "tests/run.sh: fuzz run took $(( $(date +%s) - t2 )) s"

echo "== test under ASan/UBSan/LSan (build-asan)"
echo "tests/run.sh: $(( $(date +%s) - t0 )) s before the ASan suite"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs"
