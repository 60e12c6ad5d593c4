import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/cliIo';
import { unusedPort } from '../support/freePort';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fakeOpenAIServer';

const KEY = 'sk-cli-test-abcdefghijklmnop';
let server: FakeOpenAI;
let dir: string;

const PAPER = `---
title: Toy Paper
date: 2020-05-01
---

# Toy Paper

## Method

We train a reward model on 4,000 human comparisons and use a KL penalty.

## Results

True reward falls after 200 steps.
`;

before(async () => {
  server = await startFakeOpenAI();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'align-cli-'));
  fs.writeFileSync(path.join(dir, 'paper.md'), PAPER);
});
after(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function run(args: string[], env: Record<string, string> = {}, stdin = ''): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
    env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.url, ALIGN_MODEL: 'fake-model', ALIGN_CACHE_DIR: path.join(dir, 'cache'), ...env },
    cwd: dir,
    readStdin: async () => stdin,
  };
  const code = await main(args, io);
  return { code, out, err };
}

test('align tasks lists the built-in tasks', async () => {
  const r = await run(['tasks', '--json']);
  assert.equal(r.code, 0, r.err);
  const ids = (JSON.parse(r.out) as { tasks: { id: string }[] }).tasks.map((t) => t.id);
  for (const id of ['paper-qa', 'elk-ideas', 'elk-critique', 'failure-modes', 'draft-critique']) assert.ok(ids.includes(id), id);
});

test('align ask --json --save answers with passages and saves an instance', async () => {
  server.setResponder(() => ({ text: 'They used 4,000 comparisons [P1].' }));
  const r = await run(['ask', 'paper.md', 'How many comparisons?', '--json', '--save']);
  assert.equal(r.code, 0, r.err);
  const result = JSON.parse(r.out) as { answer: string; passages: { id: string; location: { startLine: number } }[]; instanceId: string };
  assert.equal(result.answer, 'They used 4,000 comparisons [P1].');
  assert.ok(result.passages.length > 0 && typeof result.passages[0].location.startLine === 'number');
  const lines = fs.readFileSync(path.join(dir, 'alignment-tasks', 'paper-qa', 'instances.jsonl'), 'utf8').trim().split('\n');
  const saved = lines.map((l) => JSON.parse(l) as { id: string; output: string }).find((i) => i.id === result.instanceId);
  assert.equal(saved?.output, result.answer);
  assert.ok(!fs.readFileSync(path.join(dir, 'alignment-tasks', 'paper-qa', 'instances.jsonl'), 'utf8').includes(KEY));
});

test('align ask streams to stdout and continues a dialogue file', async () => {
  server.setResponder(() => ({ text: 'Streamed answer.', chunkSize: 3 }));
  fs.writeFileSync(path.join(dir, 'dialogue.txt'), 'Researcher: What is this?\nAssistant: A toy paper.\n');
  const r = await run(['ask', 'paper.md', 'And the results?', '--dialogue', 'dialogue.txt']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^Streamed answer\.\n/);
  const sent = (server.requests.at(-1)!.body as { messages: { role: string; content: string }[] }).messages;
  // The dialogue comes right before the new question; the instance saved above comes first as a worked example.
  assert.deepEqual(sent.slice(-3, -1).map((m) => [m.role, m.content]), [['user', 'What is this?'], ['assistant', 'A toy paper.']]);
  assert.match(sent[1].content, /^\(Worked example from the dataset\.\)/);
});

test('align run reads its input from stdin', async () => {
  server.setResponder(() => ({ text: '1. The reward model is hacked.' }));
  const r = await run(['run', 'failure-modes', '--input', '-'], {}, 'Train a policy against a learned reward model.');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /reward model is hacked/);
  const sent = (server.requests.at(-1)!.body as { messages: { content: string }[] }).messages.at(-1)!.content;
  assert.match(sent, /<input>\nTrain a policy against a learned reward model\.\n<\/input>/);
});

test('a cut stream exits 1 with one line on stderr and the partial answer on stdout', async () => {
  server.setResponder(() => ({ text: 'This answer will be cut somewhere in the middle of it.', cutAfterChars: 20 }));
  const r = await run(['ask', 'paper.md', 'Q?']);
  assert.equal(r.code, 1);
  assert.ok(r.out.startsWith('This answer will be'), `partial on stdout: ${JSON.stringify(r.out)}`);
  const errLines = r.err.trim().split('\n');
  assert.ok(errLines.some((l) => /^align: .*cut off/i.test(l)), r.err);
  assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace without --verbose');
});

test('a refused connection is one clear line, and the key never appears', async () => {
  const r = await run(['ask', 'paper.md', 'Q?', '--base-url', `http://127.0.0.1:${await unusedPort()}/v1`, '--timeout', '5']);
  assert.equal(r.code, 1);
  assert.match(r.err, /connect/i);
  assert.ok(!r.err.includes(KEY) && !r.out.includes(KEY));
});

test('without a key for OpenAI, paper questions get the best passages', async () => {
  const r = await run(['ask', 'paper.md', 'How many human comparisons?'], { OPENAI_API_KEY: '', OPENAI_BASE_URL: '' });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /No language model is configured/);
  assert.match(r.out, /4,000 human comparisons/);
});

test('usage errors exit 2, bad files exit 1 naming the file', async () => {
  assert.equal((await run([])).code, 2);
  assert.equal((await run(['ask', 'paper.md'])).code, 2);
  assert.equal((await run(['frobnicate'])).code, 2);
  assert.equal((await run(['ask', '--bogus-flag', 'paper.md', 'q'])).code, 2);
  const missing = await run(['ask', 'nope.md', 'Q?']);
  assert.equal(missing.code, 1);
  assert.match(missing.err, /nope\.md/);
  fs.writeFileSync(path.join(dir, 'empty.md'), '');
  const empty = await run(['ask', 'empty.md', 'Q?']);
  assert.equal(empty.code, 1);
  assert.match(empty.err, /empty\.md.*empty/i);
});

test('align dataset validate reports a corrupt line by number and changes nothing', async () => {
  const file = path.join(dir, 'alignment-tasks', 'paper-qa', 'instances.jsonl');
  fs.appendFileSync(file, '{"broken": \n');
  const bytes = fs.readFileSync(file);
  const lineNo = bytes.toString('utf8').trimEnd().split('\n').length;
  const r = await run(['dataset', 'validate']);
  assert.equal(r.code, 1);
  assert.match(r.out, new RegExp(`instances\\.jsonl:${lineNo}:`));
  assert.deepEqual(fs.readFileSync(file), bytes, 'the file is untouched');
});
