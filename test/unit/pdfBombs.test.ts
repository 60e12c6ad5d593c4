// Generated PDF bombs against the real reader: a page tree naming a million pages, a real
// 12,000-page file, a deflate bomb. Each is refused in bounded time and memory with a message
// naming the file; `align index` (the real CLI, in a child process with a small heap and a
// timeout) lists them as problems and indexes the rest.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { deflateBomb, manyPagePdf, pageTreeBomb } from '../support/pdfBombs';
import { buildPdf, proseLines } from '../support/pdfFixture';
import { buildCliBundle } from '../support/buildCli';
import { parsePdfBounded } from '../../src/core/sources/pdfWorkerClient';
import { AlignError } from '../../src/core/errors';

let dir: string;
let bundle: { dir: string; cli: string };
let treeBomb: Uint8Array;
let zipBomb: Uint8Array;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'align-pdfbomb-'));
  bundle = await buildCliBundle();
  treeBomb = pageTreeBomb();
  zipBomb = deflateBomb(900);
  const papers = path.join(dir, 'papers');
  fs.mkdirSync(papers);
  fs.writeFileSync(path.join(papers, 'tree-bomb.pdf'), treeBomb);
  fs.writeFileSync(path.join(papers, 'many-pages.pdf'), manyPagePdf(12_000));
  fs.writeFileSync(path.join(papers, 'deflate-bomb.pdf'), zipBomb);
  fs.writeFileSync(path.join(papers, 'good.pdf'), buildPdf([{ heading: 'A Good Paper About Reward Models', paragraphs: [proseLines('good', 6)] }]));
  fs.writeFileSync(path.join(papers, 'notes.md'), '# Notes\n\nReward hacking notes that index fine.\n');
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the page-tree bomb is 13 KB and names a million pages', () => {
  assert.ok(treeBomb.byteLength < 16_000 && treeBomb.byteLength > 12_000, String(treeBomb.byteLength));
  assert.match(Buffer.from(treeBomb).toString('latin1'), /\/Count 1000000\b/);
  assert.ok(zipBomb.byteLength < 1_000_000, String(zipBomb.byteLength));
});

test('a million-page page tree is refused by its /Count before any page is read', async () => {
  const t0 = Date.now();
  await assert.rejects(parsePdfBounded(treeBomb, { path: 'tree-bomb.pdf' }), (e: unknown) => {
    assert.ok(AlignError.is(e));
    assert.match(e.message, /^tree-bomb\.pdf: has 1,000,000 pages by its page tree, more than the 3,000-page limit/);
    assert.ok(e.hint);
    return true;
  });
  assert.ok(Date.now() - t0 < 60_000);
});

test('a deflate bomb is refused by the decoded size of its stream before pdf.js reads any page, in well under the time pdf.js takes to lex it', async () => {
  // pdf.js alone takes over 3 s on this bomb (the time-budget test below stops it at 3 s).
  const t0 = Date.now();
  await assert.rejects(parsePdfBounded(zipBomb, { path: 'deflate-bomb.pdf' }), /deflate-bomb\.pdf: has a compressed stream .* inflates to more than 128 MB/);
  assert.ok(Date.now() - t0 < 2500, `refused after ${Date.now() - t0} ms`);
});

test("a bomb in a page's content stream that calls itself an image is refused before pdf.js reads it", async () => {
  // pdf.js never decodes an image to read text, but this "image" is a page's contents: checked
  // only while pdf.js read the pages, it was decoded by pdf.js first (3.8 s for 300 MB).
  const disguised = deflateBomb(300, { disguise: true });
  const t0 = Date.now();
  await assert.rejects(parsePdfBounded(disguised, { path: 'disguised-bomb.pdf' }), /disguised-bomb\.pdf: has a compressed stream .* inflates to more than 128 MB/);
  assert.ok(Date.now() - t0 < 2500, `refused after ${Date.now() - t0} ms`);
});

test('past the time budget the worker is stopped, and the event loop kept running meanwhile', async () => {
  // The stream check is lifted so that pdf.js itself meets the bomb: only the time budget is left.
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 50);
  const t0 = Date.now();
  try {
    await assert.rejects(
      parsePdfBounded(zipBomb, { path: 'deflate-bomb.pdf' }, { limits: { maxStreamBytes: 4 * 1024 ** 3, timeMs: 3000 } }),
      /deflate-bomb\.pdf: took longer than 3 s to read and was stopped/,
    );
  } finally {
    clearInterval(ticker);
  }
  const ms = Date.now() - t0;
  assert.ok(ms < 30_000, `stopped after ${ms} ms`);
  // A parse on this thread would have blocked the timer for the whole time.
  assert.ok(ticks >= (ms / 50) * 0.3, `${ticks} ticks in ${ms} ms`);
});

test('past the memory budget the worker is stopped with a message, not the process', async () => {
  // With the page budget lifted, reading a million pages fills any heap: the worker's is 64 MB.
  await assert.rejects(
    parsePdfBounded(treeBomb, { path: 'tree-bomb.pdf' }, { limits: { maxPages: 2_000_000, maxTextChars: 1e12, memoryMb: 64, timeMs: 120_000 } }),
    /tree-bomb\.pdf: (needs more than 64 MB of memory|took longer than 120 s) to read and was stopped/,
  );
});

test('align index on a folder with bombs lists them as problems and indexes the rest (192 MB heap, bounded time)', async () => {
  const t0 = Date.now();
  const r = await new Promise<{ code: number | null; signal: string | null; out: string; err: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-old-space-size=192', bundle.cli, 'index', 'papers', '--json'], {
      cwd: dir,
      env: { PATH: process.env.PATH, TMPDIR: os.tmpdir(), HOME: dir, ALIGN_CACHE_DIR: path.join(dir, 'cache') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, err });
    });
  });
  assert.equal(r.signal, null, `killed after ${Date.now() - t0} ms: ${r.err.slice(-2000)}`);
  assert.equal(r.code, 0, r.err.slice(-2000));
  const result = JSON.parse(r.out) as { papers: number; problems: { path: string; message: string }[] };
  assert.equal(result.papers, 2, 'good.pdf and notes.md');
  const byFile = new Map(result.problems.map((p) => [path.basename(p.path), p.message]));
  assert.match(byFile.get('tree-bomb.pdf') ?? '', /1,000,000 pages/);
  assert.match(byFile.get('many-pages.pdf') ?? '', /12,000 pages/);
  assert.match(byFile.get('deflate-bomb.pdf') ?? '', /inflates to more than/);
});
