import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePdf, pdfDate } from '../../src/core/sources/pdfSource';
import { joinLines, buildVocabulary, normaliseText, garbageRatio, dropRunningLines } from '../../src/core/sources/pdfCleanup';
import { findGutter, layoutPage, type TextPiece } from '../../src/core/sources/pdfLayout';
import { InputFileError } from '../../src/core/errors';
import { pdfHeading, START } from '../../src/core/sources/pdfHeadings';
import { buildPdf, corruptPdf, proseLines, truncatePdf } from '../support/pdfFixture';

const allText = (r: { blocks: { text: string }[] }) => r.blocks.map((b) => b.text).join('\n');

test('page text comes out per page, with title and date from the PDF metadata', async () => {
  const bytes = buildPdf(
    [{ heading: 'Scalable Oversight', paragraphs: [['Debate helps judges find the truth.']] }, { paragraphs: [['The second page talks about reward models.']] }],
    { title: 'Scalable Oversight via Debate', author: 'Ada Lovelace; Alan Turing', creationDate: 'D:20200902120000Z' },
  );
  const r = await parsePdf(bytes, { path: '/papers/debate.pdf' });
  assert.equal(r.pageCount, 2);
  assert.equal(r.ref.kind, 'pdf');
  assert.equal(r.ref.title, 'Scalable Oversight via Debate');
  assert.equal(r.ref.date, '2020-09-02');
  assert.deepEqual(r.ref.authors, ['Ada Lovelace', 'Alan Turing']);
  assert.equal(r.ref.path, '/papers/debate.pdf');
  assert.match(r.ref.contentHash, /^[0-9a-f]{64}$/);
  const p2 = r.blocks.filter((b) => b.location.page === 2).map((b) => b.text);
  assert.deepEqual(p2, ['The second page talks about reward models.']);
  assert.ok(r.blocks.some((b) => b.location.page === 1 && b.text === 'Debate helps judges find the truth.'));
  assert.deepEqual(r.warnings, []);
  // The caller's buffer stays usable (pdf.js may detach what it is given).
  assert.equal(bytes.byteLength > 0, true);
});

test('without a metadata title, the biggest line on page 1 is the title', async () => {
  const r = await parsePdf(buildPdf([{ heading: 'Goal Misgeneralization in Agents', paragraphs: [['Body text in ten point type.']] }]), { title: 'file.pdf' });
  assert.equal(r.ref.title, 'Goal Misgeneralization in Agents');
});

test('two-column pages read the left column, then the right; the full-width heading stays first', async () => {
  const left = [proseLines('Left', 6), proseLines('Lower left', 4)];
  const right = [proseLines('Right', 6), proseLines('Lower right', 4)];
  const r = await parsePdf(buildPdf([{ heading: 'A Two Column Paper Title Spanning Both', columns: [left, right] }]), {});
  const text = allText(r);
  const order = ['A Two Column Paper Title', 'Left line 1 ', 'Left line 6 ', 'Lower left line 1 ', 'Lower left line 4 ', 'Right line 1 ', 'Right line 6 ', 'Lower right line 4 '].map((s) => text.indexOf(s));
  assert.ok(order.every((i) => i >= 0), `all parts present: ${order}`);
  assert.deepEqual([...order].sort((a, b) => a - b), order, text);
  // No line mixes the columns.
  assert.ok(!/Left line \d+ of steady prose here Right/.test(text));
  assert.equal(r.blocks.filter((b) => /^Lower left/.test(b.text)).length, 1, 'paragraph gaps split blocks');
});

test('running headers, footers and page numbers are removed, including a page number that comes first in the stream', async () => {
  const pages = [1, 2, 3, 4].map((n) => ({
    header: 'Preprint under review at a workshop',
    footer: `Page ${n} of 4`,
    pageLabel: String(4581 + n),
    paragraphs: [[`Body of page ${n} starts here and goes on.`]],
  }));
  const r = await parsePdf(buildPdf(pages), {});
  const text = allText(r);
  assert.doesNotMatch(text, /Preprint under review/);
  assert.doesNotMatch(text, /Page \d of 4/);
  assert.doesNotMatch(text, /458\d/);
  for (const n of [1, 2, 3, 4]) assert.ok(r.blocks.some((b) => b.location.page === n && b.text === `Body of page ${n} starts here and goes on.`), `page ${n}`);
});

test('line-end hyphens are joined, compound and capitalised ones kept', async () => {
  const r = await parsePdf(
    buildPdf([
      {
        paragraphs: [
          ['We apply prefix-tuning to models. Natural lan-', 'guage generation uses GPT-', '3 and table-to-', 'text tasks with prefix-', 'tuning again.'],
        ],
      },
    ]),
    {},
  );
  assert.equal(allText(r), 'We apply prefix-tuning to models. Natural language generation uses GPT-3 and table-to-text tasks with prefix-tuning again.');
});

