import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { DatasetStore } from '../../src/core/dataset/datasetStore';
import { loadTasks, validateTaskSpec, taskInstanceCountWarning } from '../../src/core/tasks/taskRegistry';
import { BUILTIN_TASKS } from '../../src/core/tasks/builtinTasks';
import { checkSource } from '../../src/core/tasks/constraints';
import { newId } from '../../src/core/dataset/ids';
import type { TaskInstance } from '../../src/core/dataset/instanceTypes';
import { AlignError, InputFileError } from '../../src/core/errors';
import { tempDir } from '../support/tempDir';
import { killAndWait } from '../support/childProcesses';

const tmp = () => tempDir('align-ds-');

function inst(id: string, over: Partial<TaskInstance> = {}): TaskInstance {
  return {
    schemaVersion: 1,
    id,
    taskId: 'paper-qa',
    createdAt: '2026-01-01T00:00:00.000Z',
    input: { passages: [], dialogue: [{ role: 'researcher', content: `q ${id}` }] },
    output: `a ${id}`,
    constraints: {},
    ...over,
  };
}

test('built-in tasks are valid and include the seed tasks of the tasks call', () => {
  for (const t of BUILTIN_TASKS) assert.deepEqual(validateTaskSpec(t, 'builtin'), t);
  const ids = BUILTIN_TASKS.map((t) => t.id);
  for (const id of ['paper-qa', 'elk-ideas', 'elk-critique', 'failure-modes', 'draft-critique']) assert.ok(ids.includes(id), id);
  assert.ok(ids.length >= 9);
});

test('workspace tasks override built-ins; a broken task.json is reported with file and field, the rest load', async () => {
  const root = tmp();
  const write = (id: string, body: unknown) => {
    fs.mkdirSync(path.join(root, id), { recursive: true });
    fs.writeFileSync(path.join(root, id, 'task.json'), typeof body === 'string' ? body : JSON.stringify(body));
  };
  write('paper-qa', { ...BUILTIN_TASKS[0], title: 'My paper QA' });
  write('broken-json', '{ "id": "broken-json", ');
  write('missing-field', { schemaVersion: 1, id: 'missing-field', title: 'T', inputType: 'i', outputType: 'o', inputKind: 'text' });
  write('bad-date', { schemaVersion: 1, id: 'bad-date', title: 'T', context: 'c', inputType: 'i', outputType: 'o', inputKind: 'text', constraints: { knowledgeCutoff: 'June 2022' } });
  // Hand-written in the tasks call's words: snake_case, no schemaVersion.
  write('legacy', { id: 'legacy', title: 'Legacy', context: 'c', input_type: 'i', output_type: 'o', info_constraints: { cutoff: '2022-01-01' } });
  const { tasks, problems } = await loadTasks(root);
  assert.equal(tasks.find((t) => t.id === 'paper-qa')?.title, 'My paper QA');
  assert.equal(tasks.find((t) => t.id === 'paper-qa')?.origin, 'workspace');
  assert.equal(tasks.find((t) => t.id === 'legacy')?.constraints.knowledgeCutoff, '2022-01-01');
  assert.equal(tasks.find((t) => t.id === 'legacy')?.inputType, 'i');
  assert.equal(problems.length, 3);
  const byFile = (id: string) => problems.find((p) => p.file.includes(`${path.sep}${id}${path.sep}`))!;
  assert.match(byFile('broken-json').message, /not valid JSON/);
  assert.equal(byFile('missing-field').field, 'context');
  assert.equal(byFile('bad-date').field, 'constraints.knowledgeCutoff');
  assert.ok(problems.every((p) => p instanceof InputFileError && p.hint));
});

test('instance counts outside 2–20 get a note, never a block', () => {
  assert.match(taskInstanceCountWarning(1)!, /2 to 20/);
  assert.equal(taskInstanceCountWarning(2), undefined);
  assert.match(taskInstanceCountWarning(21)!, /21 instances/);
});

