#!/usr/bin/env bash
# fuzz/run.sh [SECONDS] — builds the libFuzzer harnesses into build-fuzz
# (clang, -fsanitize=fuzzer,address,undefined) and runs each one for SECONDS
# (default 60; CI runs 20). Fails if any harness finds a crash, a leak, UB, a
# timeout or an invariant violation; the reproducer is left in
# build-fuzz/fuzz-artifacts/<harness>/ (re-run it with
# `build-fuzz/fuzz/<harness> <file>`).
#
# New interesting inputs accumulate in build-fuzz/fuzz-corpus/<harness>/;
# the committed seeds in fuzz/corpus/<harness>/ are only read. To commit new
# seeds after a long run, see fuzz/README.md (merge step).
#
# Environment: NSYSEXPLAIN_FUZZ_BUILD (build dir, default build-fuzz),
# NSYSEXPLAIN_FUZZ_JOBS (build jobs, default 2), FUZZ_HARNESSES (subset,
# space separated), FUZZ_EXTRA_ARGS (more libFuzzer flags, e.g. -jobs=2).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
build=${NSYSEXPLAIN_FUZZ_BUILD:-build-fuzz}
jobs=${NSYSEXPLAIN_FUZZ_JOBS:-2}
harnesses=${FUZZ_HARNESSES:-"fuzz_sql_functions fuzz_trace_db fuzz_phase_map"}

if ! command -v clang++ >/dev/null; then
  echo "fuzz/run.sh: clang++ not found (apt-get install clang libclang-rt-14-dev)" >&2
  exit 1
fi

echo "== fuzz: build ($build)"
t0=$(date +%s)
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNSYSEXPLAIN_FUZZ=ON \
  -DNSYSEXPLAIN_BUILD_TESTS=OFF >/dev/null
# shellcheck disable=SC2086
cmake --build "$build" -j "$jobs" --target $harnesses
echo "fuzz: build took $(( $(date +%s) - t0 )) s"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1:handle_abort=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=()
for h in $harnesses; do
  work="$build/fuzz-corpus/$h"
  art="$build/fuzz-artifacts/$h/"
  mkdir -p "$work" "$art"
  dict=()
  [ -f "fuzz/dict/$h.dict" ] && dict=(-dict="fuzz/dict/$h.dict")
  echo "== fuzz: $h for ${secs}s"
  t0=$(date +%s)
  # shellcheck disable=SC2086
  if "$build/fuzz/$h" -max_total_time="$secs" -timeout=30 -rss_limit_mb=2560 \
      -max_len=4096 -print_final_stats=1 -artifact_prefix="$art" "${dict[@]}" \
      ${FUZZ_EXTRA_ARGS:-} "$work" "fuzz/corpus/$h" >"$build/fuzz-$h.log" 2>&1; then
    grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" \
      "$build/fuzz-$h.log" | tr '\n' ' '
    echo "corpus: $(ls "$work" | wc -l) new + $(ls "fuzz/corpus/$h" | wc -l) seeds" \
         "($(( $(date +%s) - t0 )) s): OK"
  else
    echo "fuzz: $h FAILED; last lines of $build/fuzz-$h.log:" >&2
    tail -40 "$build/fuzz-$h.log" >&2
    ls -1 "$art" >&2 || true
    failed+=("$h")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: all harnesses OK"
