#!/usr/bin/env bash
# Installs the Debian packages nsysexplain needs to build and test.
# Skips apt entirely when everything is already installed.
set -euo pipefail
PKGS=(build-essential cmake ninja-build pkg-config sqlite3 libsqlite3-dev
      libfmt-dev nlohmann-json3-dev libcli11-dev libgtest-dev googletest
      time coreutils libtsan2  # libtsan2: gcc's TSan runtime (tests/run.sh)
      chromium)  # headless checks of report.html (html.Browser.*; skipped without it)
# Optional: clang + libFuzzer runtime for the fuzz harnesses (tests/run.sh).
if [ "${NSYSEXPLAIN_WITH_FUZZ:-1}" = 1 ]; then
  PKGS+=(clang libclang-rt-14-dev)
fi
# NSYSEXPLAIN_DEPS=report (quickstart.sh): only what building the extension
# and the renderer needs, no test or fuzz tools.
if [ "${NSYSEXPLAIN_DEPS:-all}" = report ]; then
  PKGS=(build-essential cmake ninja-build sqlite3 libsqlite3-dev libfmt-dev
        nlohmann-json3-dev libcli11-dev)
fi
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
