import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { entryMetadata, fileFieldPaths, latexToText, parseBibtex, readBibtexLibrary } from '../../src/core/sources/bibtexLibrary';
import { PaperLibrary } from '../../src/core/retrieval/library';
import { loadSourceFile } from '../../src/core/sources/loadSource';
import { tempDir } from '../support/tempDir';

// As Zotero's own BibTeX export writes it: `file` items "description:path:mime", `;`-separated.
const ZOTERO = String.raw`
@comment{jabref-meta: databaseType:bibtex;}

@article{christiano_deep_2017,
	title = {Deep {Reinforcement} {Learning} from {Human} {Preferences}},
	url = {http://arxiv.org/abs/1706.03741},
	doi = {10.48550/arXiv.1706.03741},
	journal = {arXiv:1706.03741 [cs, stat]},
	author = {Christiano, Paul F. and Leike, Jan and Brown, Tom B.},
	month = jun,
	year = {2017},
	note = {arXiv: 1706.03741},
	file = {arXiv Fulltext PDF:STORAGE/ABCD1234/Christiano et al. - 2017 - Deep RL.pdf:application/pdf;arXiv.org Snapshot:STORAGE/ABCD1234/1706.html:text/html},
}

@inproceedings{muller_uber_2021,
	title = {{\"U}ber {Reward} \& 50\% {Models}: a {{Nested {Case}}}},
	author = {M{\"u}ller, J{\'e}r{\^o}me and {OpenAI Team}},
	booktitle = {Proc. {NeurIPS}},
	year = 2021,
	file = {Full Text:STORAGE/EFGH5678/muller.md:text/markdown},
}
`;

// As Better BibTeX writes it: biblatex dates and eprints, bare `;`-separated paths.
const BETTER = String.raw`@string{neurips = "Advances in Neural Information Processing Systems"}
@misc{stiennonLearningSummarizeHuman2020,
  title = {Learning to Summarize with Human Feedback},
  author = {Stiennon, Nisan and Ouyang, Long and Wu, Jeffrey},
  date = {2020-09-02},
  eprint = {2009.01325},
  eprinttype = {arxiv},
  primaryclass = {cs},
  publisher = neurips # " 33",
  file = {STORAGE/IJKL/stiennon-main.md;STORAGE/IJKL/stiennon-appendix.md}
}
`;

const paper = (title: string, body: string) => `# ${title}\n\n## Method\n\n${body}\n`;

function setup(bib: (storage: string) => string) {
  const root = tempDir('align-bib-');
  const storage = path.join(root, 'Zotero', 'storage');
  for (const d of ['ABCD1234', 'EFGH5678', 'IJKL']) fs.mkdirSync(path.join(storage, d), { recursive: true });
  fs.writeFileSync(path.join(storage, 'ABCD1234', 'Christiano et al. - 2017 - Deep RL.pdf'), '<html>saved as pdf by mistake</html>');
  fs.writeFileSync(path.join(storage, 'ABCD1234', '1706.html'), '<html><body><p>snapshot</p></body></html>');
  fs.writeFileSync(path.join(storage, 'EFGH5678', 'muller.md'), paper('Some first-page title', 'Reward models are trained on 50% of the comparisons.'));
  fs.writeFileSync(path.join(storage, 'IJKL', 'stiennon-main.md'), paper('main', 'We train a reward model on human comparisons of summaries.'));
  fs.writeFileSync(path.join(storage, 'IJKL', 'stiennon-appendix.md'), paper('appendix', 'Appendix: the KL penalty coefficient.'));
  const bibFile = path.join(root, 'exports', 'library.bib');
  fs.mkdirSync(path.dirname(bibFile), { recursive: true });
  fs.writeFileSync(bibFile, bib(storage));
  return { root, storage, bibFile };
}

test('BibTeX as Zotero and Better BibTeX export it: entries, nested braces, escapes, macros, @comment', () => {
  const z = parseBibtex(ZOTERO);
  assert.deepEqual(z.problems, []);
  assert.deepEqual(z.entries.map((e) => [e.type, e.key, e.line]), [['article', 'christiano_deep_2017', 4], ['inproceedings', 'muller_uber_2021', 16]]);
  const muller = entryMetadata(z.entries[1]);
  assert.equal(muller.title, 'Über Reward & 50% Models: a Nested Case');
  assert.deepEqual(muller.authors, ['Jérôme Müller', 'OpenAI Team']);
  assert.equal(muller.date, '2021-12-31', 'a year alone is its last day, so a cut-off never lets a later paper through');
  const christiano = entryMetadata(z.entries[0]);
  assert.equal(christiano.title, 'Deep Reinforcement Learning from Human Preferences');
  assert.equal(christiano.date, '2017-06-30');
  assert.equal(christiano.arxivId, '1706.03741');
  assert.equal(christiano.doi, '10.48550/arXiv.1706.03741');
  const b = parseBibtex(BETTER);
  assert.deepEqual(b.problems, []);
  assert.equal(b.entries[0].fields.publisher, 'Advances in Neural Information Processing Systems 33');
  const stiennon = entryMetadata(b.entries[0]);
  assert.deepEqual([stiennon.date, stiennon.arxivId, stiennon.identifier], ['2020-09-02', '2009.01325', 'arXiv:2009.01325']);
  assert.equal(latexToText(String.raw`Caf{\'e} na\"{\i}ve \emph{bold} --- \ss{} x\_y`), 'Café naïve bold — ß x_y');
});

