import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { importIntoStore, importTasksMarkdown } from '../../src/core/exports/importMarkdown';
import { findDate, parseConstraintsText } from '../../src/core/exports/callConstraints';
import { DatasetStore } from '../../src/core/dataset/datasetStore';
import { loadTasks } from '../../src/core/tasks/taskRegistry';
import { checkSource } from '../../src/core/tasks/constraints';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'call');
const read = (name: string) => importTasksMarkdown(fs.readFileSync(path.join(FIXTURES, name), 'utf8'), name);

test('dates written as people write them become the cut-off', () => {
  assert.equal(findDate('Web data up to Apr 27, 2022'), '2022-04-27');
  assert.equal(findDate('Knowledge up to March 8 2022'), '2022-03-08');
  assert.equal(findDate('up to 2022-04-27'), '2022-04-27');
  assert.equal(findDate('nothing after 27 April 2022'), '2022-04-27');
  assert.equal(findDate('as of March 2022'), '2022-03-31');
  assert.equal(findDate('Feb 30, 2022'), undefined);
  const c = parseConstraintsText('Web data up to Apr 27, 2022; specifically exclude ELK prize results');
  assert.deepEqual(c, { knowledgeCutoff: '2022-04-27', excludedDocuments: ['ELK prize results'], note: 'Web data up to Apr 27, 2022; specifically exclude ELK prize results' });
  assert.deepEqual(parseConstraintsText('Knowledge cut-off: 2022-06-30. Excluded documents: a; b. Note: n'), { knowledgeCutoff: '2022-06-30', excludedDocuments: ['a', 'b'], note: 'n' });
  assert.deepEqual(parseConstraintsText('None'), {});
});

test("the call's two worked tasks, pasted inline from the web page, import with their constraints, roles and kinds", () => {
  const r = read('ought-call-inline.md');
  assert.equal(r.tasks.length, 2);
  const [qa, elk] = r.tasks;
  assert.equal(qa.spec.title, 'Paper question-answering');
  assert.equal(qa.spec.inputKind, 'source-dialogue');
  assert.equal(qa.spec.constraints.knowledgeCutoff, '2022-04-27');
  assert.equal(qa.instances.length, 2);
  assert.equal(qa.instances[0].input.source?.title, 'Risks from Learned Optimization in Advanced Machine Learning Systems');
  assert.deepEqual(
    qa.instances[0].input.dialogue.map((d) => d.role),
    ['researcher', 'assistant', 'researcher'],
  );
  assert.equal(qa.instances[0].input.dialogue[2].content, 'And how is that different from the base optimizer?');
  assert.match(qa.instances[0].output, /^The base optimizer is the training process/);
  assert.match(qa.instances[1].output, /deceptive behaviour is favoured by selection\.$/);

  assert.equal(elk.spec.title, 'ELK proposal critique');
  assert.equal(elk.spec.inputKind, 'idea-dialogue');
  assert.deepEqual(elk.spec.constraints.excludedDocuments, ['ELK prize results']);
  assert.equal(elk.spec.constraints.knowledgeCutoff, '2022-04-27');
  assert.equal(elk.instances.length, 2);
  for (const i of elk.instances) assert.deepEqual(i.constraints, elk.spec.constraints);
  // The constraints are enforced as any task's are.
  assert.equal(checkSource({ title: 'ELK prize results', kind: 'markdown', contentHash: '' }, elk.spec.constraints).allowed, false);
  assert.equal(checkSource({ title: 'Some paper', kind: 'pdf', contentHash: '', date: '2022-05-01' }, qa.spec.constraints).allowed, false);
  assert.equal(checkSource({ title: 'Some paper', kind: 'pdf', contentHash: '', date: '2022-04-27' }, qa.spec.constraints).allowed, true);

  // The preamble cannot be placed, and says so: once per paragraph, with its line.
  assert.deepEqual(r.problems.map((p) => p.line), [1, 3]);
  assert.match(r.understood[0], /paper-question-answering.*2 instances.*source-dialogue.*cut-off 2022-04-27/);
  assert.match(r.understood[1], /elk-proposal-critique.*2 instances.*excluded: ELK prize results/);
});

