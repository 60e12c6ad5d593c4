import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { newTaskSpec, suggestTaskId, taskIdProblem, knowledgeCutoffProblem } from '../../src/core/tasks/newTask';
import { validateTaskSpec } from '../../src/core/tasks/taskRegistry';
import { renderInstanceInput, renderInstanceOutput } from '../../src/core/exports/instanceMarkdown';
import { librarySearchSource } from '../../src/core/tools/librarySource';
import { InputFileError } from '../../src/core/errors';
import type { TaskInstance } from '../../src/core/dataset/instanceTypes';
import { tsFiles } from '../support/importGraph';

test('a new task from the researcher’s answers is a valid task.json, with the defaults for empty answers', () => {
  const spec = newTaskSpec({ id: 'find-counterexamples', title: 'Find counterexamples', context: '', inputType: 'A proposal', outputType: '', knowledgeCutoff: '2022-06-30', excludedDocuments: ' arXiv 2212.03827 ;; ELK report ' });
  assert.deepEqual(spec, {
    schemaVersion: 1,
    id: 'find-counterexamples',
    title: 'Find counterexamples',
    context: 'Find counterexamples',
    inputType: 'A proposal',
    outputType: 'Text',
    constraints: { knowledgeCutoff: '2022-06-30', excludedDocuments: ['arXiv 2212.03827', 'ELK report'] },
    instructions: 'Find counterexamples\nInput: A proposal.\nProduce: .',
    inputKind: 'text',
  });
  // What it writes reads back as itself.
  assert.deepEqual(validateTaskSpec(JSON.parse(JSON.stringify(spec)), 'task.json'), spec);
  assert.deepEqual(newTaskSpec({ id: 'x', title: 'X' }).constraints, {});
});

test('a new task that cannot stand is refused naming the field, and the typed id and date are checked', () => {
  assert.throws(() => newTaskSpec({ id: 'Bad Id', title: 'T' }), (e: unknown) => e instanceof InputFileError && /id/.test(e.message));
  assert.throws(() => newTaskSpec({ id: 'ok', title: '   ' }), (e: unknown) => e instanceof InputFileError && /title/.test(e.message));
  assert.throws(() => newTaskSpec({ id: 'ok', title: 'T', knowledgeCutoff: 'June 2022' }), (e: unknown) => e instanceof InputFileError && /knowledgeCutoff/.test(e.message));
  assert.equal(suggestTaskId('  Find Counter-examples: to ELK!  '), 'find-counter-examples-to-elk');
  assert.equal(taskIdProblem('find-counterexamples'), undefined);
  assert.ok(taskIdProblem('Find'));
  assert.equal(knowledgeCutoffProblem(''), undefined);
  assert.equal(knowledgeCutoffProblem('2022-06-30'), undefined);
  assert.ok(knowledgeCutoffProblem('30/06/2022'));
});

const instance: TaskInstance = {
  schemaVersion: 1,
  id: 'i1',
  taskId: 'paper-qa',
  createdAt: '2026-01-01T00:00:00.000Z',
  input: {
    source: { title: 'Paper', kind: 'pdf', path: 'papers/p.pdf', contentHash: 'h' },
    passages: [{ id: 'P1', text: 'x'.repeat(310), location: { page: 6 } }],
    dialogue: [{ role: 'researcher', content: 'What is claimed?' }],
    fields: { problem: 'ELK' },
  },
  output: 'The claim.',
  originalOutput: 'The model’s claim.',
  rating: { value: 'good', reason: 'cites p. 6' },
  model: { model: 'm', endpoint: 'http://127.0.0.1', parameters: {} },
  parentId: 'i0',
  constraints: {},
};

test('an instance reads as Markdown: its input with the source, fields, dialogue and cited passages; its output with the original and the rating', () => {
  assert.equal(
    renderInstanceInput(instance),
    ['# Input — paper-qa / i1', '', '**Source:** Paper (papers/p.pdf)', '', '**problem:** ELK', '', '## Dialogue', '', '**Researcher:** What is claimed?', '', '## Passages used', '', `- **P1** (p. 6): ${'x'.repeat(300)}…`, ''].join('\n'),
  );
  assert.equal(
    renderInstanceOutput(instance),
    ['# Output — paper-qa / i1', '', 'The claim.', '', '---', '', '## The model’s original answer', '', 'The model’s claim.', '', '**Rating:** good — cites p. 6', '', '*Model: m at http://127.0.0.1*', '*Responds to instance i0*'].join('\n'),
  );
});

test('library search results become one source whose passages name their paper', () => {
  const src = librarySearchSource('/papers/lib', 3, [
    { id: 'a', text: 'alpha', location: { page: 2, section: 'Intro' }, source: { title: 'Paper A' }, score: 1 },
    { id: 'b', text: 'beta', location: { page: 4 }, source: { title: 'Paper B' }, score: 0.5 },
  ] as never, [{ reason: 'Paper C is excluded' }]);
  assert.equal(src.ref.title, 'Library: lib (3 papers)');
  assert.deepEqual(src.blocks.map((b) => b.location.section), ['Paper A — Intro', 'Paper B']);
  assert.deepEqual(src.warnings, ['Paper C is excluded']);
  assert.equal(src.selection, true);
});

// Records are made in the core, one constructor per kind (core/dataset/records.ts,
// core/critique/critiqueRecords.ts), so the editor and the CLI write the same thing.
test('the host builds no stored record by hand (no schemaVersion literal)', () => {
  const offenders = tsFiles('src/host').filter((f) => /schemaVersion\s*:/.test(fs.readFileSync(f, 'utf8')));
  assert.deepEqual(offenders, []);
});
