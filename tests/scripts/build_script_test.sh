#!/usr/bin/env bash
# scripts/build fails when compilation fails. A copy of the tracked sources
# with a deliberate #error must make it exit non-zero, and the same copy
# without the error must build. (It once returned 0 on a failed compile, so
# tests ran stale binaries: "ninja | grep || true" reset PIPESTATUS.)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

copy=$tmp/repo
mkdir -p "$copy"
git -C "$root" ls-files -z | tar -C "$root" --null -T - -cf - | tar -C "$copy" -xf -
# The installed dependencies are the original's (project-local, built once).
ln -s "$root/.venv" "$copy/.venv"
ln -s "$root/.deps" "$copy/.deps"

victim=$copy/src/common/uuid.cc
cp "$victim" "$tmp/uuid.cc.orig"
printf '\n#error deliberately broken by build_script_test\n' >>"$victim"

set +e
BUILD_DIR=$tmp/build TARGETS=rp_common JOBS=1 "$copy/scripts/build" >"$tmp/broken.log" 2>&1
rc=$?
set -e
[[ $rc -ne 0 ]] || { cat "$tmp/broken.log" >&2; fail "scripts/build returned 0 on a source that does not compile"; }
grep -q 'deliberately broken by build_script_test' "$tmp/broken.log" ||
  { cat "$tmp/broken.log" >&2; fail "the failure was not the compile error (exit $rc)"; }
echo "ok: a broken compile fails the build (exit $rc)"

cp "$tmp/uuid.cc.orig" "$victim"
BUILD_DIR=$tmp/build TARGETS=rp_common JOBS=1 "$copy/scripts/build" >"$tmp/fixed.log" 2>&1 ||
  { cat "$tmp/fixed.log" >&2; fail "the same copy without the error does not build"; }
echo "ok: the repaired copy builds"
