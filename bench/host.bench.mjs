// Figures from the real VS Code host (code-server): activation, loading the assistant on the first
// command, command to panel visible, and streaming a 5,000-token answer (webview messages vs SSE
// chunks: coalescing). Runs the measurement test three times and prints medians.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repo, stdio: 'inherit' });
if (build.status !== 0) process.exit(1);
const runs = [];
for (let i = 0; i < 3; i++) {
  const report = path.join(os.tmpdir(), `align-host-bench-${process.pid}-${i}.json`);
  const r = spawnSync(process.execPath, ['test/host/runIntegration.mjs'], {
    cwd: repo,
    env: { ...process.env, ALIGN_TEST_GREP: 'Measurements in the real host', ALIGN_TEST_REPORT: report },
    encoding: 'utf8',
  });
  if (r.status !== 0 || !fs.existsSync(report)) {
    console.error(r.stdout.slice(-2000), r.stderr.slice(-2000));
    process.exit(1);
  }
  runs.push(JSON.parse(fs.readFileSync(report, 'utf8')));
  fs.rmSync(report);
}
const median = (k) => runs.map((r) => r[k]).sort((a, b) => a - b)[1];
const f = (x) => (typeof x === 'number' ? x.toFixed(1) : x);
console.log('real VS Code host (code-server 4.139.1), median of 3 runs');
console.log(`  activation (activate() wiring)          ${f(median('activationMs'))} ms   goal < 20 ms`);
console.log(`  loading the assistant on first command  ${f(median('hostLoadMs'))} ms`);
console.log(`  command to panel visible                ${f(median('commandToPanelMs'))} ms`);
console.log(`  command to webview ready                ${f(median('webviewReadyMs'))} ms`);
console.log(`  5,000-token answer streamed             ${f(median('streamMs'))} ms`);
console.log(`  SSE chunks → webview messages           ${median('sseEvents')} → ${median('webviewMessages')} (coalesced ${(median('sseEvents') / median('webviewMessages')).toFixed(0)}×)`);