test('ligatures become plain letters', async () => {
  const r = await parsePdf(buildPdf([{ paragraphs: [['An eﬃcient ﬁx for the ﬂoor is oﬀered.']] }]), {});
  assert.equal(allText(r), 'An efficient fix for the floor is offered.');
  assert.equal(normaliseText('ﬁ ﬂ ﬀ ﬃ ﬄ x² Ａ'), 'fi fl ff ffi ffl x² A');
});

test('a page of broken math glyphs is reported by page number', async () => {
  const garbled = Array.from({ length: 6 }, (_, i) => `Policy ⇡✓ and ⇡ref with y ⇠ ⇡✓(y | x) number ${i}`);
  const r = await parsePdf(buildPdf([{ paragraphs: [['Clean first page of prose.']] }, { paragraphs: [garbled] }]), {});
  assert.equal(r.warnings.length, 1, r.warnings.join('\n'));
  assert.equal(r.warnings[0], 'Page 2: much of the text is unreadable glyphs (a math font without a Unicode map); equations may be garbled.');
  assert.ok(garbageRatio('A table ✓ with ticks ✓').bad === 0, 'a lone check mark is a table tick');
});

test('a page without text is warned about; a PDF without any text is an error that says to OCR it', async () => {
  const mixed = await parsePdf(buildPdf([{ paragraphs: [['Real text on page one.']] }, { noText: true }]), { path: 'mixed.pdf' });
  assert.ok(mixed.warnings.some((w) => /^Page 2: no text layer/.test(w)), mixed.warnings.join('\n'));
  await assert.rejects(parsePdf(buildPdf([{ noText: true }, { noText: true }]), { path: 'scan.pdf' }), (e: unknown) => {
    assert.ok(e instanceof InputFileError);
    assert.match(e.message, /^scan\.pdf: has no text layer on any of its 2 pages \(scanned\?\)/);
    assert.match(e.display, /OCR it first/);
    return true;
  });
});

test('truncated, corrupt, HTML-as-PDF, non-PDF and encrypted files are InputFileErrors naming the file and the reason', async () => {
  const good = buildPdf([{ paragraphs: [['Some text that will be cut off.']] }]);
  const cases: [Uint8Array, RegExp][] = [
    [truncatePdf(good, 0.4), /corrupt or truncated|no text layer/],
    [corruptPdf(), /corrupt or truncated/],
    [new Uint8Array(Buffer.from('<!DOCTYPE html><html><body>Just a moment...</body></html>')), /HTML page saved with a \.pdf name/],
    [new Uint8Array(Buffer.from('PK\u0003\u0004 zip bytes')), /not a PDF/],
    [buildPdf([{ paragraphs: [['secret']] }], { encrypted: true }), /encrypted/],
  ];
  for (const [bytes, reason] of cases) {
    await assert.rejects(parsePdf(bytes, { path: '/tmp/paper.pdf' }), (e: unknown) => {
      assert.ok(e instanceof InputFileError, String(e));
      assert.ok(e.message.startsWith('/tmp/paper.pdf: '), e.message);
      assert.match(e.message, reason);
      return true;
    });
  }
});

test('a PDF over the size cap is refused before parsing', async () => {
  const huge = { byteLength: 201 * 1024 * 1024, subarray: () => new Uint8Array(0) } as unknown as Uint8Array;
  await assert.rejects(parsePdf(huge, { path: 'big.pdf' }), /big\.pdf: is \d+ MB, larger than the 200 MB limit/);
});

test('cancelling stops parsing', async () => {
  const ctl = new AbortController();
  ctl.abort();
  await assert.rejects(parsePdf(buildPdf([{ paragraphs: [['x y z']] }]), {}, { signal: ctl.signal }), (e: unknown) => (e as { code?: string }).code === 'cancelled');
});

test('joinLines and the document vocabulary decide hyphens', () => {
  const vocab = buildVocabulary(['we use fine-tuning here', 'downstream tasks downstream']);
  assert.equal(joinLines(['perform down-', 'stream tasks'], vocab), 'perform downstream tasks');
  assert.equal(joinLines(['full fine-', 'tuning'], vocab), 'full fine-tuning');
  assert.equal(joinLines(['soft hyph\u00AD', 'enation'], vocab), 'soft hyphenation');
  assert.equal(joinLines(['ends with a dash -', 'next'], vocab), 'ends with a dash - next');
  assert.equal(joinLines(['plain', 'lines'], vocab), 'plain lines');
});

