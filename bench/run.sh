#!/usr/bin/env bash
# bench/run.sh -- scaling benchmark of nsysexplain on synthetic vLLM traces.
#
# Usage:   bench/run.sh [KERNELS ...]        (default: 100000 1000000 2000000)
# Env:     BUILD_DIR  build tree (default: <repo>/build-bench, Release)
#          OUT_DIR    traces and reports (default: <repo>/bench/out)
#          JOBS       parallel build jobs (default: 2)
#          REPEAT     runs per timed command; the fastest is reported
#                     (default: 1)
#
# Steps:
#  1. Configures <repo>/build-bench as Release (tests off) if it has no
#     CMakeCache.txt, then builds nsys-explain-synth, nsys-explain-render and
#     the nsysexplain extension (a target that fails to build is reported and
#     its measurements are skipped).
#  2. For each size N, generates OUT_DIR/synth-N.sqlite (+ .truth.json) with
#     nsys-explain-synth --kernels N --seed 1 unless it already exists; the
#     default ratios give ~3.5 runtime and ~7.5 NVTX rows per kernel (about
#     7M and 15M rows at N = 2M).
#  3. Prints, per size: rows per table, file size, the raw-scan time (one
#     sqlite3 shell running SELECT count(*), sum("end"-start) on KERNEL,
#     RUNTIME and NVTX_EVENTS, timed together), our time
#     (nsys-explain-render TRACE --out DIR --force), ours/raw-scan, our peak RSS
#     (/usr/bin/time -v), and the time of
#     sqlite3 TRACE '.load <ext>' 'SELECT count(*) FROM llm_top_kernels'.
#     The trace is read once before timing so every run sees a warm cache.
#     Then checks the generator's ground truth (FILE.truth.json) against the
#     extension's numbers on that trace, exactly (tests/synth, External test;
#     untimed), and prints OK or FAILED.
#  4. Prints the measured exponent: the log-log slope of time vs kernels
#     between consecutive sizes and between the smallest and largest.
#
# NSYSEXPLAIN_TIMING=1 makes every run also print its phases (load, merge,
# attribution, each report query) with time and resident memory to stderr.
#
# Times are wall-clock seconds on whatever else the machine is doing; run it
# on an idle machine for numbers worth comparing.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build-bench}
OUT=${OUT_DIR:-$ROOT/bench/out}
JOBS=${JOBS:-2}
REPEAT=${REPEAT:-1}
if [ $# -gt 0 ]; then SIZES=("$@"); else SIZES=(100000 1000000 2000000); fi

die() { echo "bench: $*" >&2; exit 1; }
command -v sqlite3 >/dev/null || die "sqlite3 shell not found"
[ -x /usr/bin/time ] || die "/usr/bin/time not found (apt-get install time)"
command -v cmake >/dev/null || die "cmake not found"

# ---------------------------------------------------------------- build --
if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  echo "== configuring $BUILD (Release)"
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
# The ground-truth check needs the synth test binary (GoogleTest).
cmake -S "$ROOT" -B "$BUILD" -DNSYSEXPLAIN_BUILD_TESTS=ON >/dev/null 2>&1 || true
for target in nsys-explain-synth nsys-explain-render nsysexplain synth_truth_test; do
  if ! cmake --build "$BUILD" --target "$target" -j "$JOBS" \
      >"$BUILD/bench-build-$target.log" 2>&1; then
    echo "== build of $target FAILED (see $BUILD/bench-build-$target.log)"
  fi
done
SYNTH=$BUILD/tools/synth/nsys-explain-synth
RENDER=$BUILD/report/nsys-explain-render
TRUTH_TEST=$BUILD/tests/synth/synth_truth_test
EXT=""
for cand in "$BUILD/ext/libnsysexplain.so" "$BUILD/libnsysexplain.so"; do
  if [ -f "$cand" ]; then EXT=${cand%.so}; break; fi
done
[ -x "$SYNTH" ] || die "nsys-explain-synth was not built"
[ -x "$RENDER" ] || echo "== nsys-explain-render does not exist yet: 'ours' is skipped"
[ -n "$EXT" ] || echo "== libnsysexplain.so does not exist yet: the extension query is skipped"
mkdir -p "$OUT"

# Runs "$@" under /usr/bin/time -v; sets T_SEC (wall s) and T_RSS_MB.
timed() {
  local log=$OUT/.time.$$
  local rc=0
  /usr/bin/time -v -o "$log" "$@" >"$OUT/.stdout.$$" 2>"$OUT/.stderr.$$" || rc=$?
  T_SEC=$(awk -F': ' '/Elapsed \(wall clock\)/ {
      n = split($2, p, ":"); s = 0
      for (i = 1; i <= n; i++) s = s * 60 + p[i]
      printf "%.3f", s }' "$log")
  T_RSS_MB=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$log")
  rm -f "$log"
  if [ $rc -ne 0 ]; then
    echo "   command failed (exit $rc): $*" >&2
    sed 's/^/   | /' "$OUT/.stderr.$$" | head -5 >&2
  fi
  rm -f "$OUT/.stdout.$$" "$OUT/.stderr.$$"
  return $rc
}

# Runs timed REPEAT times; keeps the fastest run's T_SEC and T_RSS_MB.
best_of() {
  local best="" best_rss="" i
  for ((i = 0; i < REPEAT; i++)); do
    timed "$@" || return 1
    if [ -z "$best" ] || awk -v a="$T_SEC" -v b="$best" 'BEGIN { exit !(a < b) }'; then
      best=$T_SEC; best_rss=$T_RSS_MB
    fi
  done
  T_SEC=$best; T_RSS_MB=$best_rss
}

# ---------------------------------------------------------------- runs --
RESULTS=$OUT/.results.$$
: >"$RESULTS"
for n in "${SIZES[@]}"; do
  trace=$OUT/synth-$n.sqlite
  echo
  echo "== $n kernels: $trace"
  if [ ! -f "$trace" ]; then
    timed "$SYNTH" --kernels "$n" --seed 1 --out "$trace" --quiet ||
      die "generation failed"
    echo "   generated in ${T_SEC} s (peak RSS ${T_RSS_MB} MB)"
  fi
  # Row counts (this also warms the page cache for the timed runs).
  sqlite3 "file:$trace?immutable=1" "
    SELECT 'kernel', count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL;
    SELECT 'runtime', count(*) FROM CUPTI_ACTIVITY_KIND_RUNTIME;
    SELECT 'nvtx', count(*) FROM NVTX_EVENTS;
    SELECT 'memcpy', count(*) FROM CUPTI_ACTIVITY_KIND_MEMCPY;
    SELECT 'memset', count(*) FROM CUPTI_ACTIVITY_KIND_MEMSET;
    SELECT 'sync', count(*) FROM CUPTI_ACTIVITY_KIND_SYNCHRONIZATION;" |
    awk -F'|' '{ printf "   rows %-8s %12d\n", $1, $2 }'
  size_mb=$(awk -v b="$(stat -c %s "$trace")" 'BEGIN { printf "%.1f", b / 1048576 }')
  echo "   file size ${size_mb} MB"
  cat "$trace" >/dev/null

  raw="-"
  if best_of sqlite3 "file:$trace?immutable=1" \
      'SELECT count(*), sum("end"-start) FROM CUPTI_ACTIVITY_KIND_KERNEL;' \
      'SELECT count(*), sum("end"-start) FROM CUPTI_ACTIVITY_KIND_RUNTIME;' \
      'SELECT count(*), sum("end"-start) FROM NVTX_EVENTS;'; then
    raw=$T_SEC
  fi
  echo "   raw scan (KERNEL+RUNTIME+NVTX)   ${raw} s"

  ours="-"; rss="-"; ratio="-"
  if [ -x "$RENDER" ]; then
    rm -rf "$OUT/report-$n"
    # --force lets REPEAT > 1 rewrite the report of the previous run.
    if best_of "$RENDER" "$trace" --out "$OUT/report-$n" --force; then
      ours=$T_SEC; rss=$T_RSS_MB
      ratio=$(awk -v a="$ours" -v b="$raw" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
    fi
    echo "   nsys-explain-render              ${ours} s  (peak RSS ${rss} MB, ${ratio}x raw scan)"
  else
    echo "   nsys-explain-render              skipped (not built)"
  fi

  extq="-"
  if [ -n "$EXT" ]; then
    if best_of sqlite3 -readonly "$trace" ".load $EXT" \
        'SELECT count(*) FROM llm_top_kernels'; then
      extq=$T_SEC
    fi
    echo "   .load + llm_top_kernels          ${extq} s"
  else
    echo "   .load + llm_top_kernels          skipped (extension not built)"
  fi
  truth="-"
  if [ -x "$TRUTH_TEST" ]; then
    if NSYSEXPLAIN_SYNTH_TRACES=$trace "$TRUTH_TEST" \
        --gtest_filter='External.*' >"$OUT/truth-$n.log" 2>&1; then
      truth=OK
    else
      truth=FAILED
    fi
    echo "   ground truth vs extension        ${truth} (log: $OUT/truth-$n.log)"
  fi
  echo "$n $size_mb $raw $ours $ratio $rss $extq $truth" >>"$RESULTS"
done

# ------------------------------------------------------------- summary --
echo
awk '
  BEGIN {
    printf "%10s %9s %9s %9s %7s %8s %9s %6s\n", "kernels", "file_MB", "raw_s",
           "ours_s", "ratio", "rss_MB", "ext_q_s", "truth"
  }
  {
    printf "%10d %9s %9s %9s %7s %8s %9s %6s\n", $1, $2, $3, $4, $5, $6, $7, $8
    n[NR] = $1; raw[NR] = $3; ours[NR] = $4; ext[NR] = $7
  }
  function slope(t, i, j) {
    if (t[i] == "-" || t[j] == "-" || t[i] <= 0 || t[j] <= 0 || n[i] == n[j])
      return "-"
    return sprintf("%.2f", log(t[j] / t[i]) / log(n[j] / n[i]))
  }
  END {
    if (NR < 2) exit
    print ""
    print "measured exponent (log-log slope of time vs kernels):"
    printf "%23s %7s %7s %7s\n", "", "raw", "ours", "ext_q"
    for (i = 1; i < NR; i++)
      printf "  %9d -> %-9d %7s %7s %7s\n", n[i], n[i + 1],
             slope(raw, i, i + 1), slope(ours, i, i + 1), slope(ext, i, i + 1)
    if (NR > 2)
      printf "  %9d -> %-9d %7s %7s %7s\n", n[1], n[NR],
             slope(raw, 1, NR), slope(ours, 1, NR), slope(ext, 1, NR)
  }' "$RESULTS"
rm -f "$RESULTS"
