// The per-task summary (src/core/dataset/instanceSummary.ts) is a cache of instances.jsonl: these
// tests change the instances file behind its back (other processes, a crash, a hand edit, a damaged
// summary) and check that counts, worked examples and the instances themselves stay right.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { DatasetStore } from '../../src/core/dataset/datasetStore';
import { summaryPath, type SummaryEntry } from '../../src/core/dataset/instanceSummary';
import { appendJsonlLine } from '../../src/core/dataset/jsonlFile';
import { withFileLock } from '../../src/core/dataset/fileLock';
import { workedExamples } from '../../src/core/dataset/workedExamples';
import { renderExample, selectFewShotExamples } from '../../src/core/prompts/fewShot';
import { isPassagesOnlyAnswer } from '../../src/core/assistant/fallbackAnswer';
import { readSplitConfig, splitTask } from '../../src/core/evaluation/splits';
import type { TaskInstance } from '../../src/core/dataset/instanceTypes';
import { tempDir } from '../support/tempDir';
import { killAndWait } from '../support/childProcesses';

const TASK = 'paper-qa';
const tmp = () => new DatasetStore(path.join(tempDir('align-summary-'), 'alignment-tasks'));

function inst(i: number, over: Partial<TaskInstance> = {}): TaskInstance {
  return {
    schemaVersion: 1,
    id: `inst-${String(i).padStart(5, '0')}`,
    taskId: TASK,
    createdAt: new Date(1_700_000_000_000 + ((i * 7919) % 1000) * 60_000).toISOString(),
    input: { passages: [], dialogue: [{ role: 'researcher', content: `question ${i} ${'words '.repeat(i % 40)}` }] },
    output: i % 11 === 0 ? '' : `answer ${i} ${'because '.repeat((i * 13) % 90)}`,
    ...(i % 5 === 0 ? { rating: { value: 'good' as const } } : i % 7 === 0 ? { rating: { value: 'bad' as const } } : {}),
    ...(i % 9 === 0 ? { split: 'test' as const } : {}),
    constraints: {},
    ...over,
  };
}

/** What the whole file says: the truth the summary must agree with. */
async function truth(store: DatasetStore) {
  const { instances, corrupt } = await store.readInstances(TASK);
  const examples = selectFewShotExamples(instances.filter((i) => !isPassagesOnlyAnswer(i.output)), { budgetTokens: 900, split: readSplitConfig(store, TASK) }).map(renderExample);
  return { count: instances.length, corrupt: corrupt.map((c) => c.line), examples };
}

async function viaSummary(store: DatasetStore) {
  const counts = await store.instanceCounts(TASK);
  const examples = await workedExamples(store, TASK, { budgetTokens: 900, datasetTrusted: true });
  return { count: counts.count, corrupt: counts.corrupt.map((c) => c.line), examples };
}

/** Every summary entry points at the line of the instance it describes. */
async function entriesPointAtTheirLines(store: DatasetStore): Promise<void> {
  const summary = await store.summaryOf(TASK);
  const entries: SummaryEntry[] = Array.from({ length: summary.count }, (_, i) => summary.entry(i));
  const read = await store.readInstancesAt(TASK, entries);
  const { instances } = await store.readInstances(TASK);
  assert.deepEqual(
    read.map((r) => r?.id),
    instances.map((i) => i.id),
  );
}

async function agree(store: DatasetStore, what: string): Promise<void> {
  // A fresh store too: what another process would read from the summary on disk.
  for (const s of [store, new DatasetStore(store.root)]) {
    assert.deepEqual(await viaSummary(s), await truth(s), what);
  }
  await entriesPointAtTheirLines(store);
}

test('worked examples, counts and unreadable lines from the summary equal a read of the whole file, through saves, ratings, edits and deletions', async () => {
  const store = tmp();
  for (let i = 0; i < 60; i++) await store.appendInstance(inst(i));
  await agree(store, 'after saves');
  fs.appendFileSync(store.instancesPath(TASK), '{"broken": \n');
  await store.appendInstance(inst(60));
  await agree(store, 'with an unreadable line');
  await store.updateInstance(TASK, 'inst-00003', { rating: { value: 'good' } });
  await store.updateInstance(TASK, 'inst-00010', { output: 'a much longer researcher answer '.repeat(5) });
  await store.updateInstance(TASK, 'inst-00020', { rating: { value: 'bad' } });
  await agree(store, 'after ratings and edits');
  await store.deleteInstance(TASK, 'inst-00060');
  await store.deleteInstance(TASK, 'inst-00001');
  await agree(store, 'after deletions');
  await splitTask(store, TASK, { testFraction: 0.4, seed: 3 });
  await store.appendInstance(inst(61));
  await agree(store, 'after a split (a rewrite by another writer) and a save');
  assert.ok(fs.existsSync(summaryPath(store.instancesPath(TASK))), 'the summary is kept on disk');
});

const running = new Set<ChildProcess>();

function runWorker(args: string[]): Promise<{ saved: string[]; code: number | null; err: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/appendWorker.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.on('exit', () => running.delete(child));
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ saved: out.split('\n').filter((l) => l && !l.startsWith('DELETED ')), code, err })));
}

