import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PaperLibrary } from '../../src/core/retrieval/library';
import { FORMAT_VERSION, libraryIndexFile, readLibraryIndex, writeLibraryIndex } from '../../src/core/retrieval/libraryIndexFile';
import { PassageIndex, locationsOf } from '../../src/core/retrieval/retriever';
import { generatedIndex, generatedPaper, longestStall } from '../support/generatedIndex';
import { loadSourceFile } from '../../src/core/sources/loadSource';
import { SourceCache } from '../../src/core/sources/sourceCache';
import type { Logger } from '../../src/core/ports';
import { tempDir } from '../support/tempDir';

const md = (title: string, body: string) => `---\ntitle: ${title}\ndate: 2021-01-01\n---\n\n# ${title}\n\n## Method\n\n${body}\n`;

function setup() {
  const root = tempDir('align-lix-');
  const dir = path.join(root, 'papers');
  fs.mkdirSync(path.join(dir, 'nested'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'kl.md'), md('KL Penalties', 'The KL penalty keeps the policy close to the supervised model, so the reward model stays accurate.'));
  fs.writeFileSync(path.join(dir, 'nested', 'debate.md'), md('Debate', 'Two models argue and a judge picks the more convincing answer.'));
  fs.writeFileSync(path.join(dir, 'dpo.md'), md('DPO', 'A closed-form policy removes the reward model and the KL penalty tuning loop. Naïve “quotes” — café.'));
  fs.writeFileSync(path.join(dir, 'broken.pdf'), '<html>not a pdf</html>');
  const cacheDir = path.join(root, 'cache');
  const indexFile = libraryIndexFile(cacheDir, dir);
  const cache = new SourceCache(path.join(cacheDir, 'sources'));
  const loads: string[] = [];
  const warnings: string[] = [];
  const logger: Logger = { trace() {}, debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} };
  // Each call is a new process's library: nothing shared in memory.
  const open = () => new PaperLibrary(dir, (f) => (loads.push(path.basename(f)), loadSourceFile(f, { cache })), logger, { indexFile });
  return { dir, indexFile, open, loads, warnings };
}

const search = async (lib: PaperLibrary, q: string, k = 3) => (await lib.search(q, k)).passages.map((p) => `${p.source.title}|${p.id}|${p.score.toFixed(6)}|${p.text}|${JSON.stringify(p.location)}`);

test('a new process loads the library index from disk: no paper is read again, and answers are the same', async () => {
  const { indexFile, open, loads } = setup();
  const first = open();
  const r1 = await first.refresh();
  assert.equal(r1.added, 4);
  assert.ok(fs.existsSync(indexFile), 'the index is written next to the parse cache');
  const before = await search(first, 'Why keep the policy near the supervised model?');
  loads.length = 0;
  const second = open();
  const r2 = await second.refresh();
  assert.equal(r2.loaded, true);
  assert.deepEqual([r2.added, r2.updated, r2.removed], [0, 0, 0]);
  assert.deepEqual(loads, [], 'unchanged files are not read (nor hashed)');
  assert.equal(r2.problems.length, 1, 'the unreadable file stays on the problem list');
  assert.deepEqual(await search(second, 'Why keep the policy near the supervised model?'), before);
  assert.deepEqual(await search(second, 'naive cafe quotes'), await search(first, 'naive cafe quotes'));
  assert.deepEqual(second.papers().map((p) => p.title).sort(), ['DPO', 'Debate', 'KL Penalties']);
});

test('added, changed and removed papers update the stored index, and only they are read', async () => {
  const { dir, open, loads } = setup();
  await open().refresh();
  fs.writeFileSync(path.join(dir, 'new.md'), md('Amplification', 'Iterated amplification decomposes hard questions into easier ones.'));
  const kl = path.join(dir, 'kl.md');
  fs.writeFileSync(kl, md('KL Penalties', 'Entropy bonuses encourage exploration during fine-tuning.'));
  fs.utimesSync(kl, new Date(), new Date(Date.now() + 5000));
  fs.rmSync(path.join(dir, 'nested', 'debate.md'));
  loads.length = 0;
  const r = await open().refresh();
  assert.deepEqual([r.loaded, r.added, r.updated, r.removed], [true, 1, 1, 1]);
  assert.deepEqual(loads.sort(), ['kl.md', 'new.md']);
  loads.length = 0;
  const fresh = open();
  assert.equal((await fresh.refresh()).loaded, true);
  assert.deepEqual(loads, []);
  assert.equal((await fresh.search('judge picks convincing answer', 3)).passages.length, 0, 'the removed paper is gone');
  assert.ok(!(await search(fresh, 'supervised model policy close', 5)).some((p) => p.includes('close to the supervised model')), 'the old text is gone');
  assert.equal((await fresh.search('entropy exploration', 1)).passages[0].source.title, 'KL Penalties');
  assert.equal((await fresh.search('decomposes hard questions', 1)).passages[0].source.title, 'Amplification');
});

