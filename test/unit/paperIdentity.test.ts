// Paper identity read from generated PDFs laid out like real first pages (an arXiv preprint with
// its rotated margin stamp, an ACL paper with a DOI and no Info dictionary, a file named by its
// arXiv id), so the tests need no third-party paper in the repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePdf } from '../../src/core/sources/pdfSource';
import { identifyPaper, chooseTitle } from '../../src/core/sources/paperIdentity';
import { checkSource } from '../../src/core/tasks/constraints';
import { buildPdf, proseLines } from '../support/pdfFixture';

/** An arXiv preprint's first page: big title, names with footnote marks, affiliations, the stamp. */
function arxivPreprint(): Uint8Array {
  return buildPdf(
    [
      {
        texts: [
          { text: 'arXiv:2305.18290v2  [cs.LG]  29 Jul 2023', x: 30, y: 250, size: 20, rotate: true },
          { text: 'Direct Preference Optimization:', x: 170, y: 700, size: 17 },
          { text: 'Your Language Model is Secretly a Reward Model', x: 110, y: 680, size: 17 },
          { text: 'Rafael Rafailov*   Archit Sharma*   Eric Mitchell*', x: 150, y: 640, size: 10 },
          { text: 'Stanford University', x: 250, y: 626, size: 10 },
          { text: 'Stefano Ermon   Christopher D. Manning   Chelsea Finn', x: 140, y: 600, size: 10 },
          { text: 'Abstract', x: 280, y: 560, size: 12 },
          { text: 'While large unsupervised language models learn broad world knowledge,', x: 110, y: 540 },
        ],
      },
      { paragraphs: [proseLines('Body', 10)] },
    ],
    // What the real file's Info dictionary says: the uploader and the day they made the PDF.
    { title: 'DPO', author: 'Fangyuan Yu', creationDate: 'D:20240125120000Z' },
  );
}

test('an arXiv preprint: id, version and the stamp date from the margin; title and authors from the page, not the uploader in Info', async () => {
  const r = await parsePdf(arxivPreprint(), { path: '/home/me/papers/DPO.pdf' });
  assert.equal(r.ref.arxivId, '2305.18290');
  assert.equal(r.ref.arxivVersion, 2);
  assert.equal(r.ref.identifier, 'arXiv:2305.18290v2');
  assert.equal(r.ref.date, '2023-07-29', 'the arXiv version date, not the PDF CreationDate 2024-01-25');
  assert.equal(r.ref.title, 'Direct Preference Optimization: Your Language Model is Secretly a Reward Model');
  assert.deepEqual(r.ref.authors, ['Rafael Rafailov', 'Archit Sharma', 'Eric Mitchell', 'Stefano Ermon', 'Christopher D. Manning', 'Chelsea Finn']);
  assert.ok(!r.ref.authors?.includes('Fangyuan Yu'));
});

test('an ACL paper without Info: the DOI on the first page, title and authors from the page', async () => {
  const bytes = buildPdf([
    {
      texts: [
        { text: 'Prefix-Tuning: Optimizing Continuous Prompts for Generation', x: 90, y: 720, size: 15 },
        { text: 'Xiang Lisa Li', x: 180, y: 690, size: 11 },
        { text: 'Percy Liang', x: 380, y: 690, size: 11 },
        { text: 'Stanford University', x: 180, y: 676, size: 11 },
        { text: 'xlisali@stanford.edu', x: 180, y: 662, size: 11 },
        { text: 'Abstract', x: 150, y: 630, size: 12 },
        { text: 'Proceedings of the 59th Annual Meeting of the ACL, pages 4582-4597, August 1-6, 2021.', x: 72, y: 60, size: 8 },
        { text: 'doi: 10.18653/v1/2021.acl-long.353.', x: 72, y: 48, size: 8 },
      ],
    },
  ]);
  const r = await parsePdf(bytes, { path: '/papers/prefix.pdf' });
  assert.equal(r.ref.doi, '10.18653/v1/2021.acl-long.353');
  assert.equal(r.ref.identifier, 'doi:10.18653/v1/2021.acl-long.353');
  assert.equal(r.ref.arxivId, undefined);
  assert.equal(r.ref.title, 'Prefix-Tuning: Optimizing Continuous Prompts for Generation');
  assert.deepEqual(r.ref.authors, ['Xiang Lisa Li', 'Percy Liang']);
});

test('a file named by its arXiv id: the id and the month it gives, when the page has no stamp', async () => {
  const bytes = buildPdf([{ texts: [{ text: 'Training language models to follow instructions', x: 100, y: 700, size: 16 }], paragraphs: [[''], [''], ['Abstract'], ['Making language models bigger does not make them follow intent.']] }]);
  const r = await parsePdf(bytes, { path: '/papers/2203.02155v1.pdf' });
  assert.equal(r.ref.identifier, 'arXiv:2203.02155v1');
  assert.equal(r.ref.date, '2022-03-01');
});

test('numbers that look like ids are not taken for one without an arXiv prefix', () => {
  const id = identifyPaper({ lines: [{ text: 'A Title Of Some Length', fontSize: 16 }, { text: 'Table 3 reports 2012.12345 and 1706.03741 points', fontSize: 10 }], fileName: 'notes-final.pdf' });
  assert.equal(id.arxivId, undefined);
  assert.equal(id.identifier, undefined);
});

test('old-style arXiv ids and versions are read', () => {
  const id = identifyPaper({ lines: [{ text: 'A Paper', fontSize: 16 }], otherText: 'arXiv:hep-th/9901001v3 12 Jan 1999' });
  assert.equal(id.identifier, 'arXiv:hep-th/9901001v3');
  assert.equal(id.date, '1999-01-12');
});

test('the Info title is kept when it agrees with the page (a fuller form), the page title when it does not', () => {
  assert.equal(chooseTitle('Scalable Oversight', 'Scalable Oversight via Debate'), 'Scalable Oversight via Debate');
  assert.equal(chooseTitle('Direct Preference Optimization', 'Microsoft Word - final.docx'), 'Direct Preference Optimization');
  assert.equal(chooseTitle(undefined, 'Only Info'), 'Only Info');
});

test('the knowledge cut-off uses the paper\'s own date, not when the file was made', async () => {
  const r = await parsePdf(arxivPreprint(), { path: '/papers/DPO.pdf' });
  // Made into a PDF in 2024, but the paper (v2) is from July 2023: a 2023-12-31 cut-off allows it.
  assert.deepEqual(checkSource(r.ref, { knowledgeCutoff: '2023-12-31' }), { allowed: true });
  const before = checkSource(r.ref, { knowledgeCutoff: '2023-06-30' });
  assert.equal(before.allowed, false);
  assert.match((before as { reason: string }).reason, /arXiv:2305\.18290v2\) is dated 2023-07-29/);
  // Only the id known: its month counts.
  assert.equal(checkSource({ title: 'x', kind: 'pdf', contentHash: 'h', arxivId: '2305.18290' }, { knowledgeCutoff: '2023-04-30' }).allowed, false);
  // Excluded by DOI.
  assert.equal(checkSource({ title: 'x', kind: 'pdf', contentHash: 'h', doi: '10.18653/v1/2021.acl-long.353' }, { excludedDocuments: ['10.18653/v1/2021.acl-long.353'] }).allowed, false);
});
