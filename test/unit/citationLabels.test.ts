// Citations a reader can trust: labels that tell two passages on one page apart, and the Save
// editor's labels mapped back to the ids faithfully.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { passageLabels, quoteForHover } from '../../src/core/retrieval/passageLabels';
import { citationsToLabels, editedTextToSave, labelsToCitations } from '../../src/protocol/citationText';
import type { CitationView } from '../../src/protocol/panelProtocol';
import type { SourceBlock } from '../../src/core/sources/sourceTypes';

const blocks: SourceBlock[] = [
  { text: 'Page five ends here.', location: { page: 5 } },
  { text: 'The first paragraph of page six introduces the reward model.', location: { page: 6 } },
  { text: 'The second paragraph of page six says the proxy diverges.', location: { page: 6 } },
  { text: 'A numbered section begins: 3.2 Overoptimisation results are shown.', location: { page: 6, section: '3.2 Results', sectionNumber: '3.2' } },
  { text: 'The fourth paragraph of page six repeats the KL penalty.', location: { page: 6 } },
];

test('two passages on one page look different: the paragraph, or the section', () => {
  const labels = passageLabels(
    [
      { id: 'P31', text: 'The second paragraph of page six says the proxy diverges.', location: { page: 6 } },
      { id: 'P32', text: 'A numbered section begins: 3.2 Overoptimisation results are shown.', location: { page: 6, sectionNumber: '3.2' } },
      { id: 'P33', text: 'The fourth paragraph of page six repeats the KL penalty.', location: { page: 6 } },
      { id: 'P40', text: 'x', location: { startLine: 40, endLine: 52, sectionNumber: '2' } },
    ],
    blocks,
  );
  assert.equal(labels.get('P31'), 'p. 6 ¶2');
  assert.equal(labels.get('P32'), '§3.2 p. 6');
  assert.equal(labels.get('P33'), 'p. 6 ¶4');
  assert.equal(labels.get('P40'), '§2, lines 40–52');
  assert.equal(new Set(labels.values()).size, labels.size, 'every label is unique');
});

test('without blocks to count paragraphs, the id keeps colliding labels apart', () => {
  const labels = passageLabels([
    { id: 'P1', text: 'a', location: { page: 2 } },
    { id: 'P2', text: 'b', location: { page: 2 } },
  ]);
  assert.deepEqual([...labels.values()], ['p. 2 (P1)', 'p. 2 (P2)']);
});

test('the hover quote is plain, bounded text', () => {
  const q = quoteForHover(`Evil\u202e text\u0007 with\n\nbreaks ${'x'.repeat(2000)}`);
  assert.ok(q.length <= 600);
  assert.match(q, /^Evil text with breaks x+…$/);
});

const cites: CitationView[] = [
  { id: 'P31', label: 'p. 6 ¶2', valid: true },
  { id: 'P32', label: '§3.2 p. 6', valid: true },
  { id: 'P99', label: 'P99', valid: false },
];

test('the editor shows labels, never raw ids, and saving maps them back', () => {
  const answer = 'The proxy diverges [P31, P32]; see also [P31] and the invented [P99].';
  const shown = citationsToLabels(answer, cites);
  assert.equal(shown, 'The proxy diverges [p. 6 ¶2][§3.2 p. 6]; see also [p. 6 ¶2] and the invented [P99].');
  assert.doesNotMatch(shown.replace('[P99]', ''), /\[P\d+/);
  // Left as shown: the model's answer exactly (not recorded as an edit).
  assert.equal(editedTextToSave(shown, answer, cites), answer);
  // Edited: the labels become ids again, so the saved instance keeps its citations.
  const edited = `${shown.replace('diverges', 'drifts')}\nSecond line [§3.2 p. 6].`;
  assert.equal(editedTextToSave(edited, answer, cites), 'The proxy drifts [P31][P32]; see also [P31] and the invented [P99].\nSecond line [P32].');
  assert.equal(labelsToCitations('[not a label] [p. 6 ¶2]', cites), '[not a label] [P31]');
});
