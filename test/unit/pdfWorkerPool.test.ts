import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { parsePdfBounded, pdfWorkerStarts } from '../../src/core/sources/pdfWorkerClient';
import { CancelledError } from '../../src/core/errors';
import { buildPdf, proseLines } from '../support/pdfFixture';

const paper = (tag: string) => buildPdf([{ paragraphs: [proseLines(tag, 20)] }, { paragraphs: [proseLines(`${tag} two`, 20)] }]);

test('papers read one after another share one warm worker', async () => {
  const before = pdfWorkerStarts.count;
  for (const tag of ['Alpha', 'Beta', 'Gamma']) {
    const parsed = await parsePdfBounded(paper(tag), { title: tag });
    assert.match(parsed.blocks.map((b) => b.text).join(' '), new RegExp(`${tag} line 1`));
  }
  assert.equal(pdfWorkerStarts.count - before, 1, 'one worker started for three papers');
});

test('a cancel before the paper reaches a worker is a cancel, and leaves the warm worker for the next paper', async () => {
  await parsePdfBounded(paper('Warm'), { title: 'warm' });
  const before = pdfWorkerStarts.count;
  const ctl = new AbortController();
  const pending = parsePdfBounded(paper('Early'), { title: 'early' }, { signal: ctl.signal });
  ctl.abort();
  await assert.rejects(pending, (e) => e instanceof CancelledError);
  await parsePdfBounded(paper('Next'), { title: 'next' });
  assert.equal(pdfWorkerStarts.count - before, 0);
});

test('a worker stopped by a cancel is not reused: the next paper gets a new one and reads', async () => {
  await parsePdfBounded(paper('Warm'), { title: 'warm' });
  const before = pdfWorkerStarts.count;
  const ctl = new AbortController();
  const long = buildPdf(Array.from({ length: 30 }, (_, i) => ({ paragraphs: [proseLines(`Long ${i}`, 30)] })));
  const pending = parsePdfBounded(long, { title: 'cancelled' }, { signal: ctl.signal });
  // Once the job is with the worker (posted in the same turn the slot is taken), the cancel stops it there.
  await new Promise((r) => setImmediate(r));
  ctl.abort();
  await assert.rejects(pending, (e) => e instanceof CancelledError);
  const next = await parsePdfBounded(paper('After'), { title: 'after' });
  assert.match(next.blocks.map((b) => b.text).join(' '), /After line 1/);
  assert.equal(pdfWorkerStarts.count - before, 1, 'the cancelled worker was replaced once');
});

test('a warm worker does not keep a command-line process alive', () => {
  const script = `
    const { parsePdfBounded } = require(${JSON.stringify(path.resolve(__dirname, '../../src/core/sources/pdfWorkerClient.ts'))});
    const { buildPdf, proseLines } = require(${JSON.stringify(path.resolve(__dirname, '../support/pdfFixture.ts'))});
    parsePdfBounded(buildPdf([{ paragraphs: [proseLines('Exit', 5)] }]), { title: 'x' }).then(() => console.log('parsed'));`;
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /parsed/);
  // The worker is kept warm for 15 s; a process that waited for it would take that long to exit.
  assert.ok(Date.now() - t0 < 12_000, `the process exited ${Date.now() - t0} ms after starting`);
});
