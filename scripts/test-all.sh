#!/usr/bin/env bash
# npm test: every tier, stopping at the first that fails.
#   1. type-check (tsc --noEmit)          2. build (esbuild)
#   3. unit tests in plain Node (node:test)   3b. the panel's front end in headless Chromium (hostile content)
#   4. integration tests in a real VS Code (code-server's extension host, headless Chromium)
#   5. end to end: the packaged .vsix in VS Code, driven through the UI like a person would
#   6. the research panel used only by keyboard and mouse inside its sandboxed webview frame
# Dependencies come from `npm ci` (CI does it, see .ci/run); the VS Code host installs itself on
# first use (scripts/setup-host.sh). The last line is `N passed, N failed` over the test tiers.
set -euo pipefail
cd "$(dirname "$0")/.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# On a fresh clone `npm test` sets itself up, as `npm start` does: the dependencies are installed
# when they are missing or older than the lockfile.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[test] npm ci (dependencies missing or older than package-lock.json)"
  npm ci --no-audit --no-fund
fi

LOGS=$(mktemp -d /tmp/align-test-XXXXXX)
trap 'rm -rf "$LOGS"' EXIT
times=()
passed=0
failed=0

# Adds a tier's counts: node:test's "ℹ pass N" / "ℹ fail N", or our runners' "N passed, N failed".
count() {
  local log=$1 p f line
  p=$(grep -E '^ℹ pass [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
  f=$(grep -E '^ℹ fail [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+' || true)
  if [ -z "$p" ]; then
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1 || true)
    if [ -n "$line" ]; then
      p=${line%% passed*}
      f=${line#*, }; f=${f%% failed}
    fi
  fi
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
}

summary() {
  echo
  printf '  %s\n' "${times[@]}"
  echo "$passed passed, $failed failed"
}

# tier NAME COUNTS(yes|no) COMMAND...
tier() {
  local name=$1 counts=$2 log t0 rc=0
  shift 2
  log="$LOGS/tier-${#times[@]}.log"
  echo
  echo "=== $name ==="
  t0=$(date +%s%N)
  "$@" 2>&1 | tee "$log" || rc=$?
  local ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  times+=("$(printf '%-30s %5d.%d s%s' "$name" $((ms / 1000)) $((ms % 1000 / 100)) "$([ $rc = 0 ] || echo '  FAILED')")")
  if [ "$counts" = yes ]; then count "$log"; fi
  if [ $rc != 0 ]; then
    echo
    echo "=== $name failed (exit $rc); later tiers were not run ==="
    summary
    exit $rc
  fi
}

tier "type-check" no npx tsc --noEmit -p .
tier "build" no node esbuild.mjs
tier "unit tests" yes bash scripts/unit-tests.sh
# The browser tier needs Chromium, the later ones code-server: set both up first (idempotent, ~1 s when done).
tier "set up the VS Code host and Chromium" no bash scripts/setup-host.sh
tier "panel in a real browser (hostile content)" yes bash scripts/unit-tests.sh $(find test/browser -name '*.test.ts' | sort)
tier "integration tests in VS Code" yes node test/host/runIntegration.mjs
tier "restricted mode in VS Code (untrusted folder)" yes node test/host/runIntegration.mjs --untrusted
tier "end to end in VS Code (UI)" yes node test/host/uiSmoke.mjs
tier "evidence: two-rater blind study and scorecard (UI)" yes node test/host/evidenceUi.mjs
tier "research panel by keyboard and mouse (UI)" yes node --import tsx test/host/uiPanel.mjs --vsix dist/alignment-research-assistant.vsix

echo
echo "=== all tiers passed ==="
summary
