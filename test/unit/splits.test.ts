import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DatasetStore } from '../../src/core/dataset/datasetStore';
import { evaluateTask } from '../../src/core/evaluation/evaluateTask';
import { readSplitConfig, ruleSplit, splitTask } from '../../src/core/evaluation/splits';
import { readTestConsultations } from '../../src/core/evaluation/leakLog';
import { selectFewShotExamples } from '../../src/core/prompts/fewShot';
import { OpenAIModelClient } from '../../src/core/model/openaiModelClient';
import { BUILTIN_TASKS } from '../../src/core/tasks/builtinTasks';
import { silentLogger } from '../../src/core/ports';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fakeOpenAIServer';
import type { TaskInstance } from '../../src/core/dataset/instanceTypes';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/cliIo';
import { tempDir } from '../support/tempDir';

const task = BUILTIN_TASKS.find((t) => t.id === 'failure-modes')!;
let server: FakeOpenAI;
const client = (model: string) => new OpenAIModelClient({ baseURL: server.url, model, timeoutMs: 10_000, maxRetries: 0 }, silentLogger);

function inst(n: number): TaskInstance {
  return {
    schemaVersion: 1,
    id: `inst-${n}`,
    taskId: 'failure-modes',
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
    input: { passages: [], dialogue: [], text: `Plan number ${n}.` },
    output: `Saved answer ${n}.`,
    constraints: {},
  };
}

async function freshStore(count: number): Promise<DatasetStore> {
  const store = new DatasetStore(tempDir('align-split-'));
  for (let n = 1; n <= count; n++) await store.appendInstance(inst(n));
  return store;
}

before(async () => {
  server = await startFakeOpenAI();
});
after(async () => {
  await server.close();
});

test('the split rule is seeded and deterministic, and puts about the asked fraction in test', () => {
  const ids = Array.from({ length: 2000 }, (_, i) => `id-${i}`);
  const a = ids.map((id) => ruleSplit({ seed: 7, testFraction: 0.3 }, id));
  assert.deepEqual(a, ids.map((id) => ruleSplit({ seed: 7, testFraction: 0.3 }, id)), 'same seed, same split');
  const other = ids.map((id) => ruleSplit({ seed: 8, testFraction: 0.3 }, id));
  assert.notDeepEqual(a, other, 'another seed gives another split');
  const share = a.filter((s) => s === 'test').length / ids.length;
  assert.ok(share > 0.26 && share < 0.34, `test share ${share}`);
});

