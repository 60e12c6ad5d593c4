import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DatasetStore } from '../../src/core/dataset/datasetStore';
import { evaluateTask, recordHumanVerdict, readJudgements, evaluationMessages } from '../../src/core/evaluation/evaluateTask';
import { OpenAIModelClient } from '../../src/core/model/openaiModelClient';
import { BUILTIN_TASKS } from '../../src/core/tasks/builtinTasks';
import { silentLogger } from '../../src/core/ports';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fakeOpenAIServer';
import type { TaskInstance } from '../../src/core/dataset/instanceTypes';
import { tempDir } from '../support/tempDir';

const task = BUILTIN_TASKS.find((t) => t.id === 'failure-modes')!;
let server: FakeOpenAI;
let store: DatasetStore;
const client = (model: string) => new OpenAIModelClient({ baseURL: server.url, model, timeoutMs: 5000, maxRetries: 0 }, silentLogger);

function inst(n: number): TaskInstance {
  return {
    schemaVersion: 1,
    id: `i${n}`,
    taskId: 'failure-modes',
    createdAt: `2026-01-0${n}T00:00:00Z`,
    input: { passages: [], dialogue: [], text: `Plan number ${n}` },
    output: `Saved answer ${n}`,
    rating: { value: 'good' },
    constraints: {},
  };
}

before(async () => {
  server = await startFakeOpenAI();
  store = new DatasetStore(tempDir('align-eval-'));
  for (let n = 1; n <= 4; n++) await store.appendInstance(inst(n));
});
after(() => server.close());

test('the instance under evaluation is never one of its own worked examples', async () => {
  const { instances } = await store.readInstances('failure-modes');
  const messages = evaluationMessages(task, instances[0], instances, 10_000);
  const text = messages.map((m) => m.content).join('\n');
  assert.ok(!text.includes('Saved answer 1'), 'its own answer is not shown');
  assert.ok(text.includes('Saved answer 2'), 'other instances are');
  assert.match(messages.at(-1)!.content, /Plan number 1/);
});

test('a failure on one instance is recorded, the run goes on, and a re-run resumes only what is missing', async () => {
  let calls = 0;
  server.setResponder((req) => {
    calls++;
    const input = req.messages.at(-1)!.content;
    if (input.includes('Plan number 3') && calls < 10) return { status: 500 };
    return { text: `Model answer for ${/Plan number (\d)/.exec(input)?.[1]}` };
  });
  const first = await evaluateTask({ task, store, models: [client('fake-model')], runId: 'r1', concurrency: 1 });
  assert.equal(first.scorecard.byModel['fake-model'].answered, 3);
  assert.equal(first.scorecard.byModel['fake-model'].errors, 1);
  const failed = first.judgements.find((j) => j.error)!;
  assert.equal(failed.instanceId, 'i3');
  calls = 100;
  const before = server.requests.length;
  const second = await evaluateTask({ task, store, models: [client('fake-model')], runId: 'r1', concurrency: 1 });
  assert.equal(server.requests.length - before, 1, 'only the failed instance was asked again');
  assert.equal(second.scorecard.byModel['fake-model'].answered, 4);
  assert.equal(second.scorecard.byModel['fake-model'].errors, 0);
  const summary = JSON.parse(fs.readFileSync(path.join(second.dir, 'summary.json'), 'utf8'));
  assert.equal(summary.byModel['fake-model'].answered, 4);
});

test('two models are compared on the same instances, graded by a judge, and a human verdict overrides', async () => {
  server.setResponder((req) => {
    if (/You grade answers/.test(req.messages[0].content)) {
      const better = /fake-judge-likes-this/.test(req.messages.at(-1)!.content);
      return { json: { verdict: better ? 'better' : 'worse', score: better ? 5 : 2, reason: 'because' } };
    }
    return { text: req.model === 'fake-model' ? 'fake-judge-likes-this' : 'meh' };
  });
  const run = await evaluateTask({ task, store, models: [client('fake-model'), client('fake-judge')], judge: client('fake-judge'), runId: 'cmp' });
  const card = run.scorecard.byModel;
  assert.deepEqual([card['fake-model'].better, card['fake-model'].winRate, card['fake-model'].meanScore], [4, 1, 5]);
  assert.deepEqual([card['fake-judge'].worse, card['fake-judge'].winRate], [4, 0]);
  const j = readJudgements(run.dir).find((x) => x.model === 'fake-judge')!;
  const after = await recordHumanVerdict(run.dir, 'failure-modes', j, 'same');
  assert.equal(after.byModel['fake-judge'].same, 1);
  assert.equal(after.byModel['fake-judge'].worse, 3);
});

test('cancelling stops the run and keeps what was judged', async () => {
  server.setResponder(() => ({ text: 'an answer' }));
  const abort = new AbortController();
  // Cancel as soon as the first answer is recorded.
  const run = await evaluateTask({ task, store, models: [client('fake-model')], runId: 'cancel', signal: abort.signal, concurrency: 1, onProgress: () => abort.abort() });
  assert.equal(run.judgements.length, 1, 'the answer recorded before cancelling is kept');
  assert.ok(fs.existsSync(path.join(run.dir, 'summary.json')));
  const resumed = await evaluateTask({ task, store, models: [client('fake-model')], runId: 'cancel', concurrency: 1 });
  assert.equal(resumed.judgements.length, 4, 'a re-run completes the rest');
});
