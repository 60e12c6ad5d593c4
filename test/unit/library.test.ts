import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PaperLibrary } from '../../src/core/retrieval/library';
import { loadSourceFile } from '../../src/core/sources/loadSource';
import { SourceCache } from '../../src/core/sources/sourceCache';
import { tempDir } from '../support/tempDir';

const md = (title: string, date: string, body: string) => `---\ntitle: ${title}\ndate: ${date}\n---\n\n# ${title}\n\n## Method\n\n${body}\n`;

function libraryFolder(): { dir: string; library: PaperLibrary; loads: string[] } {
  const dir = tempDir('align-lib-');
  fs.writeFileSync(path.join(dir, 'kl.md'), md('KL Penalties in RLHF', '2020-09-02', 'The KL penalty keeps the policy close to the supervised model, so the reward model stays accurate.'));
  fs.mkdirSync(path.join(dir, 'nested'));
  fs.writeFileSync(path.join(dir, 'nested', 'debate.md'), md('Debate for Oversight', '2018-05-02', 'Two models argue and a judge picks the more convincing answer.'));
  fs.writeFileSync(path.join(dir, 'dpo.md'), md('Direct Preference Optimization', '2023-05-29', 'A closed-form policy removes the reward model and the KL penalty tuning loop of RLHF.'));
  fs.writeFileSync(path.join(dir, 'broken.pdf'), '<html>not a pdf</html>');
  fs.writeFileSync(path.join(dir, 'notes.txt.bak'), 'ignored: not a paper');
  const cache = new SourceCache(path.join(dir, '.cache'));
  const loads: string[] = [];
  const library = new PaperLibrary(dir, (f) => (loads.push(path.basename(f)), loadSourceFile(f, { cache })));
  return { dir, library, loads };
}

test('a library folder is indexed once, searched across papers, and kept up to date', async () => {
  const { dir, library, loads } = libraryFolder();
  const first = await library.refresh();
  assert.deepEqual([first.added, first.updated, first.removed], [4, 0, 0]);
  assert.equal(first.problems.length, 1, 'the broken file is a problem, the others work');
  assert.equal(first.problems[0].path, path.join(dir, 'broken.pdf'));
  assert.match(first.problems[0].message, /broken\.pdf/);
  assert.deepEqual(library.papers().map((p) => p.title).sort(), ['Debate for Oversight', 'Direct Preference Optimization', 'KL Penalties in RLHF']);

  const { passages } = await library.search('Why keep the policy near the supervised model?', 3);
  assert.equal(passages[0].source.title, 'KL Penalties in RLHF');
  assert.ok(passages.some((p) => p.source.title === 'Direct Preference Optimization'), 'other papers are searched too');

  // Nothing changed: nothing is read again.
  loads.length = 0;
  assert.deepEqual(await library.refresh().then((r) => [r.added, r.updated, r.removed]), [0, 0, 0]);
  assert.deepEqual(loads, []);

  // An edited paper is read again and its old text leaves the index; a deleted one leaves entirely.
  const kl = path.join(dir, 'kl.md');
  fs.writeFileSync(kl, md('KL Penalties in RLHF', '2020-09-02', 'Entropy bonuses encourage exploration during fine-tuning.'));
  fs.utimesSync(kl, new Date(), new Date(Date.now() + 5000));
  fs.rmSync(path.join(dir, 'nested', 'debate.md'));
  const second = await library.refresh();
  assert.deepEqual([second.added, second.updated, second.removed], [0, 1, 1]);
  assert.deepEqual(loads, ['kl.md']);
  assert.equal((await library.search('judge picks convincing answer', 3)).passages.length, 0);
  const now = await library.search('supervised model policy close', 5);
  assert.ok(!now.passages.some((p) => p.text.includes('close to the supervised model')), 'the old text is gone');
  assert.equal((await library.search('entropy exploration', 1)).passages[0].source.title, 'KL Penalties in RLHF');
});