test('other processes saving, rating, editing and deleting while this one reads: the summary in memory and on disk stays true', { timeout: 600_000 }, async (t) => {
  t.after(() => killAndWait(running));
  const store = tmp();
  for (let i = 0; i < 20; i++) await store.appendInstance(inst(i));
  await agree(store, 'before');
  const workers = [runWorker([store.root, 'a', '25']), runWorker([store.root, 'b', '25']), runWorker(['rewrite', store.root, 'c', '12'])];
  // This process reads (and rebuilds when it must) while the others write.
  let reads = 0;
  let done = false;
  const all = Promise.all(workers).finally(() => (done = true));
  while (!done) {
    const counts = await store.instanceCounts(TASK);
    assert.ok(counts.count >= 20 - 3, 'never fewer than the instances no one deletes');
    await workedExamples(store, TASK, { budgetTokens: 900, datasetTrusted: true });
    reads++;
  }
  for (const w of await all) assert.equal(w.code, 0, w.err);
  assert.ok(reads > 1);
  await agree(store, 'after the other processes');
  const { instances } = await store.readInstances(TASK);
  for (const w of await all) for (const id of w.saved) if (!id.includes('-own-')) assert.ok(instances.some((i) => i.id === id), `${id} is on disk`);
});

test('a crash between the instance write and the summary write: the summary is stale, rebuilt, and nothing is lost', async () => {
  const store = tmp();
  for (let i = 0; i < 10; i++) await store.appendInstance(inst(i));
  await store.instanceCounts(TASK);
  const summary = fs.readFileSync(summaryPath(store.instancesPath(TASK)));
  // What a process killed after appendJsonlLine and before recordAppend leaves behind.
  const file = store.instancesPath(TASK);
  await withFileLock(file, async () => appendJsonlLine(file, inst(10, { rating: { value: 'good' }, createdAt: '2030-01-01T00:00:00.000Z' })));
  assert.deepEqual(fs.readFileSync(summaryPath(file)), summary, 'the summary still describes ten');
  for (const s of [store, new DatasetStore(store.root)]) {
    assert.equal(await s.countInstances(TASK), 11);
    const examples = await workedExamples(s, TASK, { budgetTokens: 900, datasetTrusted: true });
    assert.match(examples[0].user, /question 10 /, 'the newest good instance leads the worked examples');
  }
  await agree(store, 'after the crash');
  // And the next save goes on from the rebuilt summary.
  await store.appendInstance(inst(11));
  await agree(store, 'after the next save');
});

test('a hand-edited instances file (a rating changed, lines deleted, a line added; then a same-size edit with the time put back) is read as it is now', async () => {
  const store = tmp();
  for (let i = 0; i < 30; i++) await store.appendInstance(inst(i));
  await agree(store, 'before');
  const file = store.instancesPath(TASK);
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  lines[4] = lines[4].replace('"output":"', '"rating":{"value":"good"},"output":"');
  lines.splice(12, 2);
  lines.push(JSON.stringify(inst(98, { rating: { value: 'good' }, createdAt: '2030-01-01T00:00:00.000Z' })));
  fs.writeFileSync(file, lines.join('\n') + '\n');
  await agree(store, 'after the hand edit');
  assert.equal(await store.countInstances(TASK), 29);
  // A same-size edit in place ("good" becomes "bad" and a space), modification time put back: the
  // stamp's hash of the file's last bytes notices.
  const before = fs.statSync(file, { bigint: true });
  const bytes = fs.readFileSync(file);
  const at = bytes.lastIndexOf(Buffer.from('{"value":"good"}'));
  bytes.write('{"value":"bad" }', at, 'latin1');
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, bytes, at, 16, at);
  fs.closeSync(fd);
  fs.utimesSync(file, before.atime, before.mtime);
  assert.equal(fs.statSync(file, { bigint: true }).size, before.size);
  for (const s of [store, new DatasetStore(store.root)]) {
    const summary = await s.summaryOf(TASK);
    assert.equal(summary.entry(summary.count - 1).rating, 'bad', 'the summary follows the edit');
  }
  await agree(store, 'after the same-size edit');
});

test('a damaged, torn, foreign or future-version summary is rebuilt and instances.jsonl is never touched', async () => {
  const store = tmp();
  for (let i = 0; i < 25; i++) await store.appendInstance(inst(i));
  fs.appendFileSync(store.instancesPath(TASK), 'not json at all\n');
  const file = store.instancesPath(TASK);
  const other = tmp();
  for (let i = 0; i < 25; i++) await other.appendInstance(inst(i + 1000));
  await other.instanceCounts(TASK);
  const good = (await store.summaryOf(TASK), fs.readFileSync(summaryPath(file)));
  const instancesBytes = fs.readFileSync(file);
  const damages: [string, Buffer][] = [
    ['garbage', Buffer.from('this is not a summary')],
    ['empty', Buffer.alloc(0)],
    ['torn record', good.subarray(0, good.length - 13)],
    ['header damaged', Buffer.concat([good.subarray(0, 14), Buffer.from('}}}'), good.subarray(17)])],
    ['another task’s summary', fs.readFileSync(summaryPath(other.instancesPath(TASK)))],
    ['another layout version', Buffer.concat([Buffer.from('ALSUMM99'), good.subarray(8)])],
    ['records flipped', Buffer.from(good.map((b, i) => (i > good.length - 48 * 5 ? b ^ 0x55 : b)))],
  ];
  for (const [what, bytes] of damages) {
    fs.writeFileSync(summaryPath(file), bytes);
    await agree(new DatasetStore(store.root), what);
    assert.deepEqual(fs.readFileSync(file), instancesBytes, `${what}: instances.jsonl unchanged`);
    // A save on top of it: the damaged summary is never extended.
    fs.writeFileSync(summaryPath(file), bytes);
    await store.appendInstance(inst(500));
    await agree(new DatasetStore(store.root), `${what}, then a save`);
    await store.deleteInstance(TASK, 'inst-00500');
    assert.deepEqual(fs.readFileSync(file), instancesBytes, `${what}: the save and delete left the rest byte for byte`);
  }
  const counts = await store.instanceCounts(TASK);
  assert.deepEqual(
    counts.corrupt.map((c) => [c.file, c.line]),
    [[file, 26]],
    'the unreadable line is reported with its file and line',
  );
});
