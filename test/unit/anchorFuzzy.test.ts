import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anchorQuote } from '../../src/core/critique/anchorFinding';

// The fuzzy step slides a window of the quote's length over the section's words, keeping the
// shared-word count up to date as words enter and leave; it must still find the best window, the
// first of equals, and a window cut short at the end of the section.
const LINES = [
  'Reward models drift when the policy moves away from the data.',
  'Some say the policy stays close, and the reward model keeps up.',
  'Nobody has shown that reward models stay calibrated under heavy optimisation pressure.',
  'Optimisation pressure is heavy in practice.',
  'Nobody has shown reward models stay calibrated under heavy pressure.',
];

test('anchor: a paraphrased quote lands on the window sharing most of its words', () => {
  const a = anchorQuote('Nobody has ever shown that reward models remain calibrated under optimisation pressure', LINES, 10)!;
  assert.deepEqual([a.startLine, a.endLine, a.match], [12, 12, 'fuzzy']);
});

test('anchor: of two equally good windows the first one wins, and a section shorter than the quote still has its window', () => {
  const lines = ['alpha beta gamma delta epsilon', 'filler words here and there', 'alpha beta gamma delta epsilon zeta'];
  assert.deepEqual(anchorQuote('alpha beta gamma delta epsilon eta', lines, 1)?.startLine, 1);
  // A section shorter than the quote: the only window is cut short.
  const short = anchorQuote('one two three four five six seven eight nine ten', ['one two three four five six seven eight nine'], 7)!;
  assert.deepEqual([short.startLine, short.endLine, short.match], [7, 7, 'fuzzy']);
});

test('anchor: a quote sharing too few words with any window stays unplaced', () => {
  assert.equal(anchorQuote('not in the section at all, so it stays unplaced', LINES, 1), undefined);
});

test('anchor: words of the quote scattered over the section are no window: it stays unplaced', () => {
  // Counted over the whole section instead of one window, all six words would be there.
  const lines = ['alpha beta gamma', 'filler filler filler filler filler filler filler', 'delta epsilon zeta'];
  assert.equal(anchorQuote('alpha beta gamma delta epsilon zeta', lines, 1), undefined);
});

test('anchor: characters outside the BMP before a quote do not push it onto a later line', () => {
  // Emoji are two UTF-16 units; the line table once counted them as one, so the offset of a
  // quote after ten of them landed on the next line.
  const lines = ['😀😀😀😀😀😀😀😀😀😀 alpha', 'beta gamma **delta** epsilon', 'zeta'];
  assert.deepEqual(anchorQuote('alpha beta gamma delta', lines, 1), { startLine: 1, endLine: 2, match: 'tolerant', startCol: 21, endCol: 20 });
});

test('anchor: a quote half of whose words the section lacks stays unplaced at the 80% bar, and is placed at a 50% bar', () => {
  // Half of the quote's words are nowhere in the section: no window can share 80% of them (the
  // count over the whole section says so before any window slides).
  assert.equal(anchorQuote('reward models drift zebra quokka narwhal', LINES, 1), undefined);
  // With the bar lowered to what the section could give, the same quote is placed.
  assert.equal(anchorQuote('reward models drift zebra quokka narwhal', LINES, 1, 0.5)?.startLine, 1);
});