test('constraints: cut-off dates and excluded documents', () => {
  const ref = { title: 'Eliciting Latent Knowledge', kind: 'pdf' as const, contentHash: 'h', date: '2021-12-14', arxivId: '2212.03827v2', path: '/p/elk.pdf' };
  assert.equal(checkSource(ref, {}).allowed, true);
  const late = checkSource(ref, { knowledgeCutoff: '2021-06-30' });
  assert.equal(late.allowed, false);
  assert.match(!late.allowed ? late.reason : '', /2021-12-14.*2021-06-30/);
  assert.equal(checkSource(ref, { excludedDocuments: ['arXiv:2212.03827'] }).allowed, false);
  assert.equal(checkSource(ref, { excludedDocuments: ['eliciting latent knowledge'] }).allowed, false);
  assert.equal(checkSource(ref, { excludedDocuments: ['debate'] }).allowed, true);
});

test('instances round-trip; ids are unique and time-ordered', async () => {
  const store = new DatasetStore(tmp());
  const ids = Array.from({ length: 200 }, () => newId());
  assert.equal(new Set(ids).size, 200);
  assert.deepEqual([...ids].sort(), ids);
  await store.appendInstance(inst('one'), BUILTIN_TASKS[0]);
  await store.appendInstance(inst('two', { rating: { value: 'good' } }));
  const { instances, corrupt } = await store.readInstances('paper-qa');
  assert.deepEqual(instances.map((i) => i.id), ['one', 'two']);
  assert.deepEqual(corrupt, []);
  assert.ok(fs.existsSync(store.taskSpecPath('paper-qa')), 'task.json is written with the first instance');
  assert.equal(await store.countInstances('paper-qa'), 2);
});

test('a corrupt line is reported with its number, the rest loads, and the file is not touched', async () => {
  const store = new DatasetStore(tmp());
  await store.appendInstance(inst('a'));
  fs.appendFileSync(store.instancesPath('paper-qa'), '{"schemaVersion":1, oops\n{"schemaVersion":1,"id":"x"}\n');
  await store.appendInstance(inst('b'));
  const before = fs.readFileSync(store.instancesPath('paper-qa'));
  const { instances, corrupt } = await store.readInstances('paper-qa');
  assert.deepEqual(instances.map((i) => i.id), ['a', 'b']);
  assert.deepEqual(corrupt.map((c) => [c.line, /JSON/.test(c.reason) || /field/.test(c.reason)]), [[2, true], [3, true]]);
  assert.match(corrupt[1].reason, /field "taskId"/);
  assert.equal(corrupt[0].file, store.instancesPath('paper-qa'));
  assert.deepEqual(fs.readFileSync(store.instancesPath('paper-qa')), before);
});

test('a torn last line (a killed writer) is kept, reported, and the next save starts on a fresh line', async () => {
  const store = new DatasetStore(tmp());
  await store.appendInstance(inst('a'));
  fs.appendFileSync(store.instancesPath('paper-qa'), '{"schemaVersion":1,"id":"torn","taskId":"pa');
  await store.appendInstance(inst('b'));
  const text = fs.readFileSync(store.instancesPath('paper-qa'), 'utf8');
  assert.ok(text.includes('"taskId":"pa\n{'), 'the torn text is kept as it was');
  const { instances, corrupt } = await store.readInstances('paper-qa');
  assert.deepEqual(instances.map((i) => i.id), ['a', 'b']);
  assert.equal(corrupt.length, 1);
  assert.equal(corrupt[0].line, 2);
});