test("the file field's layouts: Zotero's description:path:mime with escapes, Windows paths, Better BibTeX's bare paths", () => {
  assert.deepEqual(fileFieldPaths('Full Text PDF:/home/r/Zotero/storage/A/x.pdf:application/pdf;Snapshot:/home/r/Zotero/storage/A/x.html:text/html'), ['/home/r/Zotero/storage/A/x.pdf', '/home/r/Zotero/storage/A/x.html']);
  assert.deepEqual(fileFieldPaths(String.raw`Full Text:C\:\\Users\\me\\Zotero\\storage\\B\\a\;b.pdf:application/pdf`), [String.raw`C:\Users\me\Zotero\storage\B\a;b.pdf`]);
  assert.deepEqual(fileFieldPaths('/a/one.pdf;/a/two.pdf'), ['/a/one.pdf', '/a/two.pdf']);
  assert.deepEqual(fileFieldPaths(String.raw`C:\Users\me\paper.pdf`), [String.raw`C:\Users\me\paper.pdf`]);
  assert.deepEqual(fileFieldPaths('files/12/paper.pdf'), ['files/12/paper.pdf']);
});

test('a BibTeX library gives each paper its title, authors, date and arXiv id, and the knowledge cut-off uses them', async () => {
  const { bibFile, storage } = setup((s) => (ZOTERO + BETTER).replaceAll('STORAGE', s));
  const lib = new PaperLibrary(bibFile, (f) => loadSourceFile(f), undefined, { bibtex: { storage } });
  const r = await lib.refresh();
  const titles = lib.papers().map((p) => p.title).sort();
  assert.deepEqual(titles, ['Learning to Summarize with Human Feedback', 'Learning to Summarize with Human Feedback', 'Über Reward & 50% Models: a Nested Case'], 'both attachments of one entry are papers; the HTML snapshot is not a paper');
  assert.equal(r.problems.length, 1, 'the fake PDF is a problem');
  assert.match(r.problems[0].message, /Deep RL\.pdf/);
  const stiennon = lib.papers().find((p) => p.path?.endsWith('stiennon-main.md'))!;
  assert.deepEqual([stiennon.date, stiennon.arxivId, stiennon.authors?.[0]], ['2020-09-02', '2009.01325', 'Nisan Stiennon']);
  const { passages, skipped } = await lib.search('reward model human comparisons', 5, { knowledgeCutoff: '2020-12-31' });
  assert.ok(passages.length && passages.every((p) => !p.source.title.startsWith('Über')), 'the 2021 paper is past the cut-off');
  assert.match(skipped.map((s) => s.reason).join(' '), /2021-12-31, after the task's knowledge cut-off/);
});

test('hostile BibTeX: unbalanced braces, an attachment outside the library or a link, and a huge file get errors naming file and line, in bounded time', async () => {
  const { bibFile, storage, root } = setup(() => '');
  fs.writeFileSync(path.join(root, 'secret.md'), '# Secret\n\nprivate notes\n');
  fs.symlinkSync(path.join(root, 'secret.md'), path.join(storage, 'IJKL', 'link.md'));
  fs.writeFileSync(
    bibFile,
    [
      '@article{good1, title = {Good}, file = {STORAGE/IJKL/stiennon-main.md}}',
      '@article{broken, title = {Unbalanced {braces}, year = 2020,',
      '@article{good2, title = {Also good}, file = {STORAGE/EFGH5678/muller.md}}',
      '@article{outside, title = {Out}, file = {Notes:../secret.md:text/markdown}}',
      '@article{outside2, title = {Out}, file = {/etc/passwd.md}}',
      '@article{link, title = {Link}, file = {STORAGE/IJKL/link.md}}',
      '@article{deep, title = ' + '{'.repeat(100) + 'x' + '}'.repeat(100) + '}',
    ]
      .join('\n')
      .replaceAll('STORAGE', storage),
  );
  const lib = readBibtexLibrary(bibFile, { storage });
  assert.deepEqual(lib.attachments.map((a) => a.key), ['good1', 'good2']);
  const text = lib.problems.map((p) => p.message).join('\n');
  assert.match(text, new RegExp(`${bibFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: .*never closed`), 'unbalanced braces: file and line');
  assert.match(text, /library\.bib:4: entry outside: the attachment \.\.\/secret\.md is outside/);
  assert.match(text, /library\.bib:5: entry outside2: the attachment \/etc\/passwd\.md (is outside|does not exist)/);
  assert.match(text, /library\.bib:6: entry link: the attachment .*link\.md is a symbolic link/);
  assert.match(text, /library\.bib:7: .*nests braces more than 64 deep/);

  // 8 MB of an entry that never closes, of nested opens, of unclosed entries: linear (quadratic would take hours).
  for (const hostile of ['@article{k, title = {' + 'a'.repeat(8 << 20), '@article{k, title = ' + '{'.repeat(8 << 20), '@misc{k,\n'.repeat(1 << 20)]) {
    fs.writeFileSync(bibFile, hostile);
    const t = performance.now();
    const r = readBibtexLibrary(bibFile, { storage });
    const ms = performance.now() - t;
    assert.equal(r.attachments.length, 0);
    assert.ok(r.problems.length >= 1 && /library\.bib:1: /.test(r.problems[0].message), r.problems[0]?.message);
    assert.ok(ms < 60_000, `read in ${Math.round(ms)} ms`);
  }
  fs.writeFileSync(bibFile, Buffer.alloc(65 * 1024 * 1024, 32));
  assert.throws(() => readBibtexLibrary(bibFile), /library\.bib: is 68 MB, larger than the 64 MB limit/);
});
