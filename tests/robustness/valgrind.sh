#!/usr/bin/env bash
# tests/robustness/valgrind.sh [BUILD_DIR] [TRACE...]
#
# Memcheck over the conformance traces, the way users run the extension: the
# stock `sqlite3` shell loads BUILD_DIR/ext/libnsysexplain.so (default
# build/, a normal non-sanitizer build) and selects from every llm_* view and
# every nsys_* / _nsys_* dataset of every trace (default:
# ../shared/traces/*.sqlite, opened read-only). Fails on any memcheck error or
# definite/possible leak (--error-exitcode=1), and if a trace changed.
#
# Not run in CI (valgrind is not in scripts/install-deps.sh): it took 2.5 min
# for the 11 traces on an idle-ish 2-core machine (84 s of it on
# nsysai_mfu_2gpu_before), up to an hour under heavy load. The sanitizer build
# covers the same ground in CI: under NSYSEXPLAIN_SANITIZE=ON,
# robustness.Traces.* and the conformance suite load every trace with ASan +
# LeakSanitizer. To add it to CI: apt-get install valgrind, then run this.
#
#   valgrind --leak-check=full --error-exitcode=1 sqlite3 -readonly TRACE \
#     ".load build/ext/libnsysexplain.so" "SELECT * FROM llm_top_kernels" ...
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
shift || true
so="$build/ext/libnsysexplain.so"
[ -f "$so" ] || { echo "valgrind.sh: $so not found (build first)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "valgrind.sh: apt-get install valgrind" >&2; exit 1; }
if [ $# -gt 0 ]; then traces=("$@"); else traces=(../shared/traces/*.sqlite); fi
[ -e "${traces[0]}" ] || { echo "valgrind.sh: no traces" >&2; exit 1; }

# The statements: every view and dataset, listed by the extension itself.
queries=$(sqlite3 :memory: ".load $so" \
  "SELECT 'SELECT count(*) FROM (SELECT * FROM temp.\"' || name || '\");' FROM sqlite_temp_master WHERE type = 'view'
   UNION ALL SELECT 'SELECT count(*) FROM (SELECT * FROM \"' || name || '\");' FROM pragma_module_list
   WHERE (name LIKE 'nsys%' OR name LIKE '\\_nsys%' ESCAPE '\\') AND name <> 'nsys_interval_gaps';")
queries+=$'\nSELECT count(*) FROM nsys_interval_gaps(\'SELECT start_ns, end_ns, device_id FROM nsys_kernels\');'
queries+=$'\nSELECT nsys_reset();\nSELECT count(*) FROM llm_findings;'

log_dir=$(mktemp -d)
fail=0
for t in "${traces[@]}"; do
  before=$(sha256sum "$t" | cut -d' ' -f1)
  start=$(date +%s)
  log="$log_dir/$(basename "$t").log"
  if printf '.load %s\n%s\n' "$so" "$queries" |
      valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,possible \
        --errors-for-leak-kinds=definite,possible --error-exitcode=1 \
        --num-callers=30 --log-file="$log" sqlite3 -readonly -bail "$t" >/dev/null; then
    status=ok
  else
    status=FAILED
    fail=1
  fi
  after=$(sha256sum "$t" | cut -d' ' -f1)
  if [ "$before" != "$after" ]; then status="$status, TRACE MODIFIED"; fail=1; fi
  summary=$(grep -E "ERROR SUMMARY|definitely lost|possibly lost" "$log" | sed 's/==[0-9]*== //' | tr '\n' ';')
  echo "$(basename "$t"): $status ($(( $(date +%s) - start )) s) $summary"
  if [ "$status" != ok ]; then sed -n '1,200p' "$log" >&2; fi
done
rm -rf "$log_dir"
exit $fail
