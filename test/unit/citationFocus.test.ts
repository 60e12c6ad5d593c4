import { test } from 'node:test';
import assert from 'node:assert/strict';
import { citationFocus, citingSentence, passageSentences } from '../../src/core/retrieval/citationFocus';

const PAGE = [
  'Method line 1 of steady prose here\nMethod line 2 of steady prose here',
  'The KL penalty serves two purposes: it acts as an entropy bonus and it keeps the policy close to the data the reward model saw. We tune its weight on a held-out set.',
  'After line 1 of steady prose here\nAfter line 2 of steady prose here',
].join('\n\n');

test('the citing sentence is the one carrying the bracket, without the brackets', () => {
  const answer = 'It regularises the policy. It keeps the policy close to the reward model’s data [P3]. Nothing else [P4].';
  assert.equal(citingSentence(answer, 'P3'), 'It keeps the policy close to the reward model’s data.');
  assert.equal(citingSentence(answer, 'P4'), 'Nothing else.');
  assert.equal(citingSentence(answer, 'P9'), undefined);
  // P1 is not P12: the id is matched whole.
  assert.equal(citingSentence('First claim [P12]. Second claim [P1].', 'P1'), 'Second claim.');
  // A group and a bracket after the full stop.
  assert.equal(citingSentence('Intro line.\nThe weight is tuned on held-out data. [P2, P3]', 'P3'), 'The weight is tuned on held-out data.');
});

test('a passage is cut into sentences as written, not at abbreviations', () => {
  const s = passageSentences('Models, e.g. GPT-2, overfit. Then (Fig. 2) shows it. 3 runs agree.\n\nA new paragraph');
  assert.deepEqual(s, ['Models, e.g. GPT-2, overfit.', 'Then (Fig. 2) shows it.', '3 runs agree.', 'A new paragraph']);
});

test('the focus is the sentence the claim rests on, not the whole passage', () => {
  const focus = citationFocus(PAGE, 'It keeps the policy close to the reward model’s data.');
  assert.equal(focus, 'The KL penalty serves two purposes: it acts as an entropy bonus and it keeps the policy close to the data the reward model saw.');
  assert.ok(PAGE.includes(focus!), 'the focus is written exactly as in the passage, so the viewer can find it');
});

test('a neighbour joins the focus only when it adds terms of the claim', () => {
  const focus = citationFocus(PAGE, 'The KL weight is tuned on a held-out set and keeps the policy close to the data.');
  assert.equal(focus, 'The KL penalty serves two purposes: it acts as an entropy bonus and it keeps the policy close to the data the reward model saw. We tune its weight on a held-out set.');
});

test('no focus when nothing matches, or when everything would be the focus', () => {
  assert.equal(citationFocus(PAGE, 'Quantum chromodynamics is unrelated.'), undefined);
  assert.equal(citationFocus(PAGE, 'steady'), undefined, 'a claim that fits two places equally has no focus');
  assert.equal(citationFocus('One sentence only about the KL penalty.', 'the KL penalty'), undefined);
});
