// Answers, papers, task titles and errors come from models and files: the real CLI, run as a
// child process, must write no terminal control sequence to stdout or stderr.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fakeOpenAIServer';
import { buildCliBundle } from '../support/buildCli';
import { TerminalSanitizer, stripTerminalControls } from '../../src/cli/terminalText';

const OSC52 = '\x1b]52;c;cm0gLXJmIH4=\x07';
const OSC0 = '\x1b]0;pwned\x1b\\';
const CSI = '\x1b[2J\x1b[31m';
const C1 = '\x9b1;1H\x9d0;t\x9c\x85';
const HOSTILE = `A${OSC52}B${OSC0}C${CSI}D${C1}E\rF\x07G\x08H`;

let server: FakeOpenAI;
let bundle: { dir: string; cli: string };
let dir: string;

before(async () => {
  [server, bundle] = await Promise.all([startFakeOpenAI(), buildCliBundle()]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'align-esc-'));
  fs.writeFileSync(path.join(dir, 'paper.md'), `# Paper ${HOSTILE}\n\nWe train a reward model on comparisons ${HOSTILE}.\n`);
  fs.mkdirSync(path.join(dir, 'alignment-tasks', 'evil'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'alignment-tasks', 'evil', 'task.json'),
    JSON.stringify({ schemaVersion: 1, id: 'evil', title: `Evil ${HOSTILE}`, context: 'c', inputType: 'i', outputType: 'o', constraints: {}, instructions: 'x', inputKind: 'text' }),
  );
});
after(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function runCli(args: string[]): Promise<{ code: number | null; out: Buffer; err: Buffer }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle.cli, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH, TMPDIR: os.tmpdir(), HOME: dir, OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: server.url, ALIGN_MODEL: 'fake-model', ALIGN_CACHE_DIR: path.join(dir, 'cache') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out: Buffer.concat(out), err: Buffer.concat(err) });
    });
  });
}

/** Bytes a terminal would act on: ESC, C0 but \n and \t, DEL, and C1 (as UTF-8, C2 80–C2 9F). */
function controlBytes(b: Buffer): string[] {
  const found: string[] = [];
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if ((c < 0x20 && c !== 0x0a && c !== 0x09) || c === 0x7f) found.push(`0x${c.toString(16)} at ${i}`);
    if (c === 0xc2 && b[i + 1] >= 0x80 && b[i + 1] <= 0x9f) found.push(`C1 0x${b[i + 1].toString(16)} at ${i}`);
  }
  return found;
}

test('the sanitizer drops whole sequences, even split across chunks, and keeps the text', () => {
  assert.equal(stripTerminalControls(HOSTILE), 'ABCDEFGH');
  assert.equal(stripTerminalControls('line\n\ttab'), 'line\n\ttab');
  const s = new TerminalSanitizer();
  const pieces = [...`x${OSC52}y${CSI}z`].map((ch) => s.write(ch)).join('');
  assert.equal(pieces, 'xyz');
});

test('a streamed answer with OSC 52, OSC 0, CSI and C1 reaches stdout without a control byte', async () => {
  server.setResponder(() => ({ text: `Answer ${HOSTILE} end.`, chunkSize: 3 }));
  const r = await runCli(['ask', 'paper.md', 'What?']);
  assert.equal(r.code, 0, r.err.toString());
  assert.deepEqual(controlBytes(r.out), []);
  assert.deepEqual(controlBytes(r.err), []);
  assert.match(r.out.toString(), /Answer ABCDEFGH end\./);
});

test('task titles and error messages naming a hostile file name carry no control byte', async () => {
  const tasks = await runCli(['tasks']);
  assert.equal(tasks.code, 0, tasks.err.toString());
  assert.match(tasks.out.toString(), /Evil ABCDEFGH/);
  assert.deepEqual(controlBytes(tasks.out), []);
  const missing = await runCli(['ask', `missing${OSC52}.md`, 'What?']);
  assert.equal(missing.code, 1);
  assert.match(missing.err.toString(), /missing\.md/);
  assert.deepEqual(controlBytes(missing.err), []);
});
