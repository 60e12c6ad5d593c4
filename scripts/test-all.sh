#!/usr/bin/env bash
# npm test: every tier, stopping at the first that fails.
#   1. type-check (tsc --noEmit)       2. build (esbuild)
#   3. unit tests in plain Node        4. browser tests of the panel (headless Chromium)
#   5. integration tests in a real VS Code (code-server + headless Chromium)
#   6. end-to-end: the packaged .vsix installed in VS Code, driven like a person would
set -euo pipefail
cd "$(dirname "$0")/.."
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/setup-host.sh >/dev/null   # idempotent: about a second once installed

times=()
tier() {
  local name=$1; shift
  local t0=$(date +%s)
  echo
  echo "=== $name ==="
  "$@"
  times+=("$name: $(( $(date +%s) - t0 )) s")
}

tier "type-check" npx tsc --noEmit -p .
tier "build" node esbuild.mjs
tier "unit tests" bash scripts/unit-tests.sh
[ -d test/browser ] && tier "panel in a real browser" bash scripts/unit-tests.sh $(find test/browser -name '*.test.ts' | sort)
tier "integration tests in VS Code" node test/host/runIntegration.mjs --workspace sample
[ -f test/host/uiSmoke.mjs ] && tier "end-to-end in VS Code" node test/host/uiSmoke.mjs

echo
echo "=== all tiers passed ==="
printf '  %s\n' "${times[@]}"
