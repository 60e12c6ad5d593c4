import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { LibraryReader } from '../../src/core/retrieval/libraryWorkerClient';
import { PaperLibrary } from '../../src/core/retrieval/library';
import { PassageIndex } from '../../src/core/retrieval/retriever';
import { readLibraryIndex, writeLibraryIndex } from '../../src/core/retrieval/libraryIndexFile';
import { generatedIndex, longestStall } from '../support/generatedIndex';
import { tempDir } from '../support/tempDir';

test('library papers are parsed in a worker thread: failures come back as input-file errors naming the file, and a cancel is a cancel', async () => {
  const dir = tempDir('align-libworker-');
  fs.writeFileSync(path.join(dir, 'a.md'), '---\ntitle: Worker Paper\n---\n\n# Worker Paper\n\nThe reward model is trained on comparisons.\n');
  fs.writeFileSync(path.join(dir, 'bad.pdf'), 'not a pdf');
  let fallbackCalls = 0;
  const reader = new LibraryReader(path.join(dir, '.cache'), async () => {
    fallbackCalls++;
    throw new Error('the fallback should not run when the worker exists');
  });
  try {
    const lib = new PaperLibrary(dir, (f, s) => reader.load(f, s));
    const r = await lib.refresh();
    assert.equal(r.added, 2);
    assert.equal(fallbackCalls, 0, 'parsed in the worker');
    assert.ok(isMainThread);
    assert.equal(r.problems.length, 1);
    assert.match(r.problems[0].message, /bad\.pdf/);
    assert.equal((await lib.search('reward comparisons', 1)).passages[0].source.title, 'Worker Paper');
    const abort = new AbortController();
    const pending = reader.load(path.join(dir, 'a.md'), abort.signal);
    abort.abort();
    await assert.rejects(pending, (e: { code?: string }) => e.code === 'cancelled');
    // After a cancel, a new worker reads the next paper.
    assert.equal((await reader.load(path.join(dir, 'a.md'))).ref.title, 'Worker Paper');
  } finally {
    await reader.dispose();
  }
});

test("the library's index file is read and checked in the worker: the same index as read on this thread, a damaged one refused naming the file, and this thread's event loop keeps turning meanwhile", async () => {
  const dir = tempDir('align-libworker-index-');
  const reader = new LibraryReader(undefined, async () => {
    throw new Error('no papers are read here');
  });
  try {
    // A library of 400 papers × 150 passages of generated prose: an index file of some megabytes.
    const index = generatedIndex(400, 150);
    const file = path.join(dir, 'library.lix');
    await writeLibraryIndex(file, { folder: dir, manifest: [], ...index.snapshot() });

    await reader.readIndex(file); // the worker started and compiled
    const here = await longestStall(async () => readLibraryIndex(file));
    const there = await longestStall(() => reader.readIndex(file));

    const a = readLibraryIndex(file)!;
    const b = (await reader.readIndex(file))!;
    assert.deepEqual([...b.table.docs.subarray(0, 1000)], [...a.table.docs.subarray(0, 1000)]);
    assert.deepEqual(b.table.terms, a.table.terms);
    assert.equal(b.sources.length, 400);
    assert.equal(b.sources[123].texts.get(7), a.sources[123].texts.get(7));
    assert.equal(PassageIndex.restore(b.table, b.sources).search('w1 w2 w3', 1)[0].id, PassageIndex.restore(a.table, a.sources).search('w1 w2 w3', 1)[0].id);
    // Read on this thread, the loop stops for the whole read; through the worker, only for the
    // views and the metadata.
    assert.ok(there.longest < here.longest / 2, `longest stall: ${there.longest.toFixed(1)} ms through the worker, ${here.longest.toFixed(1)} ms on this thread`);

    // A flipped byte in the postings: refused, naming the file, by the worker's checksum.
    const bytes = fs.readFileSync(file);
    bytes[bytes.length >> 3] ^= 0xff;
    fs.writeFileSync(file, bytes);
    await assert.rejects(reader.readIndex(file), (e: { code?: string; message: string }) => e.code === 'library-index-corrupt' && e.message.startsWith(`${file}: `));
    assert.equal(await reader.readIndex(path.join(dir, 'none.lix')), undefined);
  } finally {
    await reader.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