test('edits and deletions rewrite atomically and keep unreadable lines byte for byte', async () => {
  const store = new DatasetStore(tmp());
  await store.appendInstance(inst('a'));
  fs.appendFileSync(store.instancesPath('paper-qa'), 'garbage that must survive\n');
  await store.appendInstance(inst('b'));
  const updated = await store.updateInstance('paper-qa', 'a', { output: 'better answer', rating: { value: 'good', reason: 'clear' } });
  assert.equal(updated.output, 'better answer');
  assert.equal(updated.originalOutput, 'a a', 'the first saved answer is kept');
  const again = await store.updateInstance('paper-qa', 'a', { output: 'third version' });
  assert.equal(again.originalOutput, 'a a', 'still the first version');
  await store.deleteInstance('paper-qa', 'b');
  const text = fs.readFileSync(store.instancesPath('paper-qa'), 'utf8');
  assert.ok(text.includes('garbage that must survive\n'));
  const { instances } = await store.readInstances('paper-qa');
  assert.deepEqual(instances.map((i) => [i.id, i.output]), [['a', 'third version']]);
  await assert.rejects(store.deleteInstance('paper-qa', 'nope'), (e) => AlignError.is(e) && e.code === 'no-instance');
  assert.deepEqual(fs.readdirSync(path.dirname(store.instancesPath('paper-qa'))).filter((f) => f.endsWith('.tmp') || f.endsWith('.lock')), []);
});

test('saving where a file stands in for the folder fails clearly and writes nothing', async () => {
  // Running as root, permissions do not stop writes; a file in place of the dataset folder does.
  const dir = tmp();
  const blocked = path.join(dir, 'alignment-tasks');
  fs.writeFileSync(blocked, 'not a folder');
  const store = new DatasetStore(blocked);
  await assert.rejects(store.appendInstance(inst('a')), (e) => AlignError.is(e) && e.code === 'dataset-write' && e.message.includes(blocked) && !!e.hint);
  assert.equal(fs.readFileSync(blocked, 'utf8'), 'not a folder');
});

test('an instance that could not be read back is refused before it is written', async () => {
  const store = new DatasetStore(tmp());
  await assert.rejects(store.appendInstance({ ...inst('a'), output: undefined as unknown as string }), (e) => AlignError.is(e) && e.code === 'invalid-instance');
  assert.equal(fs.existsSync(store.instancesPath('paper-qa')), false);
});

function runWorker(root: string, name: string, count: number, delay = 0) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/appendWorker.ts', root, name, String(count), String(delay)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const saved: string[] = [];
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    saved.push(...lines.filter(Boolean));
  });
  const done = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, saved, done };
}

test('three processes saving into one file at once, one of them killed mid-run: no completed save lost or corrupted', async (t) => {
  const root = tmp();
  const store = new DatasetStore(root);
  const per = 150;
  const a = runWorker(root, 'cli', per);
  const b = runWorker(root, 'editor', per);
  const killed = runWorker(root, 'killed', 100_000, 1);
  t.after(() => killAndWait([a.child, b.child, killed.child]));
  // Kill the third writer once it has saved a few.
  let exited = false;
  void killed.done.then(() => (exited = true));
  for (let i = 0; i < 1500 && killed.saved.length < 20 && !exited; i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(killed.saved.length >= 20, 'the third writer was saving when it was killed');
  killed.child.kill('SIGKILL');
  assert.deepEqual(await Promise.all([a.done, b.done]), [0, 0]);
  await killed.done;
  const { instances, corrupt } = await store.readInstances('paper-qa');
  const ids = instances.map((i) => i.id);
  const completed = [...a.saved, ...b.saved, ...killed.saved];
  const missing = completed.filter((id) => !ids.includes(id));
  assert.deepEqual(missing, [], 'every save that completed is on disk');
  assert.equal(new Set(ids).size, ids.length, 'no instance twice');
  assert.ok(corrupt.length <= 1, `at most the killed writer's torn line: ${JSON.stringify(corrupt.map((c) => c.reason))}`);
  assert.ok(instances.every((i) => i.output.startsWith('answer ')), 'no record is garbled');
  t.diagnostic(`saves completed ${completed.length}, found ${ids.length}, lost 0, unreadable lines ${corrupt.length}`);
});
