import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DatasetStore } from '../../src/core/dataset/datasetStore';
import { readTestConsultations } from '../../src/core/evaluation/leakLog';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fakeOpenAIServer';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/cliIo';
import type { TaskInstance } from '../../src/core/dataset/instanceTypes';
import type { BlindItem, StudyResults } from '../../src/core/evaluation/blindStudy';

let server: FakeOpenAI;
let dir: string;
let store: DatasetStore;

function inst(n: number): TaskInstance {
  return {
    schemaVersion: 1,
    id: `inst-${String(n).padStart(2, '0')}`,
    taskId: 'failure-modes',
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
    input: { passages: [], dialogue: [], text: `Plan number ${n}.` },
    output: `Reference answer ${n}.`,
    constraints: {},
  };
}

async function cli(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (s) => (out += s), stderr: (s) => (err += s), env: { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: 'sk-test', ALIGN_MODEL: 'fake-model' }, cwd: dir, readStdin: async () => stdin };
  return { code: await main([...args, '--dataset', store.root], io), out, err };
}

before(async () => {
  server = await startFakeOpenAI();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'align-study-'));
  store = new DatasetStore(path.join(dir, 'ds'));
  for (let n = 1; n <= 24; n++) await store.appendInstance(inst(n));
  server.setResponder((req) => {
    if (/You grade answers/.test(req.messages[0].content)) return { json: { verdict: 'better', score: 4, reason: 'r' } };
    const n = /Plan number (\d+)\./.exec(req.messages.map((m) => m.content).join('\n'))?.[1];
    if (/asks you for help/.test(req.messages.at(-1)!.content)) return { text: `Help on plan ${n}.` };
    return { text: `Model answer ${n}.` };
  });
  assert.equal((await cli(['dataset', 'split', 'failure-modes', '--test', '0.5', '--seed', '1'])).code, 0);
  const ev = await cli(['eval', 'failure-modes', '--model', 'fake-model', '--judge', 'fake-judge', '--run-id', 'r1']);
  assert.equal(ev.code, 0, ev.err);
});
after(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a two-rater blind study: no names shown, order varies, verdicts mapped back; win rates with intervals, kappa, alpha, judge vs people', async () => {
  const created = await cli(['study', 'create', 'failure-modes', 's1', '--arms', 'reference,model:fake-model', '--run-id', 'r1', '--seed', '3', '--json']);
  assert.equal(created.code, 0, created.err);
  const study = JSON.parse(created.out) as { instanceIds: string[] };
  const items = study.instanceIds.length;
  assert.ok(items >= 6, `${items} test items`);
  assert.equal(readTestConsultations(store, 'failure-modes').filter((c) => c.kind === 'study').length, 1, 'the study is logged as a look at test');
  // r1 prefers the model on even-numbered plans; r2 agrees except on the first item it sees.
  const prefersModel = (rater: string, item: BlindItem, first: boolean) => {
    const n = Number(/Plan number (\d+)/.exec(item.input)![1]);
    const even = n % 2 === 0;
    return rater === 'r2' && first ? !even : even;
  };
  const shown: Record<string, string[]> = { r1: [], r2: [] };
  const labels: Record<string, Map<string, string>> = { r1: new Map(), r2: new Map() };
  for (const rater of ['r1', 'r2']) {
    for (let k = 0; ; k++) {
      const next = await cli(['study', 'next', 'failure-modes', 's1', '--rater', rater, '--json']);
      assert.equal(next.code, 0, next.err);
      const item = JSON.parse(next.out) as BlindItem | null;
      if (!item) break;
      assert.deepEqual(Object.keys(item).sort(), ['answers', 'input', 'itemId', 'of', 'position', 'studyId']);
      assert.deepEqual(Object.keys(item.answers), ['A', 'B']);
      assert.ok(!/fake-model|reference|model:/i.test(JSON.stringify({ ...item, answers: null })), 'nothing names the source of an answer');
      const modelIsA = item.answers.A.startsWith('Model answer');
      assert.ok(modelIsA ? item.answers.B.startsWith('Reference answer') : item.answers.B.startsWith('Model answer'));
      shown[rater].push(modelIsA ? 'model' : 'reference');
      const wantModel = prefersModel(rater, item, k === 0);
      labels[rater].set(item.itemId, wantModel ? 'model' : 'reference');
      const verdict = wantModel === modelIsA ? 'A' : 'B';
      const rated = await cli(['study', 'rate', 'failure-modes', 's1', item.itemId, verdict, '--rater', rater, '--confidence', '4']);
      assert.equal(rated.code, 0, rated.err);
    }
  }
  assert.equal(labels.r1.size, items);
  assert.ok(shown.r1.includes('model') && shown.r1.includes('reference'), 'the model is sometimes A, sometimes B');
  const res = JSON.parse((await cli(['study', 'results', 'failure-modes', 's1', '--json'])).out) as StudyResults;
  assert.deepEqual(res.raters, ['r1', 'r2']);
  assert.equal(res.ratings, 2 * items);
  // Expected figures, computed here from the verdicts given.
  const ids = [...labels.r1.keys()];
  const modelShare = ids.reduce((a, id) => a + ((labels.r1.get(id) === 'model' ? 1 : 0) + (labels.r2.get(id) === 'model' ? 1 : 0)) / 2, 0) / ids.length;
  const model = res.winRates.find((w) => w.arm === 'model:fake-model')!;
  assert.equal(model.winRate, Math.round(modelShare * 1000) / 1000);
  assert.ok(model.low <= model.winRate && model.winRate <= model.high && model.high - model.low > 0.05, JSON.stringify(model));
  const agree = ids.filter((id) => labels.r1.get(id) === labels.r2.get(id)).length / ids.length;
  const p1 = ids.filter((id) => labels.r1.get(id) === 'model').length / ids.length;
  const p2 = ids.filter((id) => labels.r2.get(id) === 'model').length / ids.length;
  const chance = p1 * p2 + (1 - p1) * (1 - p2);
  assert.equal(res.agreement.cohensKappa, Math.round(((agree - chance) / (1 - chance)) * 1000) / 1000);
  assert.equal(typeof res.agreement.krippendorffAlpha, 'number');
  // The judge said "better" every time: it agrees with people where both raters preferred the model.
  const bothModel = ids.filter((id) => labels.r1.get(id) === 'model' && labels.r2.get(id) === 'model').length;
  assert.equal(res.judgeVsPeople?.judge, 'fake-judge');
  assert.equal(res.judgeVsPeople?.agreement, Math.round((bothModel / ids.length) * 1000) / 1000);
  // Tidy exports: one row per verdict.
  assert.equal((await cli(['study', 'export', 'failure-modes', 's1', '--format', 'csv', '--out', 'v.csv'])).code, 0);
  const csv = fs.readFileSync(path.join(dir, 'v.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'study,task,item,rater,arm_a,arm_b,shown_first,preferred,confidence,assisted_questions,at');
  assert.equal(csv.length, 1 + 2 * items);
  assert.equal((await cli(['study', 'export', 'failure-modes', 's1', '--format', 'jsonl', '--out', 'v.jsonl'])).code, 0);
  const rows = fs.readFileSync(path.join(dir, 'v.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(rows.filter((r) => r.rater === 'r1' && r.preferred === 'model:fake-model').length, [...labels.r1.values()].filter((l) => l === 'model').length);
});

test('assisted answers record the help used; bad verdicts, raters and confidences are refused', async () => {
  const created = await cli(['study', 'create', 'failure-modes', 's2', '--arms', 'assisted,reference', '--json']);
  assert.equal(created.code, 0, created.err);
  const item = JSON.parse((await cli(['study', 'assist', 'failure-modes', 's2', '--rater', 'novice', '--json'])).out) as { itemId: string; input: string };
  assert.ok(!/Reference answer/.test(item.input), 'the non-expert never sees the reference');
  const ask = await cli(['study', 'ask', 'failure-modes', 's2', item.itemId, 'What', 'could', 'go', 'wrong?', '--rater', 'novice']);
  assert.equal(ask.code, 0, ask.err);
  assert.match(ask.out, /Help on plan \d+\./);
  const answered = await cli(['study', 'answer', 'failure-modes', 's2', item.itemId, '--rater', 'novice', '--input', '-', '--json'], 'My assisted answer.');
  assert.equal(answered.code, 0, answered.err);
  const rec = JSON.parse(answered.out);
  assert.equal(rec.help.length, 1);
  assert.equal(rec.help[0].question, 'What could go wrong?');
  assert.equal(rec.help[0].model, 'fake-model');
  const next = JSON.parse((await cli(['study', 'next', 'failure-modes', 's2', '--rater', 'expert', '--json'])).out) as BlindItem;
  assert.equal(next.itemId, item.itemId, 'only the item with an assisted answer is ready to rate');
  assert.deepEqual([next.answers.A, next.answers.B].sort(), ['My assisted answer.', next.input.includes('Plan number') ? `Reference answer ${/Plan number (\d+)/.exec(next.input)![1]}.` : ''].sort());
  assert.equal((await cli(['study', 'rate', 'failure-modes', 's2', item.itemId, 'C', '--rater', 'expert', '--confidence', '3'])).code, 1);
  assert.equal((await cli(['study', 'rate', 'failure-modes', 's2', item.itemId, 'A', '--rater', 'expert', '--confidence', '9'])).code, 1);
  assert.equal((await cli(['study', 'rate', 'failure-modes', 's2', item.itemId, 'A', '--rater', 'has space', '--confidence', '3'])).code, 1);
  assert.equal((await cli(['study', 'rate', 'failure-modes', 's2', item.itemId, 'tie', '--rater', 'expert', '--confidence', '3'])).code, 0);
  const res = JSON.parse((await cli(['study', 'results', 'failure-modes', 's2', '--json'])).out) as StudyResults;
  assert.deepEqual(res.winRates.map((w) => w.winRate), [0.5, 0.5]);
  assert.deepEqual(res.assistance, { answers: 1, questionsPerAnswer: 1 });
});

test('the scorecard carries the same numbers as align eval --json, align study results and align critique --planted --json', async () => {
  const { collectScorecard } = await import('../../src/core/evaluation/scorecardData');
  const { BUILTIN_TASKS } = await import('../../src/core/tasks/builtinTasks');
  const ev = JSON.parse((await cli(['eval', 'failure-modes', '--model', 'fake-model', '--judge', 'fake-judge', '--run-id', 'r2', '--yes', '--json'])).out);
  fs.writeFileSync(path.join(dir, 'd.md'), '# D\n\nThis claim is overstated beyond belief.\n\nAnother sentence here.\n');
  fs.writeFileSync(path.join(dir, 'd.flaws.json'), JSON.stringify([{ quote: 'This claim is overstated beyond belief.', flaw: 'x' }, { quote: 'Another sentence here.', flaw: 'y' }]));
  server.setResponder((req) => ({ json: { findings: req.messages.at(-1)!.content.includes('overstated') ? [{ quote: 'This claim is overstated beyond belief.', problem: 'p', why: 'w', severity: 'major', suggestion: 's' }] : [] } }));
  const planted = JSON.parse((await cli(['critique', 'd.md', '--planted', 'd.flaws.json', '--json'])).out);
  const card = await collectScorecard(store, BUILTIN_TASKS);
  const fm = card.tasks.find((t) => t.taskId === 'failure-modes')!;
  const run = fm.runs.find((r) => r.runId === 'r2')!;
  const m = ev.summary.byModel['fake-model'];
  assert.deepEqual([run.models[0].winRate, run.models[0].low, run.models[0].high], [m.winRate, ...m.winRateInterval]);
  assert.equal(fm.consultations.length, ev.testConsultations.length);
  const study = JSON.parse((await cli(['study', 'results', 'failure-modes', 's1', '--json'])).out) as StudyResults;
  assert.deepEqual(fm.studies.find((s) => s.studyId === 's1'), study);
  const p = card.planted.find((x) => x.runId === planted.runId)!;
  assert.deepEqual(p.results[0], { model: 'fake-model', caught: planted.results[0].planted.caught.length, total: 2, otherFindings: 0 });
  assert.equal(p.results[0].caught, 1);
});
