import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findingRange, parsePlantedFlaws, scorePlanted } from '../../src/core/evaluation/plantedFlaws';
import { DatasetStore } from '../../src/core/dataset/datasetStore';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fakeOpenAIServer';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/cliIo';

const DRAFT = `# Why debate will work

## Claim

Debate lets a weak judge supervise a strong model. We ran 40 debates and the judge was right in 38.
This proves that debate scales to superhuman systems.

## Evidence

Honest debaters won more often than dishonest ones. The judges were experts in the topic,
which made the task easy for them.

## Conclusion

We should rely on debate alone for oversight.
`;

const FLAWS = [
  { quote: 'This proves that debate scales to superhuman systems.', flaw: 'SECRET-1: forty easy debates cannot show scaling to superhuman systems.' },
  { quote: 'The judges were experts in the topic,\nwhich made the task easy for them.', flaw: 'SECRET-2: expert judges defeat the point of a weak judge.' },
  { quote: 'We should rely on debate alone for oversight.', flaw: 'SECRET-3: the conclusion ignores every other oversight method.' },
];

let server: FakeOpenAI;
let dir: string;

before(async () => {
  server = await startFakeOpenAI({ models: ['fake-model', 'fake-judge'] });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'align-planted-'));
  fs.writeFileSync(path.join(dir, 'draft.md'), DRAFT);
  fs.writeFileSync(path.join(dir, 'flaws.json'), JSON.stringify(FLAWS, null, 2));
});
after(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('overlap scoring: an exact quote and a partial quote catch their flaw, another sentence catches none', () => {
  const flaws = parsePlantedFlaws(JSON.stringify(FLAWS), 'flaws.json', DRAFT);
  assert.deepEqual(flaws.map((f) => [f.startLine, f.endLine]), [[6, 6], [10, 11], [15, 15]]);
  const lineOf = (q: string) => DRAFT.slice(0, DRAFT.indexOf(q)).split('\n').length;
  const finding = (quote: string, problem: string) => ({ quote, problem, startLine: lineOf(quote), endLine: lineOf(quote) });
  const exact = finding('This proves that debate scales to superhuman systems.', 'Overclaim.');
  const partial = finding('which made the task easy', 'Easy judges.');
  const none = finding('Honest debaters won more often than dishonest ones.', 'Sample size?');
  // Same line as the first flaw but another sentence: overlaps nothing.
  const sameLineOther = finding('We ran 40 debates and the judge was right in 38.', 'Which debates?');
  const s = scorePlanted('m', DRAFT, flaws, [exact, partial, none, sameLineOther]);
  assert.deepEqual(s.planted.caught.map((c) => c.flaw.slice(0, 8)), ['SECRET-1', 'SECRET-2']);
  assert.deepEqual(s.planted.caught.map((c) => c.foundAs), [['Overclaim.'], ['Easy judges.']]);
  assert.deepEqual(s.planted.missed.map((c) => c.flaw.slice(0, 8)), ['SECRET-3']);
  assert.equal(s.otherFindings, 2);
  assert.equal(s.planted.total, 3);
  // A finding placed by line only (its quote paraphrased) covers its whole line.
  const r = findingRange(DRAFT, { quote: 'paraphrase of the claim', startLine: 15, endLine: 15 });
  assert.equal(DRAFT.slice(r.start, r.end), 'We should rely on debate alone for oversight.');
});

test('a flaws file whose quotes are not in the draft is refused, naming them', () => {
  const bad = [...FLAWS, { quote: 'Debate always works.', flaw: 'x' }, { quote: 'Nor this one.', flaw: 'y' }];
  assert.throws(() => parsePlantedFlaws(JSON.stringify(bad), '/d/flaws.json', DRAFT), (e: Error) => /\/d\/flaws\.json.*not in the draft.*\[3\] “Debate always works\.”.*\[4\] “Nor this one\.”/.test(e.message));
  assert.throws(() => parsePlantedFlaws('{"quote": "x"}', 'f.json', DRAFT), /JSON array/);
  assert.throws(() => parsePlantedFlaws('[{"quote": "This proves that debate scales to superhuman systems."}]', 'f.json', DRAFT), /"flaw"/);
  assert.throws(() => parsePlantedFlaws('[oops', 'f.json', DRAFT), /not valid JSON/);
});

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (s) => (out += s), stderr: (s) => (err += s), env: { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: 'sk-test', ALIGN_MODEL: 'fake-model' }, cwd: dir, readStdin: async () => '' };
  return { code: await main(args, io), out, err };
}

