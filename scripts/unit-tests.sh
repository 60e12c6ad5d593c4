#!/usr/bin/env bash
# Runs the plain-Node unit tests (node:test + tsx). Node 20's test runner takes no globs, so find them.
# Arguments: the test files to run (default: all of test/unit). Exit code: the tests', or 1 when
# they passed but left something in the temporary folder.
#
# Tests must not litter the machine's temp dir: they run with TMPDIR pointing at a fresh folder of
# this script's own, one subfolder per test file (test/support/tmpdirPerTestFile.ts). Anything left
# in it afterwards fails the run, listed under the test file that left it; then the folder goes.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find test/unit -name '*.test.ts' | sort)
[ $# -gt 0 ] && files=("$@")

outer_tmp=${TMPDIR:-/tmp}
run_tmp=$(mktemp -d "${outer_tmp%/}/align-unit-XXXXXX")
# A test may leave a folder it made unreadable; make it removable first.
trap 'chmod -R u+rwx "$run_tmp" 2>/dev/null; rm -rf --one-file-system "$run_tmp"' EXIT
# tsx keeps its compile cache in os.tmpdir()/tsx-<uid>: keep using the usual one, so it stays warm
# (and is not taken for something a test left).
tsx_cache="tsx-$(id -u)"
mkdir -p "${outer_tmp%/}/$tsx_cache"
ln -s "${outer_tmp%/}/$tsx_cache" "$run_tmp/$tsx_cache"

rc=0
TMPDIR=$run_tmp ALIGN_TEST_TMPDIR=$run_tmp \
  node --import tsx --import ./test/support/tmpdirPerTestFile.ts --test --test-reporter=spec --test-concurrency=2 "${files[@]}" || rc=$?

report=()
while IFS= read -r -d '' entry; do
  name=${entry##*/}
  [ "$name" = "$tsx_cache" ] && [ -L "$entry" ] && continue
  [ "$name" = .owners ] && continue
  if [ -f "$run_tmp/.owners/$name" ] && [ -d "$entry" ] && [ ! -L "$entry" ]; then
    # A test file's own folder (tmpdirPerTestFile.ts wrote down whose): whatever is in it, that
    # file or a process it started left.
    owner=$(cat "$run_tmp/.owners/$name")
    while IFS= read -r -d '' left; do
      [ "${left##*/}" = "$tsx_cache" ] && [ -L "$left" ] && continue
      what=${left#"$run_tmp/$name/"}
      if [ -d "$left" ]; then what="$what/ ($(find "$left" -mindepth 1 2>/dev/null | wc -l || true) inside)"; fi
      report+=("  $owner: $what")
    done < <(find "$entry" -mindepth 1 -maxdepth 1 -print0 | sort -z)
  else
    report+=("  (no test file's folder; left by the runner or a process with its own TMPDIR): $name")
  fi
done < <(find "$run_tmp" -mindepth 1 -maxdepth 1 -print0 | sort -z)

if [ ${#report[@]} -gt 0 ]; then
  echo >&2
  echo "[unit-tests] FAILED: the tests left ${#report[@]} item(s) in the temp dir they ran with ($run_tmp, removed now)." >&2
  echo "[unit-tests] A test must remove what it and the processes it starts create, pass or fail" >&2
  echo "[unit-tests] (tempDir() of test/support/tempDir.ts, t.after, finally). Left behind, by test file:" >&2
  printf '%s\n' "${report[@]}" >&2
  [ $rc = 0 ] && rc=1
fi
exit $rc
