#!/usr/bin/env bash
# One command from a fresh clone to a report: installs the Debian packages
# the build needs, builds only the extension and the renderer (no tests:
# tests/run.sh builds and runs those), and renders the bundled example trace
# (made by our own generator, tools/synth) into out/example_report/.
set -euo pipefail
cd "$(dirname "$0")"
t0=$(date +%s)
NSYSEXPLAIN_DEPS=report scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DNSYSEXPLAIN_BUILD_TESTS=OFF >/dev/null
cmake --build build --target nsysexplain nsys-explain-render
rm -rf out/example_report
build/report/nsys-explain-render examples/vllm_tp2_small.sqlite --out out/example_report
echo
echo "Done in $(( $(date +%s) - t0 )) s. Report in out/example_report/:"
echo "  out/example_report/report.html   the report with charts: open it in a browser (file://$PWD/out/example_report/report.html)"
echo "  out/example_report/report.md     the report (Markdown)"
echo "  out/example_report/report.json   the same as JSON; tables/*.csv every row"
echo "Your own trace: build/report/nsys-explain-render trace.sqlite --out report/"
echo "Try: sqlite3 examples/vllm_tp2_small.sqlite -cmd '.load build/ext/libnsysexplain' 'SELECT kernel, category, total_ms FROM llm_top_kernels LIMIT 5'"
