// The endpoint's embeddings of library passages are kept beside the library index, per embedding
// space: a new process asks the endpoint only for its question. Damage costs re-embedding only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PaperLibrary } from '../../src/core/retrieval/library';
import { loadSourceFile } from '../../src/core/sources/loadSource';
import { SourceCache } from '../../src/core/sources/sourceCache';
import { StoredVectors, storedVectorsFile } from '../../src/core/retrieval/storedVectors';
import { spawn, type ChildProcess } from 'node:child_process';
import { killAndWait } from '../support/childProcesses';
import { raceVector } from '../support/vectorWriter';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/cliIo';
import { startFakeOpenAI } from '../support/fakeOpenAIServer';
import { tempDir } from '../support/tempDir';
import { longestStall } from '../support/generatedIndex';


function papers(): { dir: string; indexFile: string; open: () => PaperLibrary } {
  const dir = tempDir('align-vectors-');
  const body = (topic: string) => Array.from({ length: 6 }, (_, i) => `Paragraph ${i} on ${topic}: the reward model, the policy and the judge each play a part here.`).join('\n\n');
  fs.writeFileSync(path.join(dir, 'kl.md'), `# KL Penalties\n\n${body('KL penalties')}\n`);
  fs.writeFileSync(path.join(dir, 'debate.md'), `# Debate\n\n${body('debate')}\n`);
  fs.writeFileSync(path.join(dir, 'dpo.md'), `# DPO\n\n${body('preference optimisation')}\n`);
  const cache = new SourceCache(path.join(dir, '.cache', 'sources'));
  const indexFile = path.join(dir, '.cache', 'library', 'papers.lix');
  return { dir, indexFile, open: () => new PaperLibrary(dir, (f) => loadSourceFile(f, { cache }), undefined, { indexFile }) };
}

/** A deterministic embedder that counts the texts it is asked for. */
function counting(): { embed: (texts: string[]) => Promise<number[][]>; asked: string[] } {
  const asked: string[] = [];
  const embed = async (texts: string[]) => {
    asked.push(...texts);
    return texts.map((t) => Array.from({ length: 8 }, (_, i) => (t.charCodeAt(i * 3) || 0) / 100 + (t.length % (i + 2))));
  };
  return { embed, asked };
}

const QUESTION = 'What does the judge decide in debate?';

test('embeddings the endpoint gave are kept beside the index: a new process embeds only its question; another embedding model does not reuse them', async () => {
  const { open } = papers();
  const first = open();
  await first.refresh();
  const a = counting();
  const r1 = await first.search(QUESTION, 3, {}, { embed: a.embed, embeddingSpace: 'http://e/v1 model-a' });
  const passages = a.asked.length - 1;
  assert.ok(passages >= 3, `embedded ${passages} passages`);

  const second = open();
  await second.refresh();
  const b = counting();
  const r2 = await second.search(QUESTION, 3, {}, { embed: b.embed, embeddingSpace: 'http://e/v1 model-a' });
  assert.deepEqual(b.asked, [QUESTION], 'only the question is embedded');
  assert.deepEqual(r2.passages.map((p) => p.text), r1.passages.map((p) => p.text), 'the same ranking from the kept vectors');

  const third = open();
  await third.refresh();
  const c = counting();
  await third.search(QUESTION, 3, {}, { embed: c.embed, embeddingSpace: 'http://e/v1 model-b' });
  assert.equal(c.asked.length, passages + 1, 'vectors of another model are not reused');
});

test('a damaged record and a record cut short by a crash are embedded again, without an error, and the file stays usable', async () => {
  const { indexFile, open } = papers();
  const space = 'http://e/v1 model-a';
  const first = open();
  await first.refresh();
  const a = counting();
  await first.search(QUESTION, 3, {}, { embed: a.embed, embeddingSpace: space });
  const file = storedVectorsFile(indexFile, space);
  const bytes = fs.readFileSync(file);
  const record = 16 + 8 * 4 + 4;
  assert.equal((bytes.length - 40) % record, 0);
  assert.equal((bytes.length - 40) / record, a.asked.length - 1, 'one record a passage');
  bytes[40 + record + 20] ^= 0xff; // the second record's vector
  fs.writeFileSync(file, bytes.subarray(0, bytes.length - 10)); // the last record cut short

  const second = open();
  await second.refresh();
  const b = counting();
  const found = await second.search(QUESTION, 3, {}, { embed: b.embed, embeddingSpace: space });
  assert.equal(found.passages.length, 3);
  assert.equal(b.asked.length, 3, `the question and the two lost passages, not ${b.asked.length - 1}`);

  // Records appended after the torn one are still read: a third process embeds only its question.
  const third = open();
  await third.refresh();
  const c = counting();
  await third.search(QUESTION, 3, {}, { embed: c.embed, embeddingSpace: space });
  assert.deepEqual(c.asked, [QUESTION]);
});

