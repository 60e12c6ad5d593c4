// Draft critique as review comments, the vscode-free part: the sentence's columns, the decision
// key that survives a re-run, and the records made from a finding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anchorQuote } from '../../src/core/critique/anchorFinding';
import { critiqueInstance, critiqueRejection, findingKey } from '../../src/core/critique/critiqueRecords';
import { BUILTIN_TASKS } from '../../src/core/tasks/builtinTasks';
import type { AnchoredFinding } from '../../src/core/critique/critiqueRunner';

test('the anchor covers the quoted sentence, not the whole line: exact and tolerant matches', () => {
  const lines = ['Debate is useful. It always converges to honesty. Judges are humans.'];
  assert.deepEqual(anchorQuote('It always converges to honesty.', lines, 5), { startLine: 5, endLine: 5, startCol: 18, endCol: 49, match: 'exact' });
  const md = ['Reward models are **always** wrong off-distribution. Next sentence.'];
  const tolerant = anchorQuote('Reward models are always wrong off-distribution.', md, 1)!;
  assert.equal(tolerant.match, 'tolerant');
  assert.equal(md[0].slice(tolerant.startCol, tolerant.endCol), 'Reward models are **always** wrong off-distribution.');
});

test('a finding is keyed by section and quote (white space and case folded), not by its problem text', () => {
  const a = findingKey({ section: 'Claims', quote: 'It always  converges.' });
  assert.equal(findingKey({ section: 'claims', quote: 'It always converges.' }), a);
  assert.notEqual(findingKey({ section: 'Plans', quote: 'It always converges.' }), a);
});

const finding: AnchoredFinding = {
  id: 's1-1', sectionId: 's1', section: 'Claims', startLine: 5, endLine: 5, match: 'exact',
  quote: 'It always converges.', problem: 'Unsupported.', why: 'No proof.', severity: 'major',
  unitText: 'Debate is useful. It always converges.', unitContext: '# Review',
};
const origin = { file: 'drafts/review.md', model: { model: 'm', endpoint: 'http://x', parameters: {} }, replies: [] };

test('an accepted finding is an instance (the edit kept with its line breaks), a dismissed one a rejection with its reason', () => {
  const task = BUILTIN_TASKS.find((t) => t.id === 'draft-critique')!;
  const inst = critiqueInstance(task, finding, origin, 'Line one.\n\n- two');
  assert.equal(inst.output, 'Line one.\n\n- two');
  assert.match(inst.originalOutput!, /^> It always converges\./);
  assert.equal(inst.input.fields?.file, 'drafts/review.md');
  assert.equal(inst.input.fields?.lines, '5-5');
  const no = critiqueRejection(task, finding, origin, 'Defined in the appendix.');
  assert.equal(no.kind, 'rejected');
  assert.equal(no.rating?.reason, 'Defined in the appendix.');
});
