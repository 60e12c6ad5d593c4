import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DatasetStore } from '../../src/core/dataset/datasetStore';
import { EXPORT_FORMATS, exportDataset } from '../../src/core/exports/exportDataset';
import { importIntoStore, importTasksMarkdown } from '../../src/core/exports/importMarkdown';
import type { TaskInstance } from '../../src/core/dataset/instanceTypes';
import type { TaskSpec } from '../../src/core/tasks/taskTypes';

let dir: string;
let store: DatasetStore;

// Answers that a line-based reader could mistake for structure, or that a comment could not hold.
const HOSTILE = [
  'First line.\n\n### Instance 9\n\n**Output:**\n\nTask: not a task\nContext: not a context',
  'An arrow --> and <!-- a comment --> and {{ 7*7 }} and {% raw %}',
  '```\nInput: inside a fence\n```\n   trailing spaces   ',
];

const CUSTOM: TaskSpec = {
  schemaVersion: 1,
  id: 'elk-counterexamples',
  title: 'ELK counterexamples',
  context: 'A researcher wants counterexamples to an ELK proposal.',
  inputType: 'A dialogue proposing an approach',
  outputType: 'A counterexample',
  constraints: { knowledgeCutoff: '2022-04-27', excludedDocuments: ['ELK prize results'], note: 'Web data up to Apr 27, 2022; specifically exclude ELK prize results' },
  instructions: 'Give the strongest counterexample.',
  inputKind: 'idea-dialogue',
};

function inst(over: Partial<TaskInstance> & { id: string; taskId: string }): TaskInstance {
  return {
    schemaVersion: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    input: { passages: [], dialogue: [], text: 'A plan.' },
    output: 'An answer.',
    constraints: {},
    ...over,
  };
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'align-roundtrip-'));
  store = new DatasetStore(path.join(dir, 'a'));
  await store.writeTaskSpec(CUSTOM);
  const model = { model: 'gpt-4o-mini', endpoint: 'http://127.0.0.1:1/v1', parameters: { temperature: 0.2, maxTokens: 800 } };
  await store.appendInstance(
    inst({
      id: 'qa1',
      taskId: 'paper-qa',
      createdAt: '2026-02-03T04:05:06.789Z',
      input: {
        source: { title: 'Toy Paper', kind: 'pdf', contentHash: 'abc123', path: '/papers/toy.pdf', date: '2020-05-01', authors: ['A. Author'], arxivId: '2001.00001' },
        passages: [{ id: 'P1', text: 'We use a KL penalty.\nIt keeps the policy close.', location: { page: 3, section: 'Method', startLine: 10, endLine: 12 }, score: 0.83, sourceTitle: 'Toy Paper', sourceHash: 'abc123' }],
        dialogue: [
          { role: 'researcher', content: 'What is this?' },
          { role: 'assistant', content: 'A toy paper.' },
          { role: 'researcher', content: 'Why the KL penalty?' },
        ],
      },
      output: HOSTILE[0],
      originalOutput: 'The model said something shorter.',
      model,
      rating: { value: 'good', reason: 'cites the passage' },
      constraints: { knowledgeCutoff: '2024-01-01' },
    }),
  );
  await store.appendInstance(inst({ id: 'fm1', taskId: 'failure-modes', input: { passages: [], dialogue: [], text: '  Train against a learned reward.\n\n- step one\n- step two  ' }, output: HOSTILE[1], rating: { value: 'bad' } }));
  await store.appendInstance(inst({ id: 'fm2', taskId: 'failure-modes', output: HOSTILE[2], originalOutput: 'first', model }));
  await store.appendInstance(inst({ id: 'id1', taskId: 'elk-ideas', input: { passages: [], dialogue: [], fields: { problem: 'ELK: find the direct translator.' } }, output: 'Idea: penalise computation.', model }));
  await store.appendInstance(
    inst({ id: 'ec1', taskId: 'elk-counterexamples', parentId: 'id1', input: { passages: [], dialogue: [{ role: 'researcher', content: 'Penalise computation time.' }] }, output: 'A fast human simulator.', constraints: CUSTOM.constraints }),
  );
  await store.appendFeedback({ schemaVersion: 1, id: 'fb1', taskId: 'failure-modes', createdAt: '2026-01-02T00:00:00Z', kind: 'rejected', input: { passages: [], dialogue: [], text: '  Train against a learned reward.\n\n- step one\n- step two  ' }, output: 'Nothing can go wrong.' });
  await store.appendFeedback({ schemaVersion: 1, id: 'fb2', taskId: 'failure-modes', createdAt: '2026-01-02T00:00:00Z', kind: 'rating', input: { passages: [], dialogue: [], text: 'x' }, output: 'y', rating: { value: 'bad', reason: 'vague' }, instanceId: 'fm2' });
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Every file under a path (or the file itself), by relative path. */
function snapshot(p: string): Record<string, string> {
  if (fs.statSync(p).isFile()) return { '.': fs.readFileSync(p, 'utf8') };
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(p, { recursive: true }) as string[]) {
    const full = path.join(p, f);
    if (fs.statSync(full).isFile()) out[f] = fs.readFileSync(full, 'utf8');
  }
  return out;
}

