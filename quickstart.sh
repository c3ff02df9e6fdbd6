#!/usr/bin/env bash
# One command from a fresh clone to a report: installs the Debian packages,
# builds the extension and the renderer, and renders the bundled example
# trace (made by our own generator, tools/synth) into out/example_report/.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build
rm -rf out/example_report
build/report/nsys-explain-render examples/vllm_tp2_small.sqlite --out out/example_report
echo
echo "Report written to out/example_report/ (report.md, report.json, tables/*.csv)."
echo "Try: sqlite3 examples/vllm_tp2_small.sqlite -cmd '.load build/ext/libnsysexplain' 'SELECT * FROM llm_top_kernels LIMIT 5'"
