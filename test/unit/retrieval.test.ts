import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chunkSource } from '../../src/core/retrieval/chunker';
import { PassageIndex } from '../../src/core/retrieval/retriever';
import { selectPassages } from '../../src/core/retrieval/selectPassages';
import { citationLabel, extractCitations, renderCitations } from '../../src/core/retrieval/citations';
import { analyzeQuery, stem, words } from '../../src/core/retrieval/textAnalysis';
import type { ParsedSource } from '../../src/core/sources/sourceTypes';

function paper(blocks: [string, number, string?][], hash = 'h1'): ParsedSource {
  return {
    ref: { title: 'Paper', kind: 'pdf', contentHash: hash },
    warnings: [],
    blocks: blocks.map(([text, page, section]) => ({ text, location: { page, ...(section ? { section } : {}) } })),
  };
}

const filler = (topic: string, n: number) => Array.from({ length: n }, (_, i) => `${topic} sentence number ${i} about datasets, evaluation protocols and the tokenizer.`).join(' ');

const SRC = paper([
  [filler('Introduction', 12), 1, '1 Introduction'],
  ['We collect 64,000 comparisons between pairs of summaries from labelers.', 2, '2 Data'],
  [filler('Data', 12), 2, '2 Data'],
  ['This KL term serves two purposes. First, it acts as an entropy bonus; second, it keeps the policy near the distribution the reward model was trained on.', 6, '3 Method'],
  [filler('Method', 12), 6, '3 Method'],
  ['Optimising too hard against the learned reward makes it anti-correlated with human preferences.', 8, '4 Results'],
]);

test('chunks keep pages and sections, never cross sections, and ids are stable', () => {
  const a = chunkSource(SRC);
  const b = chunkSource(SRC);
  assert.deepEqual(a, b);
  assert.deepEqual(a.map((c) => c.id), a.map((_, i) => `P${i + 1}`));
  assert.ok(a.every((c) => c.location.page !== undefined && c.location.section));
  const kl = a.find((c) => c.text.includes('serves two purposes'))!;
  assert.equal(kl.location.page, 6);
  assert.equal(kl.location.section, '3 Method');
});

test('the stemmer joins word forms', () => {
  assert.equal(stem('penalties'), stem('penalty'));
  assert.equal(stem('rewarded'), stem('rewards'));
  assert.equal(stem('optimization'), stem('optimize'));
  assert.equal(stem('labelled'), stem('labeled'));
  assert.equal(stem('modelling'), stem('modeling'));
});

test('hyphenated compounds also count joined, and a percentage answers a question about a fraction', () => {
  assert.deepEqual(words('Reward over-optimization, fine-tuning, 0.1%'), ['reward', 'over', 'optimization', 'overoptimization', 'fine', 'tuning', 'finetuning', '0', '1', 'percent']);
  const idx = new PassageIndex();
  idx.add(
    paper([
      ['We ask how reward over-optimization shows itself when the proxy is learned.', 3],
      ['Prefix-tuning trains only 0.1% of the parameters of the language model.', 4],
      ['The learning rate was chosen on a held-out set of prompts for the language model.', 5],
    ]),
  );
  assert.equal(idx.search('Where does the paper discuss overoptimization?', 1)[0].location.page, 3);
  assert.equal(idx.search('What fraction of the weights is trained?', 1)[0].location.page, 4);
});

test('a why-question finds the passage that explains, though it shares few words', () => {
  const idx = PassageIndex.fromSources([SRC]);
  const [top] = idx.search('Why does the paper use a KL penalty?', 3);
  assert.match(top.text, /serves two purposes/);
  const q = analyzeQuery('Why a KL penalty?');
  assert.ok(q.get(stem('purpose'))! > 0, 'why-questions look for explanations');
  const [over] = idx.search('Does the reward stop agreeing with human judgements?', 3);
  assert.match(over.text, /anti-correlated/);
});