test('an index of another version, cut short or damaged is rebuilt with a log line, never a crash', async () => {
  const { indexFile, open, loads, warnings } = setup();
  const lib = open();
  await lib.refresh();
  const good = fs.readFileSync(indexFile);
  const expected = await search(lib, 'closed-form policy');
  const variants: [string, Buffer, RegExp][] = [
    ['another version', Buffer.concat([good.subarray(0, 8), Buffer.from(Uint32Array.of(FORMAT_VERSION + 1).buffer), good.subarray(12)]), /format/],
    ['cut short', good.subarray(0, Math.floor(good.length * 0.6)), /cut short|short/],
    ['not an index', Buffer.from('{"hello": 1}'.repeat(20)), /not a library index/],
    ['empty', Buffer.alloc(0), /too short/],
  ];
  // A flipped byte in the postings or the section table.
  for (const at of [20, 40, Math.floor(good.length / 3), Math.floor(good.length / 2)]) {
    const bad = Buffer.from(good);
    bad[at] ^= 0xff;
    variants.push([`byte ${at} flipped`, bad, /.*/]);
  }
  for (const [name, bytes, why] of variants) {
    fs.writeFileSync(indexFile, bytes);
    warnings.length = 0;
    loads.length = 0;
    const again = open();
    const r = await again.refresh();
    if (!r.loaded) {
      assert.match(warnings.join('\n'), why, name);
      assert.ok(loads.length >= 3, `${name}: rebuilt from the papers`);
    }
    assert.deepEqual(await search(again, 'closed-form policy'), expected, name);
    assert.equal(readLibraryIndex(indexFile)?.sources.length, 3, `${name}: a good index is written back`);
  }
});

test('a crash while the index is being rewritten leaves the previous index usable', async () => {
  const { dir, indexFile, open } = setup();
  await open().refresh();
  const before = fs.readFileSync(indexFile);
  // The writer's temporary file, as a crash leaves it: half written beside the index.
  fs.writeFileSync(path.join(path.dirname(indexFile), `.${path.basename(indexFile)}.999.abc.tmp`), before.subarray(0, 100));
  assert.equal(readLibraryIndex(indexFile)?.sources.length, 3);
  // A failing write (the folder made read-only) keeps the old file whole and only logs.
  fs.writeFileSync(path.join(dir, 'new.md'), md('Amplification', 'Iterated amplification decomposes hard questions.'));
  if (process.getuid?.() !== 0) {
    fs.chmodSync(path.dirname(indexFile), 0o500);
    try {
      const r = await open().refresh();
      assert.equal(r.added, 1);
    } finally {
      fs.chmodSync(path.dirname(indexFile), 0o700);
    }
    assert.deepEqual(fs.readFileSync(indexFile), before, 'the previous index is untouched');
  }
});

test('a cancelled refresh keeps what it indexed and drops nothing it did not reach', async () => {
  const { open } = setup();
  const lib = open();
  await lib.refresh();
  const abort = new AbortController();
  abort.abort();
  const r = await open().refresh(abort.signal);
  assert.equal(r.cancelled, true);
  assert.equal(r.removed, 0);
  const after = open();
  await after.refresh();
  assert.equal(after.papers().length, 3);
});

test('rewriting a loaded index after a paper is added lets the event loop turn, and keeps every passage, location and posting', async () => {
  const root = tempDir('align-lix-save-');
  try {
    const file = path.join(root, 'library.lix');
    await writeLibraryIndex(file, { folder: root, manifest: [], ...generatedIndex(400, 150).snapshot() });
    const loaded = readLibraryIndex(file)!;
    const index = PassageIndex.restore(loaded.table, loaded.sources);
    index.add(generatedPaper(400, 20));
    const again = path.join(root, 'again.lix');
    // The snapshot (postings renumbered in memory) is the one part that holds the thread; the
    // write that follows reads passage texts a paper at a time on the thread pool and checksums
    // in slices, so it never stops the loop for as long. (Read a passage at a time on this
    // thread and checksummed in one pass, as it was, it stopped it for longer.)
    const t0 = performance.now();
    const snapshot = index.snapshot();
    const snapshotMs = performance.now() - t0;
    const write = await longestStall(() => writeLibraryIndex(again, { folder: root, manifest: [], ...snapshot }));
    assert.ok(write.longest < snapshotMs, `the write stopped the loop for ${write.longest.toFixed(0)} ms; the snapshot took ${snapshotMs.toFixed(0)} ms`);
    const back = readLibraryIndex(again)!;
    assert.equal(back.sources.length, 401);
    assert.equal(back.sources[137].texts.get(42), loaded.sources[137].texts.get(42));
    assert.deepEqual(locationsOf(back.sources[250]), locationsOf(loaded.sources[250]));
    assert.equal(back.sources[400].texts.get(19), generatedPaper(400, 20).blocks[19].text);
    // Every posting kept, and one more for each passage of the added paper (all one word).
    assert.equal(back.table.docs.length, loaded.table.docs.length + 20);
    const restored = PassageIndex.restore(back.table, back.sources);
    assert.equal(restored.search('word400', 1)[0].source.title, 'Paper 400');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
