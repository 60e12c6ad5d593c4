// One idea at a time (the items of a list answer), and the dataset's records made in one place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ideaItems } from '../../src/core/critique/ideaItems';
import { newInstanceRecord, newRatingRecord, newRejectionRecord } from '../../src/core/dataset/records';

test('the items of an answer that is a list, as written, without their bullets; prose has none', () => {
  const answer = 'Three ideas:\n\n1. **Probes**: ask twice.\n   Compare the answers.\n2. Debate\n   - with a judge\n   - and a referee\n3) Steering [P3].\n\nThat is all.';
  assert.deepEqual(ideaItems(answer), ['**Probes**: ask twice.\n   Compare the answers.', 'Debate\n   - with a judge\n   - and a referee', 'Steering [P3].']);
  assert.deepEqual(ideaItems('- one\n- two'), ['one', 'two']);
  assert.deepEqual(ideaItems('Just prose, no list.'), []);
  assert.deepEqual(ideaItems('```\n1. not a list\n2. in code\n```'), []);
});

const input = { passages: [], dialogue: [], text: 'An idea.' };

test('an instance is made and checked in one place: trimmed output, the original only when it differs, the parent kept', () => {
  const inst = newInstanceRecord({ taskId: 'elk-critique', input, output: '  Fails when…  ', originalOutput: 'Fails when…', parentId: 'p1', constraints: {} });
  assert.equal(inst.schemaVersion, 1);
  assert.equal(inst.output, 'Fails when…');
  assert.equal(inst.originalOutput, undefined, 'the same text is not an edit');
  assert.equal(inst.parentId, 'p1');
  assert.match(inst.id, /\S/);
  assert.throws(() => newInstanceRecord({ taskId: 'x', input, output: '  ', constraints: {} }), /empty/);
  assert.throws(() => newInstanceRecord({ taskId: '', input, output: 'a', constraints: {} }), /taskId/);
});

test('a rating and a rejection are feedback records; a rejection keeps its reason', () => {
  const r = newRatingRecord({ taskId: 'paper-qa', input, output: 'a', rating: { value: 'good' } });
  assert.equal(r.kind, 'rating');
  const no = newRejectionRecord({ taskId: 'draft-critique', input, output: 'finding', reason: ' not a problem ' });
  assert.equal(no.kind, 'rejected');
  assert.deepEqual(no.rating, { value: 'bad', reason: 'not a problem' });
  assert.equal(newRejectionRecord({ taskId: 'draft-critique', input, output: 'finding' }).rating, undefined);
});