test('align ask --library twice against an endpoint with embeddings: the second run sends only the question to /embeddings', async () => {
  const server = await startFakeOpenAI();
  const { dir } = papers();
  try {
    const run = async () => {
      let err = '';
      const io: CliIo = { stdout: () => undefined, stderr: (s) => (err += s), env: { ALIGN_CACHE_DIR: path.join(dir, '.align-cache'), OPENAI_BASE_URL: server.url, ALIGN_MODEL: 'fake-model' }, cwd: dir, readStdin: async () => '' };
      const code = await main(['ask', '--library', dir, QUESTION, '--json'], io);
      assert.equal(code, 0, err);
    };
    const inputs = () => server.requests.filter((r) => r.path.endsWith('/embeddings')).flatMap((r) => (r.body as { input: string[] }).input);
    await run();
    const firstRun = inputs().length;
    assert.ok(firstRun > 3, `${firstRun} texts embedded by the first run`);
    await run();
    assert.deepEqual(inputs().slice(firstRun), [QUESTION]);
  } finally {
    await server.close();
  }
});

test('four processes appending to one embeddings file at once, 25 times each: every vector is read back whole, none damaged', { timeout: 300_000 }, async (t) => {
  const dir = tempDir('align-vectors-race-');
  const file = path.join(dir, 'papers.0123456789abcdef.vec');
  const running = new Set<ChildProcess>();
  t.after(() => killAndWait(running));
  const writers = ['a', 'b', 'c', 'd'].map(
    (tag) =>
      new Promise<{ code: number | null; err: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'support', 'vectorWriter.ts'), file, tag, '25', '20'], { stdio: ['ignore', 'pipe', 'pipe'] });
        running.add(child);
        let err = '';
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('exit', (code) => (running.delete(child), resolve({ code, err })));
      }),
  );
  for (const w of await Promise.all(writers)) assert.deepEqual(w, { code: 0, err: '' });
  const warnings: string[] = [];
  const stored = new StoredVectors(file, 'http://race/v1 model', { trace() {}, debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} });
  await stored.load();
  assert.deepEqual(warnings, [], 'no damaged or torn record');
  assert.equal(stored.size, 4 * 25 * 20);
  for (const tag of ['a', 'b', 'c', 'd']) {
    for (const [b, i] of [[0, 0], [12, 7], [24, 19]]) {
      const text = `${tag} passage ${b}-${i}`;
      assert.deepEqual([...(stored.get(text) ?? [])], raceVector(text), text);
    }
  }
  assert.equal((fs.statSync(file).size - 40) % (16 + 64 * 4 + 4), 0, 'whole records only');
});

test('an embeddings file larger than they ever grow is not read into memory: it is started again', async () => {
  const dir = tempDir('align-vectors-huge-');
  const file = path.join(dir, 'papers.0123456789abcdef.vec');
  // 600 MB, sparse: costs nothing on disk, but reading it whole would.
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, Buffer.from('ALIGNVEC'));
  fs.closeSync(fd);
  fs.truncateSync(file, 600 * 1024 * 1024);
  const warnings: string[] = [];
  const stored = new StoredVectors(file, 'http://e/v1 model-a', { trace() {}, debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} });
  const before = process.memoryUsage().arrayBuffers;
  await stored.load();
  assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024, 'the file was not read');
  assert.match(warnings.join('\n'), /is 600 MB, more than kept embeddings grow to; it is started again/);
  stored.set('a passage', [1, 2, 3]);
  await stored.flush();
  assert.equal(fs.statSync(file).size, 40 + 16 + 3 * 4 + 4, 'started again: a header and one record');
});

test('a large embeddings file is read in slices: the event loop keeps turning while it loads', async () => {
  const dir = tempDir('align-vectors-big-');
  const file = path.join(dir, 'papers.0123456789abcdef.vec');
  const space = 'http://e/v1 model-a';
  const writer = new StoredVectors(file, space);
  await writer.load();
  for (let i = 0; i < 20_000; i++) writer.set(`passage ${i}`, Array.from({ length: 256 }, (_, d) => ((i + d) % 97) / 97));
  await writer.flush();
  const reader = new StoredVectors(file, space);
  const timing = await longestStall(() => reader.load());
  assert.equal(reader.size, 20_000);
  // Read in one loop, the load would hold the thread for nearly all of its time.
  assert.ok(timing.longest < timing.total / 2, `longest stall ${timing.longest.toFixed(0)} ms of ${timing.total.toFixed(0)} ms`);
});
