#!/usr/bin/env bash
# Runs the plain-Node unit tests (node:test + tsx). Node 20's test runner takes no globs, so find them.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find test/unit -name '*.test.ts' | sort)
[ $# -gt 0 ] && files=("$@")
exec node --import tsx --test --test-reporter=spec --test-concurrency=2 "${files[@]}"
