import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LexicalIndex } from '../../src/core/retrieval/lexicalIndex';
import { analyze, countTerms, isStopword, stem, words } from '../../src/core/retrieval/textAnalysis';

/** The analyser's definition: split and fold with `words`, drop stopwords, stem. */
const reference = (text: string) => words(text).filter((w) => !isStopword(w)).map(stem);

function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('the one-pass analyser gives exactly the terms of words + stopwords + stem, on hostile text', () => {
  const pieces = ['Reward', 'over-optimization', 'fine-tuning', '0.1%', '%', '-', '--', 'a-b', 'x-1', 'Naïve', 'café', 'ÉLAN', 'ﬁne', 'straße', 'K', 'İstanbul', 'labelled', 'the', 'THE', 'of', 'GPT-4', 'e.g.', '’', '“quoted”', '\n', '\t', ' ', '  ', 'RLHF-trained', 'pre-  ', '-start', 'end-', 'über-cool', '3-d', 'co-operation', 'x', 'Z', '9', 'supercalifragilisticexpialidocious', '数学', '😀', 'a', 'I'];
  const rand = seeded(18);
  for (let n = 0; n < 3000; n++) {
    let text = '';
    const len = Math.floor(rand() * 30);
    for (let i = 0; i < len; i++) text += pieces[Math.floor(rand() * pieces.length)] + (rand() < 0.6 ? ' ' : '');
    assert.deepEqual(analyze(text), reference(text), JSON.stringify(text));
    const counts = new Map<string, number>();
    assert.equal(countTerms(text, counts), reference(text).length);
    const expected = new Map<string, number>();
    for (const t of reference(text)) expected.set(t, (expected.get(t) ?? 0) + 1);
    assert.deepEqual(counts, expected);
  }
});

test('the index counts exactly those terms per passage, ASCII or not, through its word table', () => {
  const pieces = ['Reward', 'rewards', 'REWARDED', 'over-optimization', 'Fine-Tuning', '0.1%', '%', '-', 'a-b', 'x-1', 'Naïve', 'the', 'The', 'of', 'GPT-4', 'e.g.', 'supercalifragilisticexpialidocious', 'Supercalifragilisticexpialidocious', 'a', 'I', '7', 'x', 'policy', 'policies', 'café', '\n'];
  const rand = seeded(81);
  const texts: string[] = [];
  for (let n = 0; n < 2000; n++) {
    let text = '';
    const len = Math.floor(rand() * 40);
    for (let i = 0; i < len; i++) text += pieces[Math.floor(rand() * pieces.length)] + (rand() < 0.7 ? ' ' : rand() < 0.5 ? '' : ',');
    texts.push(text);
  }
  const idx = new LexicalIndex();
  for (const t of texts) idx.add(t);
  const table = idx.table(Int32Array.from(texts.keys()), texts.length);
  const perDoc = texts.map(() => new Map<string, number>());
  table.terms.forEach((term, t) => {
    for (let i = table.offsets[t]; i < table.offsets[t + 1]; i++) perDoc[table.docs[i]].set(term, table.tfs[i]);
  });
  texts.forEach((text, d) => {
    const expected = new Map<string, number>();
    for (const t of reference(text)) expected.set(t, (expected.get(t) ?? 0) + 1);
    assert.deepEqual(perDoc[d], expected, JSON.stringify(text));
    assert.equal(table.lengths[d], reference(text).length, JSON.stringify(text));
  });
});
