import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import { LibraryReader } from '../../src/core/retrieval/libraryWorkerClient';
import { PaperLibrary } from '../../src/core/retrieval/library';

test('library papers are parsed in a worker thread: failures come back as input-file errors naming the file, and a cancel is a cancel', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'align-libworker-'));
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
