// Finding a cited passage among a page's text runs, as the PDF view highlights it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matchPassage } from '../../src/webview/pdfView/passageMatch';

const runs = ['Method line 1 of prose.', 'The KL penalty serves two pur-', 'poses: it acts as an entropy bonus', 'and keeps the ﬁnal policy close', 'to the data.', 'After line 1 of prose.'];

test('a passage joined and de-hyphenated by the extractor is found on the runs it came from, and only those', () => {
  assert.deepEqual(matchPassage(runs, 'The KL penalty serves two purposes: it acts as an entropy bonus and keeps the final policy close to the data.'), { first: 1, last: 4 });
});

test('math glyphs that differ between extractor and text layer: the passage is found by its start and end', () => {
  const garbled = ['Intro.', 'The loss is L(⇡✓) = E[log σ(β', 'log ratio)] which we minimise over', 'the preference data set.', 'Next.'];
  assert.deepEqual(matchPassage(garbled, 'The loss is L(πθ) = E[log σ(β log ratio)] which we minimise over the preference data set.'), { first: 1, last: 3 });
});

test('a passage that is not on the page is not found', () => {
  assert.equal(matchPassage(runs, 'Reward models are trained on comparisons between two samples from the policy.'), undefined);
  assert.equal(matchPassage(runs, ''), undefined);
});
