#!/usr/bin/env bash
# npm start: install, build, package, and open the assistant in a real VS Code on sample/.
#   - with a desktop VS Code (`code` on the PATH): installs the .vsix there and opens sample/;
#   - otherwise: a local VS Code in the browser (code-server), at http://127.0.0.1:${PORT:-8080}/.
# --check: start it, verify the workbench answers and the extension is installed, then stop.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
CHECK=0
[ "${1:-}" = "--check" ] && CHECK=1
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[start] npm ci"
  npm ci --no-audit --no-fund
fi
echo "[start] building and packaging"
npm run -s package >/dev/null
VSIX="$ROOT/dist/alignment-research-assistant.vsix"

if command -v code >/dev/null 2>&1 && [ "$CHECK" = 0 ] && [ -z "${ALIGN_USE_CODE_SERVER:-}" ]; then
  code --install-extension "$VSIX" --force
  exec code "$ROOT/sample" "$ROOT/sample/reward-model-overoptimisation.md"
fi

bash scripts/setup-host.sh
exec node test/host/serve.mjs --vsix "$VSIX" --folder "$ROOT/sample" --port "${PORT:-8080}" $([ "$CHECK" = 1 ] && echo --check)
