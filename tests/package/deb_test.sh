#!/usr/bin/env bash
# package.deb (tests/package/CMakeLists.txt): build dir, cpack, sqlite3, version.
set -euo pipefail
build=$1 cpack=$2 sqlite3=$3 version=$4
for tool in "$cpack" dpkg-deb "$sqlite3"; do
  if [ -z "$tool" ] || ! command -v "$tool" >/dev/null; then
    echo "skipped: ${tool:-cpack or sqlite3} not found"
    exit 77
  fi
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
if ! (cd "$build" && "$cpack" -G DEB -B "$work/pkg" >"$work/cpack.log" 2>&1); then
  cat "$work/cpack.log"
  echo "FAIL: cpack -G DEB"
  exit 1
fi
deb="$work/pkg/nsysexplain_${version}_${arch}.deb"
[ -f "$deb" ] || { ls "$work/pkg"; echo "FAIL: no $deb"; exit 1; }
fail() { echo "FAIL: $*"; exit 1; }
[ "$(dpkg-deb -f "$deb" Package)" = nsysexplain ] || fail "package name"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "version"
dpkg-deb -f "$deb" Depends | grep -q libsqlite3-0 || fail "Depends lacks libsqlite3-0"
dpkg-deb --ctrl-tarfile "$deb" | tar -t | grep -q triggers || fail "no ldconfig trigger"
root="$work/root"
dpkg-deb -x "$deb" "$root"
# The library in the loader's path (multiarch dir, else /usr/lib).
lib=""
for f in "$root"/usr/lib/*/libnsysexplain.so "$root"/usr/lib/libnsysexplain.so; do
  if [ -f "$f" ]; then lib=$f; break; fi
done
[ -n "$lib" ] || fail "libnsysexplain.so not under /usr/lib"
for f in usr/bin/nsys-explain-render usr/bin/nsys-explain-synth \
         usr/share/nsysexplain/sql/kernels.sql usr/share/nsysexplain/sql/view_pack.sql \
         usr/share/doc/nsysexplain/README.md usr/share/man/man1/nsys-explain-render.1; do
  [ -e "$root/$f" ] || fail "$f missing"
done
# Nothing outside /usr.
if dpkg-deb -c "$deb" | awk '{print $6}' | grep -v '^\./usr/' | grep -v '^\./$'; then
  fail "files outside /usr"
fi
"$root/usr/bin/nsys-explain-synth" -o "$work/t.sqlite" -n 3000 -q
before=$(sha256sum "$work/t.sqlite")
got=$("$sqlite3" -readonly "$work/t.sqlite" -cmd ".load ${lib%.so}" \
      "SELECT count(*) > 0, nsys_version() FROM llm_top_kernels")
[ "$got" = "1|$version" ] || fail "installed extension: got '$got'"
"$root/usr/bin/nsys-explain-render" "$work/t.sqlite" --out "$work/out" --quiet
[ -s "$work/out/report.md" ] || fail "installed renderer wrote no report"
[ "$(sha256sum "$work/t.sqlite")" = "$before" ] || fail "trace changed"
echo "ok: $(basename "$deb"): $(dpkg-deb -c "$deb" | wc -l) entries, library ${lib#$root}"
