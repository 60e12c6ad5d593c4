import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fakeOpenAIServer';

// The CLI as people run it: a separate process, real pipes, the real openai client over HTTP to
// the fake server. (cli.test.ts runs main() in-process for the quick cases.)
const REPO = path.resolve(__dirname, '..', '..');
const CLI = path.join(REPO, 'src', 'cli', 'main.ts');
// The test folder is outside the repository, so tsx is named by its path.
const TSX = pathToFileURL(path.join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const FIXTURE = path.join(REPO, 'test', 'fixtures', 'call', 'ought-call-inline.md');
const KEY = 'sk-cli-loop-abcdefghijklmnop';

let server: FakeOpenAI;
let dir: string;

interface Run {
  code: number | null;
  out: string;
  err: string;
}

function env(over: Record<string, string> = {}): NodeJS.ProcessEnv {
  // TMPDIR passed on: what the CLI leaves in the temp dir is caught by scripts/unit-tests.sh.
  return { PATH: process.env.PATH, TMPDIR: os.tmpdir(), HOME: dir, OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.url, ALIGN_MODEL: 'fake-model', ALIGN_CACHE_DIR: path.join(dir, 'cache'), ...over };
}

/** Runs `node --import tsx src/cli/main.ts ARGS` in the test folder. */
function align(args: string[], opts: { env?: Record<string, string>; stdin?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], { cwd: dir, env: env(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
    child.stdin.end(opts.stdin ?? '');
  });
}

const chats = () => server.requests.filter((r) => r.path.endsWith('/chat/completions'));
const readInstances = (task: string) =>
  fs.existsSync(path.join(dir, 'alignment-tasks', task, 'instances.jsonl'))
    ? fs.readFileSync(path.join(dir, 'alignment-tasks', task, 'instances.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>)
    : [];

before(async () => {
  server = await startFakeOpenAI();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'align-cliloop-'));
  fs.writeFileSync(path.join(dir, 'late.md'), '---\ntitle: A Later Paper\ndate: 2023-01-15\n---\n\n# A Later Paper\n\nSome text about mesa-optimizers.\n');
  fs.writeFileSync(path.join(dir, 'elk-prize.md'), '---\ntitle: ELK prize results\ndate: 2022-03-01\n---\n\n# ELK prize results\n\nThe winning proposals.\n');
  fs.writeFileSync(path.join(dir, 'early.md'), '---\ntitle: An Earlier Paper\ndate: 2021-01-15\n---\n\n# An Earlier Paper\n\nA mesa-optimizer is a learned optimizer.\n');
  fs.writeFileSync(path.join(dir, 'proposal.txt'), 'Researcher: Penalise the reporter for computation time.\n');
});
after(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function pipeToHead(args: string): Promise<Run> {
  return new Promise((resolve) => {
    // pipefail: the status is the CLI's, not head's.
    const child = spawn('bash', ['-c', `set -o pipefail; "${process.execPath}" --import "${TSX}" "${CLI}" ${args} | head -1`], { cwd: dir, env: env() });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

test('align tasks | head -1 (and a large export piped to head) exits quietly when the reader stops early', { timeout: 90_000 }, async () => {
  // Far more than a pipe holds, so the CLI is still writing when head has gone.
  const big = path.join(dir, 'big', 'failure-modes');
  fs.mkdirSync(big, { recursive: true });
  const line = (n: number) => JSON.stringify({ schemaVersion: 1, id: `big${n}`, taskId: 'failure-modes', createdAt: '2026-01-01T00:00:00.000Z', input: { passages: [], dialogue: [], text: 'plan' }, output: 'x'.repeat(2000), constraints: {} });
  fs.writeFileSync(path.join(big, 'instances.jsonl'), Array.from({ length: 400 }, (_, n) => line(n)).join('\n') + '\n');
  for (const args of ['tasks --dataset big', 'dataset export --format markdown --out - --dataset big']) {
    const r = await pipeToHead(args);
    assert.equal(r.err, '', args);
    assert.equal(r.code, 0, args);
    assert.equal(r.out.trim().split('\n').length, 1, args);
  }
});

test("the call's post imports from the CLI, which says what it understood, and its constraints are enforced by run", { timeout: 120_000 }, async () => {
  const imported = await align(['dataset', 'import', FIXTURE]);
  assert.equal(imported.code, 0, imported.err);
  assert.match(imported.out, /Task "Paper question-answering" \(paper-question-answering\): 2 instances, input: source-dialogue, cut-off 2022-04-27/);
  assert.match(imported.out, /Task "ELK proposal critique" \(elk-proposal-critique\): 2 instances, input: idea-dialogue, cut-off 2022-04-27, excluded: ELK prize results/);
  assert.match(imported.out, /Imported 2 tasks and 4 instances/);
  assert.match(imported.err, /ought-call-inline\.md:3: Could not tell which task/);

  const before = chats().length;
  const late = await align(['run', 'paper-question-answering', '--source', 'late.md', '--save']);
  assert.equal(late.code, 1);
  assert.match(late.err, /dated 2023-01-15, after the task's knowledge cut-off 2022-04-27/);
  const excluded = await align(['run', 'elk-proposal-critique', '--source', 'elk-prize.md', '--save']);
  assert.equal(excluded.code, 1);
  assert.match(excluded.err, /excluded by the task's information constraints \("ELK prize results"\)/);
  assert.equal(chats().length, before, 'the model was never asked');
  assert.equal(readInstances('paper-question-answering').length, 2, 'nothing was saved');

  server.setResponder(() => ({ text: 'A learned optimizer inside the model [P1].' }));
  const early = await align(['run', 'paper-question-answering', '--source', 'early.md', '--input', '-', '--save'], { stdin: 'What is a mesa-optimizer?' });
  assert.equal(early.code, 0, early.err);
  assert.equal(readInstances('paper-question-answering').length, 3);
  server.setResponder(() => ({ text: 'A human simulator is also fast.' }));
  const critique = await align(['run', 'elk-proposal-critique', '--dialogue', 'proposal.txt', '--save']);
  assert.equal(critique.code, 0, critique.err);
  assert.equal(readInstances('elk-proposal-critique').at(-1)!.output, 'A human simulator is also fast.');
});

test('run --field gives a task its named inputs; dataset edit and rate change the saved instance', { timeout: 120_000 }, async () => {
  server.setResponder(() => ({ text: 'Idea 1: penalise computation.' }));
  const run = await align(['run', 'elk-ideas', '--field', 'problem=Find the direct translator', '--save', '--json']);
  assert.equal(run.code, 0, run.err);
  const { instanceId } = JSON.parse(run.out) as { instanceId: string };
  assert.match(chats().at(-1)!.body ? JSON.stringify(chats().at(-1)!.body) : '', /problem: Find the direct translator/);
  const saved = readInstances('elk-ideas').find((i) => i.id === instanceId)!;
  assert.deepEqual(saved.input.fields, { problem: 'Find the direct translator' });

  const edit = await align(['dataset', 'edit', 'elk-ideas', instanceId, '--output', '-'], { stdin: 'Idea 1: penalise computation, and say why it fails.\n' });
  assert.equal(edit.code, 0, edit.err);
  const rate = await align(['dataset', 'rate', 'elk-ideas', instanceId, 'bad', '--reason', 'too vague']);
  assert.equal(rate.code, 0, rate.err);
  const after = readInstances('elk-ideas').find((i) => i.id === instanceId)!;
  assert.equal(after.output, 'Idea 1: penalise computation, and say why it fails.');
  assert.equal(after.originalOutput, 'Idea 1: penalise computation.');
  assert.deepEqual(after.rating, { value: 'bad', reason: 'too vague' });

  const bad = await align(['dataset', 'rate', 'elk-ideas', instanceId, 'meh']);
  assert.equal(bad.code, 2);
  const missing = await align(['dataset', 'edit', 'elk-ideas', 'no-such-id', '--output', '-'], { stdin: 'x' });
  assert.equal(missing.code, 1);
  assert.match(missing.err, /no-such-id/);
});

test('a file of task headings with no instances imports nothing; a list of ideas imports as drafts when asked', { timeout: 60_000 }, async () => {
  fs.writeFileSync(path.join(dir, 'empty.md'), '- Task: One\n- Task: Two\n');
  const empty = await align(['dataset', 'import', 'empty.md', '--dataset', 'drafts']);
  assert.equal(empty.code, 1);
  assert.match(empty.err, /names 2 tasks but no instance .* nothing was imported/);
  assert.ok(!fs.existsSync(path.join(dir, 'drafts')));
  fs.writeFileSync(path.join(dir, 'ideas.md'), '- Find the weakest step in an argument\n- Turn an idea into a first experiment\n');
  const ideas = await align(['dataset', 'import', 'ideas.md', '--drafts', '--dataset', 'drafts']);
  assert.equal(ideas.code, 0, ideas.err);
  assert.match(ideas.out, /draft: needs a context/);
  assert.ok(fs.existsSync(path.join(dir, 'drafts', 'find-the-weakest-step-in-an-argument', 'task.json')));
});

test('--out - writes the export to stdout, and a folder format says it cannot', { timeout: 60_000 }, async () => {
  const md = await align(['dataset', 'export', '--format', 'markdown', '--out', '-']);
  assert.equal(md.code, 0, md.err);
  assert.match(md.out, /^# Alignment research tasks/);
  assert.match(md.out, /## Task: ELK proposal critique/);
  assert.ok(!fs.existsSync(path.join(dir, '-')), 'no file named "-"');
  const hf = await align(['dataset', 'export', '--format', 'hf', '--out', '-']);
  assert.equal(hf.code, 2);
  assert.match(hf.err, /writes a folder/);
});

test('critique --save is refused rather than ignored; critique --json names findings the same way placed or not', { timeout: 60_000 }, async () => {
  fs.writeFileSync(path.join(dir, 'post.md'), '# Post\n\n## Claim\n\nThis proves that RLHF cannot work.\n');
  const save = await align(['critique', 'post.md', '--save']);
  assert.equal(save.code, 2);
  assert.match(save.err, /--save works with ask and run; align critique saves nothing/);

  server.setResponder(() => ({ json: { findings: [{ quote: 'This proves that RLHF cannot work.', problem: 'Overclaim.', why: 'w', severity: 'major', suggestion: '' }, { quote: 'Not in the post.', problem: 'Unplaced.', why: 'w', severity: 'minor', suggestion: '' }] } }));
  const r = await align(['critique', 'post.md', '--json']);
  assert.equal(r.code, 0, r.err);
  const report = JSON.parse(r.out) as { findings: Record<string, unknown>[]; unplaced: Record<string, unknown>[] };
  assert.equal(report.findings[0].problem, 'Overclaim.');
  assert.equal(report.unplaced[0].problem, 'Unplaced.');
  assert.ok(!('critique' in report.findings[0]));
});

test('CLI failures name environment variables and flags, never the editor’s commands or settings', { timeout: 60_000 }, async () => {
  fs.writeFileSync(path.join(dir, 'plan.md'), 'Train against a learned reward.\n');
  const none = await align(['run', 'failure-modes', '--input', 'plan.md'], { env: { OPENAI_API_KEY: '', OPENAI_BASE_URL: '' } });
  assert.equal(none.code, 1);
  assert.match(none.err, /No language model is configured\. Set OPENAI_BASE_URL \(or --base-url\) and ALIGN_MODEL \(or --model\)/);

  server.setResponder(() => ({ text: 'slow', delayMs: 5000 }));
  const slow = await align(['run', 'failure-modes', '--input', 'plan.md', '--timeout', '1']);
  assert.equal(slow.code, 1);
  assert.match(slow.err, /--timeout SECONDS gives it more time/);

  const refused = await align(['run', 'failure-modes', '--input', 'plan.md', '--base-url', 'http://127.0.0.1:9/v1']);
  assert.match(refused.err, /Check --base-url or OPENAI_BASE_URL/);
  for (const r of [none, slow, refused]) {
    assert.ok(!/Alignment:|alignment\.[a-zA-Z]/.test(r.err), r.err);
    assert.ok(!r.err.includes(KEY));
  }
});