test('align critique --planted: per model caught and missed, flaw descriptions never sent, run saved, outcomes become instances', async () => {
  server.reset();
  // fake-model finds the overclaim; fake-judge finds the expert judges and a sentence that was not planted.
  server.setResponder((req) => {
    const input = req.messages.at(-1)!.content;
    const findings: { quote: string; problem: string; why: string; severity: string; suggestion: string }[] = [];
    const add = (quote: string, problem: string) => findings.push({ quote, problem, why: 'w', severity: 'major', suggestion: 's' });
    if (req.model === 'fake-model' && input.includes('This proves that debate scales')) add('This proves that debate scales to superhuman systems.', 'Overclaim.');
    if (req.model === 'fake-judge' && input.includes('The judges were experts')) {
      add('The judges were experts in the topic, which made the task easy for them.', 'Judges too strong.');
      add('Honest debaters won more often than dishonest ones.', 'How often?');
    }
    return { json: { findings } };
  });
  const r = await cli(['critique', 'draft.md', '--planted', 'flaws.json', '--model', 'fake-model,fake-judge', '--json']);
  assert.equal(r.code, 0, r.err);
  const out = JSON.parse(r.out) as { runId: string; results: { model: string; planted: { total: number; caught: { quote: string; flaw: string }[]; missed: { quote: string }[] }; otherFindings: number }[] };
  const [a, b] = out.results;
  assert.equal(a.model, 'fake-model');
  assert.deepEqual([a.planted.total, a.planted.caught.length, a.planted.missed.length, a.otherFindings], [3, 1, 2, 0]);
  assert.equal(a.planted.caught[0].quote, FLAWS[0].quote);
  assert.equal(a.planted.caught[0].flaw, FLAWS[0].flaw);
  assert.deepEqual([b.planted.caught.length, b.planted.missed.length, b.otherFindings], [1, 2, 1]);
  const bodies = server.requests.map((q) => JSON.stringify(q.body));
  assert.ok(bodies.length >= 6);
  assert.ok(bodies.some((t) => t.includes('This proves that debate scales')), 'the draft itself is sent');
  for (const t of bodies) assert.ok(!t.includes('SECRET-'), 'no flaw description reaches the model');
  const store = new DatasetStore(path.join(dir, 'alignment-tasks'));
  const saved = JSON.parse(fs.readFileSync(path.join(store.taskDir('flaw-detection'), 'evals', out.runId, 'planted.json'), 'utf8'));
  assert.equal(saved.results.length, 2);
  const { instances } = await store.readInstances('flaw-detection');
  assert.equal(instances.length, 6, 'one instance per critic and planted flaw');
  const caught = instances.filter((i) => i.input.fields?.outcome === 'caught');
  assert.deepEqual(caught.map((i) => [i.input.fields?.critic, i.output.slice(0, 8)]).sort(), [['fake-judge', 'SECRET-2'], ['fake-model', 'SECRET-1']]);
  assert.ok(fs.existsSync(path.join(store.taskDir('flaw-detection'), 'task.json')));
  // Text output names the counts.
  const text = await cli(['critique', 'draft.md', '--planted', 'flaws.json']);
  assert.match(text.out, /fake-model: caught 1 of 3 planted flaws; 0 other findings/);
  const refused = await cli(['critique', 'draft.md', '--planted', 'draft.md']);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /draft\.md.*not valid JSON/);
});