test('labels on their own lines; an instance keeps constraints of its own', () => {
  const r = read('own-lines.md');
  assert.deepEqual(r.problems, []);
  const [t] = r.tasks;
  assert.equal(t.spec.constraints.knowledgeCutoff, '2022-03-08');
  assert.equal(t.instances.length, 2);
  assert.match(t.instances[0].output, /^- The policy finds inputs.*\n- Labellers'/s);
  assert.equal(t.instances[1].constraints.knowledgeCutoff, '2021-12-31');
  assert.equal(t.instances[0].constraints.knowledgeCutoff, '2022-03-08');
});

test('labels in nested bullets with bold, "up to" dates and "excluding" phrases', () => {
  const r = read('bullets.md');
  assert.equal(r.tasks.length, 1);
  const [t] = r.tasks;
  assert.equal(t.spec.inputKind, 'source-dialogue');
  assert.deepEqual(t.spec.constraints.excludedDocuments, ['ELK report']);
  assert.equal(t.instances.length, 2);
  assert.deepEqual(t.instances[1].input.dialogue, [{ role: 'researcher', content: 'What is pseudo-alignment?' }]);
  assert.equal(t.instances[1].input.source?.title, 'The Inner Alignment Problem');
  assert.match(t.instances[1].output, /^A mesa-optimizer whose objective/);
});

test('labels as headings; a code block in an answer is kept whole', () => {
  const r = read('headings.md');
  assert.deepEqual(r.problems, []);
  const [t] = r.tasks;
  assert.equal(t.spec.context, 'An editor of an alignment newsletter needs a faithful short summary and an opinion.');
  assert.deepEqual(t.spec.constraints, {});
  assert.equal(t.instances[0].input.source?.title, 'Learning to summarize from human feedback');
  assert.equal(t.instances[0].input.text, 'Summarise the paper.');
  assert.match(t.instances[0].output, /\*\*Opinion:\*\* a clear/);
  assert.match(t.instances[1].output, /^```\n.*\nOutput: not a label inside a code block\n```$/s);
});

test('a list of one-line task ideas imports as draft tasks only when drafts are asked for', () => {
  const text = fs.readFileSync(path.join(FIXTURES, 'task-ideas.md'), 'utf8');
  assert.equal(importTasksMarkdown(text, 'task-ideas.md').tasks.length, 0);
  const r = importTasksMarkdown(text, 'task-ideas.md', { drafts: true });
  assert.equal(r.tasks.length, 3);
  assert.ok(r.tasks.every((t) => t.draft && t.instances.length === 0));
  assert.ok(r.understood.every((u) => /draft: needs .* 2 to 20 instances/.test(u)));
});

test('a bullet list of placeholders is not a task: the importer says what is missing', () => {
  const r = importTasksMarkdown('- Task: One\n- Task: Two\n', 'x.md');
  assert.equal(r.tasks.length, 2);
  assert.ok(r.tasks.every((t) => t.instances.length === 0));
  assert.equal(r.problems.filter((p) => /has no Context, Input type, Output type/.test(p.message)).length, 2);
});

test('importing never writes a task file over a built-in task', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'align-callimport-'));
  try {
    const store = new DatasetStore(dir);
    const r = importTasksMarkdown('Task: Paper QA\nContext: c\nInput type: a paper and questions\nOutput type: answer\nInstance 1:\nInput\nSource: X\nResearcher: q?\nOutput\nAssistant: a.\n', 'x.md');
    assert.equal(r.tasks[0].spec.id, 'paper-qa');
    const report = await importIntoStore(store, r, { force: true });
    assert.deepEqual(report.builtinKept, ['paper-qa']);
    assert.ok(!fs.existsSync(store.taskSpecPath('paper-qa')));
    const { tasks } = await loadTasks(dir);
    assert.equal(tasks.find((t) => t.id === 'paper-qa')?.origin, 'builtin');
    assert.equal(report.added, 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an export from before the hidden copies keeps its task and instance ids on import', () => {
  const md = '# Alignment research tasks\n\n## Task: Failure modes of a plan or system\n\n<!-- task-id: failure-modes -->\n\n**Context:** c\n\n**Input type:** a plan\n\n**Output type:** failure modes\n\n**Info constraints:** None\n\n### Instance 1\n\n<!-- instance-id: a1 -->\n\n**Input:**\n\nTrain a policy.\n\n**Output:**\n\nIt exploits the reward model.\n';
  const r = importTasksMarkdown(md, 'old.md');
  assert.deepEqual(r.problems, []);
  assert.equal(r.tasks[0].spec.id, 'failure-modes');
  assert.equal(r.tasks[0].instances[0].id, 'a1');
  assert.equal(r.tasks[0].instances[0].input.text, 'Train a policy.');
  assert.equal(r.tasks[0].instances[0].output, 'It exploits the reward model.');
});

test('pasted text that lost the colon after "Instance N" still splits into instances', () => {
  const text = fs.readFileSync(path.join(FIXTURES, 'ought-call-inline.md'), 'utf8').replace(/Instance (\d):/g, 'Instance $1');
  const r = importTasksMarkdown(text, 'x.md');
  assert.deepEqual(r.tasks.map((t) => t.instances.length), [2, 2]);
  assert.equal(r.tasks[1].instances[1].input.dialogue[0].content, 'Ask the reporter questions whose answers we can check later, and reward consistency across time.');
});