test('layout: one column has no gutter; two columns of rows do', () => {
  const one: TextPiece[] = Array.from({ length: 20 }, (_, i) => ({ str: 'a full width line of prose across the page', x: 72, y: 700 - i * 12, width: 460, fontSize: 10 }));
  assert.equal(findGutter(one, 612), undefined);
  const two: TextPiece[] = Array.from({ length: 20 }, (_, i) => [
    { str: `L${i}`, x: 72, y: 700 - i * 12, width: 220, fontSize: 10 },
    { str: `R${i}`, x: 320, y: 700 - i * 12, width: 220, fontSize: 10 },
  ]).flat();
  const g = findGutter(two, 612);
  assert.ok(g !== undefined && g > 292 && g < 320, String(g));
  const lines = layoutPage(two, 612).map((l) => l.text);
  assert.deepEqual(lines.slice(0, 3), ['L0', 'L1', 'L2']);
  assert.equal(lines[20], 'R0');
});

test('running lines need to repeat; body lines near the margin stay', () => {
  const line = (text: string, y: number) => ({ text, x: 72, xEnd: 300, y, fontSize: 10, group: 0 });
  const pages = [0, 1, 2].map((i) => [line('Running title', 780), line(`Unique body line ${'abc'[i]}`, 60), line(String(i + 1), 30)]);
  const out = dropRunningLines(pages, [792, 792, 792]);
  assert.deepEqual(out.map((p) => p.map((l) => l.text)), [['Unique body line a'], ['Unique body line b'], ['Unique body line c']]);
});

test('PDF dates', () => {
  assert.equal(pdfDate('D:20200902134512Z'), '2020-09-02');
  assert.equal(pdfDate('D:2021'), '2021-01-01');
  assert.equal(pdfDate('garbage'), undefined);
});

test('section headings: numbered ones in order, the usual unnumbered ones, appendix letters after the references', () => {
  const walk = (lines: string[]) => {
    let state = START;
    const found: string[] = [];
    for (const l of lines) {
      const h = pdfHeading(l, state);
      if (h) {
        state = h.state;
        found.push(h.heading.number ? `${h.heading.number}|${h.heading.title}` : h.heading.title);
      }
    }
    return found;
  };
  assert.deepEqual(
    walk([
      'Abstract',
      '1 Introduction',
      'We train a reward model.',
      '2 Methods',
      '2 Initialize r to ρ, using random initialization for the', // an algorithm step
      '2.3. Online data collection',
      '3 Train policy with PPO',
      '3 Experiments',
      '1 Software complexity: Our online system interleaves', // a numbered list item
      'Figure 2 Results on the test set',
      '12 Results', // a number far ahead of the sections so far
      '3.1 Stylistic continuation tasks',
      'A Reddit post is One post with', // a letter before the references
      'References',
      'B Further model training details 17', // a table of contents line
      'A TL;DR dataset details',
      'B.1 Hyperparameters',
      '20 Ryan Chi', // a number after the appendices began
    ]),
    ['Abstract', '1|1 Introduction', '2|2 Methods', '2.3|2.3 Online data collection', '3|3 Train policy with PPO', '3.1|3.1 Stylistic continuation tasks', 'References', 'A|A TL;DR dataset details', 'B.1|B.1 Hyperparameters'],
  );
  // "3 Train policy with PPO" is a figure label that fits the order: the check is by shape and place, and it errs that way.
  assert.equal(pdfHeading('The KL term serves two purposes.', START), undefined);
  assert.equal(pdfHeading('4 In the online data collection case, continue to collect', START), undefined);
});

test('a PDF with numbered headings gives passages their section, and the heading line is not body text', async () => {
  const r = await parsePdf(
    buildPdf([
      { heading: 'Reward Models Under Pressure', paragraphs: [['1 Introduction'], proseLines('Intro', 3)] },
      { paragraphs: [['2 Method'], proseLines('Method', 3), ['2.1 Reward model training'], proseLines('Training', 3)] },
    ]),
    {},
  );
  const sectionOf = (tag: string) => r.blocks.find((b) => b.text.startsWith(`${tag} line 1`))?.location;
  assert.deepEqual(sectionOf('Intro'), { page: 1, section: '1 Introduction', sectionNumber: '1' });
  assert.deepEqual(sectionOf('Method'), { page: 2, section: '2 Method', sectionNumber: '2' });
  assert.deepEqual(sectionOf('Training'), { page: 2, section: '2.1 Reward model training', sectionNumber: '2.1' });
  assert.ok(!r.blocks.some((b) => /^(1 Introduction|2 Method|2\.1 Reward)/.test(b.text)), 'headings are not passages of their own');
});
