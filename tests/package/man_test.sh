#!/usr/bin/env bash
# package.man_page_matches_help: the long options of `--help` and of the man
# page (docs/man/nsys-explain-render.1) are the same set.
set -euo pipefail
render=$1 man=$2
help=$("$render" --help | grep -E '^  +-' | grep -o -- '--[a-z][a-z-]*' | sort -u)
page=$(sed 's/\\-/-/g' "$man" | grep -E '^\.(B|BI|BR) ' | grep -o -- '--[a-z][a-z-]*' | sort -u)
if [ "$help" != "$page" ]; then
  echo "FAIL: options differ (< --help, > man page):"
  diff <(echo "$help") <(echo "$page") || true
  exit 1
fi
echo "ok: $(echo "$help" | wc -l) options"