async function everything(s: DatasetStore) {
  const out: Record<string, unknown> = {};
  for (const id of ['paper-qa', 'failure-modes', 'elk-ideas', 'elk-counterexamples']) {
    out[id] = { instances: (await s.readInstances(id)).instances, feedback: (await s.readFeedback(id)).records };
  }
  return out;
}

test('Markdown export → import gives back the same instances, feedback and workspace task', async () => {
  const md = path.join(dir, 'a.md');
  await exportDataset(store, { format: 'markdown', out: md });
  const text = fs.readFileSync(md, 'utf8');
  // Readable: the call's layout, the answers as written.
  assert.match(text, /## Task: ELK counterexamples/);
  assert.match(text, /\*\*Output:\*\*\n\nAn arrow --> and <!-- a comment --> and \{\{ 7\*7 \}\}/);
  const parsed = importTasksMarkdown(text, md);
  assert.deepEqual(parsed.problems, []);
  const other = new DatasetStore(path.join(dir, 'b'));
  await importIntoStore(other, parsed);
  assert.deepEqual(await everything(other), await everything(store));
  assert.deepEqual(JSON.parse(fs.readFileSync(other.taskSpecPath('elk-counterexamples'), 'utf8')), JSON.parse(fs.readFileSync(store.taskSpecPath('elk-counterexamples'), 'utf8')));
  // Importing the same file again adds nothing.
  const again = await importIntoStore(other, importTasksMarkdown(text, md));
  assert.equal(again.added, 0);
  assert.equal(again.alreadyThere, 5);
});

test('export → import → export is byte for byte the same, in every format', async () => {
  const md = path.join(dir, 'c.md');
  await exportDataset(store, { format: 'markdown', out: md });
  const other = new DatasetStore(path.join(dir, 'c'));
  await importIntoStore(other, importTasksMarkdown(fs.readFileSync(md, 'utf8'), md));
  for (const format of EXPORT_FORMATS) {
    const ext = format === 'hf' || format === 'openai-evals' ? '' : format === 'markdown' ? '.md' : format === 'promptfoo' ? '.yaml' : '.jsonl';
    const first = path.join(dir, `first-${format}${ext}`);
    const second = path.join(dir, `second-${format}${ext}`);
    await exportDataset(store, { format, out: first });
    await exportDataset(other, { format, out: second });
    assert.deepEqual(snapshot(second), snapshot(first), format);
  }
  // The DPO pairs survive: the edits (originals) and the dismissed answer.
  const dpo = fs.readFileSync(path.join(dir, 'second-dpo.jsonl'), 'utf8').trim().split('\n');
  assert.equal(dpo.length, 3);
});

test('an answer edited in the Markdown is imported as an edit; an edited input is reported, not taken', async () => {
  const md = path.join(dir, 'd.md');
  await exportDataset(store, { format: 'markdown', out: md, taskId: 'elk-counterexamples' });
  let text = fs.readFileSync(md, 'utf8');
  text = text.replace('\n\nA fast human simulator.\n', '\n\nA fast human simulator that reuses the predictor.\n');
  let parsed = importTasksMarkdown(text, md);
  const edited = parsed.tasks[0].instances[0];
  assert.equal(edited.output, 'A fast human simulator that reuses the predictor.');
  assert.equal(edited.originalOutput, 'A fast human simulator.');
  assert.ok(parsed.problems.some((p) => /edited in the Markdown; the edit is imported/.test(p.message)));

  text = text.replace('Researcher: Penalise computation time.', 'Researcher: Something else.');
  parsed = importTasksMarkdown(text, md);
  assert.equal(parsed.tasks[0].instances[0].input.dialogue[0].content, 'Penalise computation time.');
  assert.equal(parsed.tasks[0].instances[0].output, 'A fast human simulator that reuses the predictor.');
  assert.ok(parsed.problems.some((p) => /input was edited/.test(p.message)));
});