test("a task's information constraints leave papers out of library search, and say which and why", async () => {
  const { library } = libraryFolder();
  await library.refresh();
  const cut = await library.search('reward model KL penalty', 5, { knowledgeCutoff: '2021-01-01' });
  assert.ok(cut.passages.length > 0);
  assert.ok(cut.passages.every((p) => p.source.title !== 'Direct Preference Optimization'));
  assert.deepEqual(cut.skipped.map((s) => s.title), ['Direct Preference Optimization']);
  assert.match(cut.skipped[0].reason, /dated 2023-05-29, after the task's knowledge cut-off 2021-01-01/);

  const excluded = await library.search('reward model KL penalty', 5, { excludedDocuments: ['KL Penalties in RLHF'] });
  assert.ok(excluded.passages.every((p) => p.source.title !== 'KL Penalties in RLHF'));
  assert.deepEqual(excluded.skipped.map((s) => s.title), ['KL Penalties in RLHF']);
});

test('library search fuses the endpoint embeddings, and keeps working when they fail', async () => {
  const { library } = libraryFolder();
  await library.refresh();
  const query = 'reward model KL penalty';
  const lexical = await library.search(query, 1);
  const other = lexical.passages[0].source.title === 'KL Penalties in RLHF' ? 'closed-form policy' : 'keeps the policy close';
  const top = lexical.passages[0].text;
  assert.ok(!top.includes(other));
  // The embedding agrees with the words about the other passage and disagrees about the top one.
  const embed = async (texts: string[]) => texts.map((t, i) => (i === 0 || t.includes(other) ? [1, 0] : t === top ? [-1, 0] : [0, 1]));
  const fused = await library.search(query, 1, {}, { embed });
  assert.ok(fused.passages[0].text.includes(other), 'the fused ranking puts the other passage first');
  const errors: unknown[] = [];
  const failing = await library.search(query, 1, {}, { embed: async () => Promise.reject(new Error('500')), onEmbeddingError: (e) => errors.push(e) });
  assert.deepEqual(failing.passages.map((p) => p.text), lexical.passages.map((p) => p.text));
  assert.equal(errors.length, 1);
});

test('the next paper is read while one is indexed, never more than one ahead, in the folder order; a cancel leaves the one read ahead as it was', async () => {
  const dir = tempDir('align-lib-ahead-');
  try {
    for (const n of ['a', 'b', 'c', 'd', 'e']) fs.writeFileSync(path.join(dir, `${n}.md`), md(`Paper ${n.toUpperCase()}`, '2020-01-01', `Text of paper ${n}.`));
    let inFlight = 0;
    let most = 0;
    const started: string[] = [];
    const abort = new AbortController();
    const library = new PaperLibrary(dir, async (f, signal) => {
      started.push(path.basename(f));
      most = Math.max(most, ++inFlight);
      try {
        await new Promise((r) => setTimeout(r, 30));
        if (signal?.aborted) throw Object.assign(new Error('cancelled'), { code: 'cancelled' });
        return await loadSourceFile(f);
      } finally {
        inFlight--;
      }
    });
    const all = await library.refresh();
    assert.equal(all.added, 5);
    assert.equal(most, 2, 'one paper read ahead');
    assert.deepEqual(started, ['a.md', 'b.md', 'c.md', 'd.md', 'e.md']);
    assert.deepEqual(library.papers().map((p) => p.title), ['Paper A', 'Paper B', 'Paper C', 'Paper D', 'Paper E']);

    // Cancelled while the third paper is indexed: the fourth, read ahead, is not indexed.
    for (const n of ['a', 'b', 'c', 'd', 'e']) fs.utimesSync(path.join(dir, `${n}.md`), new Date(), new Date(Date.now() + 5000));
    started.length = 0;
    const r = await library.refresh(abort.signal, (done) => {
      if (done === 2) abort.abort();
    });
    assert.equal(r.cancelled, true);
    assert.equal(r.updated, 2);
    assert.ok(started.includes('d.md'), 'the fourth paper was being read ahead');
    assert.equal(r.removed, 0, 'a cancelled run drops nothing');
    // a and b re-read; c, cancelled mid-read, is dropped to be read next time; d and e keep their entries.
    assert.deepEqual(library.papers().map((p) => p.title).sort(), ['Paper A', 'Paper B', 'Paper D', 'Paper E']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