test('sources can be removed and filtered', () => {
  const other = paper([['A different paper about debate between two models.', 1]], 'h2');
  const idx = PassageIndex.fromSources([SRC, other]);
  assert.equal(idx.search('debate models', 1)[0].source.contentHash, 'h2');
  assert.equal(idx.search('debate models', 5, { filter: (r) => r.contentHash !== 'h2' }).some((p) => p.source.contentHash === 'h2'), false);
  idx.remove('h2');
  assert.equal(idx.search('debate', 5).some((p) => p.source.contentHash === 'h2'), false);
});

test('the whole paper is sent when it fits; otherwise the best passages in reading order', async () => {
  const whole = await selectPassages(SRC, 'KL penalty', { budgetTokens: 100_000 });
  assert.equal(whole.whole, true);
  assert.equal(whole.passages.length, chunkSource(SRC).length);
  const some = await selectPassages(SRC, 'Why a KL penalty?', { budgetTokens: 200, k: 3 });
  assert.equal(some.whole, false);
  assert.ok(some.passages.some((p) => p.text.includes('serves two purposes')));
  const order = some.passages.map((p) => Number(p.id.slice(1)));
  assert.deepEqual(order, [...order].sort((a, b) => a - b));
});

test('hybrid search fuses embedding ranks and falls back when there are none', async () => {
  const idx = PassageIndex.fromSources([SRC]);
  const none = await idx.searchHybrid('KL penalty', 3, async () => undefined);
  assert.deepEqual(none.map((p) => p.id), idx.search('KL penalty', 3).map((p) => p.id));
  const fused = await idx.searchHybrid('KL penalty', 3, async (texts) => texts.map((t) => [t.includes('KL') ? 1 : 0, 1]));
  assert.match(fused[0].text, /KL/);
});

test('selecting passages fuses the embeddings when given them, and falls back to words when they fail', async () => {
  const question = 'How much human data went into training?';
  const lexical = await selectPassages(SRC, question, { budgetTokens: 400, k: 2 });
  // The passage that answers shares no word with the question: only the embedding can bring it in.
  const answer = chunkSource(SRC).find((c) => c.text.includes('64,000 comparisons'))!;
  assert.ok(!lexical.passages.some((p) => p.id === answer.id), 'words alone miss it');
  const asked: string[][] = [];
  const embed = async (texts: string[]) => (asked.push(texts), texts.map((t, i) => (i === 0 && asked.length === 1) || t === answer.text ? [1, 0] : [0, 1]));
  const fused = await selectPassages(SRC, question, { budgetTokens: 400, k: 2, embed });
  assert.ok(fused.passages.some((p) => p.id === answer.id), 'the embedding brings the answering passage in');
  assert.match(asked[0][0], /How much human data/, 'the query is embedded first');
  assert.equal(asked[0].length, 1 + chunkSource(SRC).length, 'one paper is embedded whole');
  // The next question about the same paper embeds only the question.
  await selectPassages(SRC, 'And the labelers?', { budgetTokens: 400, k: 2, embed });
  assert.equal(asked[1].length, 1);
  assert.match(asked[1][0], /And the labelers\?/);

  const errors: unknown[] = [];
  const fallback = await selectPassages(SRC, question, {
    budgetTokens: 400,
    k: 2,
    embed: async () => {
      throw new Error('embeddings: 500');
    },
    onEmbeddingError: (e) => errors.push(e),
  });
  assert.deepEqual(fallback.passages.map((p) => p.id), lexical.passages.map((p) => p.id));
  assert.equal(errors.length, 1);
});

test('citation labels; unknown ids are flagged, never shown as real', () => {
  assert.equal(citationLabel({ page: 6 }), 'p. 6');
  assert.equal(citationLabel({ page: 6, endPage: 7 }), 'pp. 6–7');
  assert.equal(citationLabel({ startLine: 40, endLine: 52, sectionNumber: '2' }), '§2, lines 40–52');
  const passages = [{ id: 'P3', text: 't', location: { page: 6 } }];
  const found = extractCitations('As shown [P3, P9] and [P3][P4].', passages);
  assert.deepEqual(found.map((c) => [c.id, c.valid]), [['P3', true], ['P9', false], ['P3', true], ['P4', false]]);
  assert.equal(renderCitations('See [P3] and [P9].', passages), 'See [p. 6] and [P9?].');
});
