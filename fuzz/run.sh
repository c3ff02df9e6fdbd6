#!/usr/bin/env bash
# fuzz/run.sh [SECONDS] — builds the libFuzzer harnesses into build-fuzz
# (clang, -fsanitize=fuzzer,address,undefined) and runs each one for SECONDS
# (default 60; the test command, tests/run.sh, runs 10). Fails if any harness finds a crash, a leak, UB, a
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
# space separated), FUZZ_EXTRA_ARGS (more libFuzzer flags, e.g. -jobs=2),
# FUZZ_SEED_SHARDS (replay one shard of fuzz_trace_db's seeds; below).
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
  "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2 -gline-tables-only -DNDEBUG" \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -gline-tables-only -DNDEBUG" \
  -DNSYSEXPLAIN_BUILD_TESTS=OFF >/dev/null
# shellcheck disable=SC2086
cmake --build "$build" -j "$jobs" --target $harnesses
echo "fuzz: build took $(( $(date +%s) - t0 )) s"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1:handle_abort=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# The harnesses run side by side, at most $NSYSEXPLAIN_FUZZ_PARALLEL (default:
# the core count) at once: fuzz_trace_db's seed replay alone takes most of
# the short CI run. Each one's result is printed in harness order.
parallel=${NSYSEXPLAIN_FUZZ_PARALLEL:-$(nproc 2>/dev/null || echo 2)}
# FUZZ_SEED_SHARDS=N: replay only the seeds of one shard of fuzz_trace_db's
# seeds (sorted seed i where i % N = day of the year % N, a different shard
# each day): every seed runs all views under ASan, ~0.34 s each in a fresh-
# clone CI run (129 s for the 374), so the test command replays a third
# (FUZZ_SEED_SHARDS=3) to stay in CI's 15 minutes. Default 1: all.
shards=${FUZZ_SEED_SHARDS:-1}
seed_dir() {
  local h=$1
  if [ "$shards" -le 1 ] || [ "$h" != fuzz_trace_db ]; then echo "fuzz/corpus/$h"; return; fi
  local dir="$build/fuzz-seeds/$h" shard=$(( 10#$(date +%j) % shards )) i=0 f
  rm -rf "$dir" && mkdir -p "$dir"
  for f in $(ls "fuzz/corpus/$h" | sort); do
    [ $(( i % shards )) = "$shard" ] && cp "fuzz/corpus/$h/$f" "$dir/"
    i=$(( i + 1 ))
  done
  echo "$dir"
}
run_one() {
  local h=$1 work="$build/fuzz-corpus/$1" art="$build/fuzz-artifacts/$1/" t0 seeds
  mkdir -p "$work" "$art"
  seeds=$(seed_dir "$h")
  local dict=()
  [ -f "fuzz/dict/$h.dict" ] && dict=(-dict="fuzz/dict/$h.dict")
  t0=$(date +%s)
  # shellcheck disable=SC2086
  if "$build/fuzz/$h" -max_total_time="$secs" -timeout=30 -rss_limit_mb=2560 \
      -max_len=4096 -print_final_stats=1 -artifact_prefix="$art" "${dict[@]}" \
      ${FUZZ_EXTRA_ARGS:-} "$work" "$seeds" >"$build/fuzz-$h.log" 2>&1; then
    { grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb" \
        "$build/fuzz-$h.log" | tr '\n' ' '
      echo "corpus: $(ls "$work" | wc -l) new + $(ls "$seeds" | wc -l) seeds of $seeds" \
           "($(( $(date +%s) - t0 )) s): OK"; } >"$build/fuzz-$h.result"
  else
    { echo "fuzz: $h FAILED; last lines of $build/fuzz-$h.log:"
      tail -40 "$build/fuzz-$h.log"
      ls -1 "$art" || true; } >"$build/fuzz-$h.result"
    return 1
  fi
}
failed=()
pids=()
names=()
for h in $harnesses; do
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n || true; done
  echo "== fuzz: $h for ${secs}s"
  run_one "$h" &
  pids+=($!)
  names+=("$h")
done
for i in "${!pids[@]}"; do
  h=${names[$i]}
  if wait "${pids[$i]}"; then
    echo "$h: $(cat "$build/fuzz-$h.result")"
  else
    cat "$build/fuzz-$h.result" >&2
    failed+=("$h")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: all harnesses OK"