test('splitting records the side on each instance; instances saved later get theirs by the same rule and none moves', async () => {
  const store = await freshStore(30);
  const first = await splitTask(store, 'failure-modes', { testFraction: 0.3, seed: 42 });
  assert.equal(first.total, 30);
  assert.equal(first.assigned, 30);
  assert.ok(first.test > 0 && first.train > 0);
  const before = new Map((await store.readInstances('failure-modes')).instances.map((i) => [i.id, i.split]));
  for (const [id, side] of before) assert.equal(side, ruleSplit({ seed: 42, testFraction: 0.3 }, id), id);
  // A hand-moved instance keeps its recorded side: the record wins over the rule.
  const moved = [...before].find(([, s]) => s === 'train')![0];
  const file = store.instancesPath('failure-modes');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(`"id":"${moved}"`, `"id":"${moved}","split":"test"`).replace(/("id":"[^"]+","split":"test".*?),"split":"train"/, '$1'));
  for (let n = 31; n <= 60; n++) await store.appendInstance(inst(n));
  // A save into a split task records its side by the rule, as it is written.
  const later = (await store.readInstances('failure-modes')).instances.filter((i) => Number(i.id.slice('inst-'.length)) > 30);
  assert.equal(later.length, 30);
  for (const i of later) assert.equal(i.split, ruleSplit({ seed: 42, testFraction: 0.3 }, i.id), `saved later: ${i.id}`);
  const bytesBefore = fs.readFileSync(file, 'utf8').split('\n').slice(0, 30);
  const again = await splitTask(store, 'failure-modes', { testFraction: 0.3 });
  assert.equal(again.assigned, 0, 'the later saves were placed when saved: nothing is left to place');
  const after = (await store.readInstances('failure-modes')).instances;
  assert.deepEqual(fs.readFileSync(file, 'utf8').split('\n').slice(0, 30), bytesBefore, 'old lines are kept byte for byte');
  for (const i of after) {
    if (i.id === moved) assert.equal(i.split, 'test');
    else assert.equal(i.split, ruleSplit({ seed: 42, testFraction: 0.3 }, i.id), i.id);
  }
  await assert.rejects(splitTask(store, 'failure-modes', { testFraction: 0.5 }), (e: { code?: string }) => e.code === 'split-exists');
  assert.equal(readSplitConfig(store, 'failure-modes')!.seed, 42);
});

test('few-shot examples never come from test, by record or by rule, and never the instance itself', async () => {
  const store = await freshStore(12);
  await splitTask(store, 'failure-modes', { testFraction: 0.4, seed: 3 });
  for (let n = 13; n <= 24; n++) await store.appendInstance(inst(n)); // unsplit: they follow the rule
  const config = readSplitConfig(store, 'failure-modes')!;
  const { instances } = await store.readInstances('failure-modes');
  const picked = selectFewShotExamples(instances, { budgetTokens: 100_000, maxExamples: 100, split: config });
  assert.ok(picked.length > 0);
  for (const p of picked) assert.equal(ruleSplit(config, p.id), 'train', p.id);
  assert.equal(picked.length, instances.filter((i) => ruleSplit(config, i.id) === 'train').length);
});

test('an evaluation answers the test split, its requests show only train examples, and the consultation is logged', async () => {
  const store = await freshStore(20);
  await splitTask(store, 'failure-modes', { testFraction: 0.3, seed: 11 });
  const config = readSplitConfig(store, 'failure-modes')!;
  const { instances } = await store.readInstances('failure-modes');
  const testIds = new Set(instances.filter((i) => i.split === 'test').map((i) => i.id));
  // The hazard: test instances rated good would be the first examples picked if the split were ignored.
  for (const id of testIds) await store.updateInstance('failure-modes', id, { rating: { value: 'good' } });
  const number = (id: string) => id.replace('inst-', '');
  server.reset();
  server.setResponder(() => ({ text: 'An answer.' }));
  const run = await evaluateTask({ task, store, models: [client('fake-model')], judge: undefined, runId: 'held-out', fewShotBudgetTokens: 100_000 });
  assert.equal(run.scorecard.split, 'test');
  assert.equal(run.judgements.length, testIds.size);
  const chats = server.requests.filter((r) => r.path.endsWith('/chat/completions'));
  assert.equal(chats.length, testIds.size);
  for (const r of chats) {
    const messages = (r.body as { messages: { role: string; content: string }[] }).messages;
    const asked = /Plan number (\d+)\./.exec(messages.at(-1)!.content)![1];
    const shown = messages.slice(0, -1).map((m) => m.content).join('\n');
    for (const i of instances) {
      const n = number(i.id);
      const inPrompt = shown.includes(`Saved answer ${n}.`);
      if (ruleSplit(config, i.id) === 'test' || n === asked) assert.ok(!inPrompt, `instance ${n} (test or itself) was shown while answering ${asked}`);
    }
    assert.ok(/Saved answer \d+\./.test(shown), 'train examples are shown');
  }
  const log = readTestConsultations(store, 'failure-modes');
  assert.equal(log.length, 1);
  assert.deepEqual(log[0].models, ['fake-model']);
  assert.equal(log[0].instances, testIds.size);
  assert.equal(log[0].runId, 'held-out');
  assert.ok(!Number.isNaN(Date.parse(log[0].at)));
  // Answering train only does not touch test: nothing is logged.
  await evaluateTask({ task, store, models: [client('fake-model')], runId: 'train-only', split: 'train' });
  assert.equal(readTestConsultations(store, 'failure-modes').length, 1);
});

async function cli(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (s) => (out += s), stderr: (s) => (err += s), env: { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: 'sk-test', ALIGN_MODEL: 'fake-model' }, cwd, readStdin: async () => '' };
  return { code: await main(args, io), out, err };
}

test('align dataset split, then align eval past the budget refuses without --yes and runs with it', async () => {
  const store = await freshStore(10);
  const cwd = path.dirname(store.root);
  const ds = ['--dataset', store.root];
  server.setResponder(() => ({ text: 'An answer.' }));
  const split = await cli(['dataset', 'split', 'failure-modes', '--test', '0.3', '--seed', '5', '--json', ...ds], cwd);
  assert.equal(split.code, 0, split.err);
  assert.equal(JSON.parse(split.out).total, 10);
  const bad = await cli(['dataset', 'split', 'failure-modes', '--test', '1.5', ...ds], cwd);
  assert.equal(bad.code, 2);
  const first = await cli(['eval', 'failure-modes', '--budget', '1', '--json', ...ds], cwd);
  assert.equal(first.code, 0, first.err);
  const firstOut = JSON.parse(first.out);
  assert.equal(firstOut.summary.split, 'test');
  assert.equal(firstOut.testConsultations.length, 1);
  const refused = await cli(['eval', 'failure-modes', '--budget', '1', ...ds], cwd);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /consulted 1 times, at its budget of 1.*--yes/);
  assert.equal(readTestConsultations(store, 'failure-modes').length, 1, 'a refused run is not a consultation');
  const forced = await cli(['eval', 'failure-modes', '--budget', '1', '--yes', '--json', ...ds], cwd);
  assert.equal(forced.code, 0, forced.err);
  assert.equal(JSON.parse(forced.out).summary.testConsultations, 2);
});

test('exports carry the split: Hugging Face train and test files, Inspect metadata, promptfoo metadata', async () => {
  const { exportDataset } = await import('../../src/core/exports/exportDataset');
  const { parse } = await import('yaml');
  const store = await freshStore(20);
  await splitTask(store, 'failure-modes', { testFraction: 0.3, seed: 2 });
  for (let n = 21; n <= 30; n++) await store.appendInstance(inst(n)); // placed by the rule only
  const config = readSplitConfig(store, 'failure-modes')!;
  const expectTest = new Set(Array.from({ length: 30 }, (_, i) => `inst-${i + 1}`).filter((id) => ruleSplit(config, id) === 'test'));
  // The exports go next to the dataset, in a folder of the test's own (not the temp dir itself).
  const exports = tempDir('align-split-exports-');
  const out = path.join(exports, 'hf');
  await exportDataset(store, { format: 'hf', out });
  const ids = (f: string) => fs.readFileSync(path.join(out, 'data', f), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; metadata: { split: string } });
  const test = ids('failure-modes-test.jsonl');
  const train = ids('failure-modes.jsonl');
  assert.deepEqual(new Set(test.map((r) => r.id)), expectTest);
  assert.equal(train.length + test.length, 30);
  assert.ok(train.every((r) => r.metadata.split === 'train') && test.every((r) => r.metadata.split === 'test'));
  const card = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
  const front = parse(card.split('---')[1]) as { configs: { data_files: { split: string; path: string }[] }[] };
  assert.deepEqual(front.configs[0].data_files.map((d) => d.split), ['train', 'test']);
  const insp = path.join(exports, 'inspect.jsonl');
  await exportDataset(store, { format: 'inspect', out: insp });
  const samples = fs.readFileSync(insp, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; metadata: { split: string } });
  for (const s of samples) assert.equal(s.metadata.split, expectTest.has(s.id) ? 'test' : 'train', s.id);
  const pf = path.join(exports, 'promptfoo.yaml');
  await exportDataset(store, { format: 'promptfoo', out: pf });
  const cases = (parse(fs.readFileSync(pf, 'utf8')) as { tests: { metadata: { id: string; split: string } }[] }).tests;
  for (const c of cases) assert.equal(c.metadata.split, expectTest.has(c.metadata.id) ? 'test' : 'train');
});
