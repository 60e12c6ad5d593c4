// A full disk, produced for real: a small tmpfs is the dataset's disk, filled until only a little
// is free. Saves, rewrites (rate, edit, delete) and exports must fail, say so with the path and
// the reason, and leave every file as it was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DatasetStore } from '../../src/core/dataset/datasetStore';
import { exportDataset } from '../../src/core/exports/exportDataset';
import type { TaskInstance } from '../../src/core/dataset/instanceTypes';
import { AlignError } from '../../src/core/errors';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/cliIo';
import { startFakeOpenAI } from '../support/fakeOpenAIServer';
import { diskMode, fillDiskLeaving, freeBytes, mountTmpfs, rerunInUnshare } from '../support/tmpfsDisk';
import { tempDir } from '../support/tempDir';
import { PaperLibrary } from '../../src/core/retrieval/library';
import { loadSourceFile } from '../../src/core/sources/loadSource';

function inst(id: string, outputBytes: number): TaskInstance {
  return {
    schemaVersion: 1,
    id,
    taskId: 'paper-qa',
    createdAt: '2026-01-01T00:00:00.000Z',
    input: { passages: [], dialogue: [{ role: 'researcher', content: `question ${id}` }] },
    output: `answer ${id} ${'y'.repeat(outputBytes)}`,
    constraints: {},
  };
}

/** Asserts the promise fails with the dataset's write error naming `file` and a full disk. */
async function failsFull(p: Promise<unknown>, file: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(AlignError.is(e), `not an AlignError: ${String(e)}`);
    assert.ok(e.message.includes(file), `message does not name ${file}: ${e.message}`);
    assert.match(e.message, /disk is full/);
    return true;
  });
}

function noTempFiles(dir: string): void {
  const left = fs.readdirSync(dir).filter((f) => f.endsWith('.tmp') || f.endsWith('.lock'));
  assert.deepEqual(left, [], `left behind in ${dir}`);
}

const mode = diskMode();

if (mode.kind === 'unshare') {
  test('disk-full tests, run inside unshare -rm (not root here)', (t) => {
    const r = rerunInUnshare(__filename);
    assert.equal(r.status, 0, r.output);
    // Ran, not skipped: inside the namespace the tmpfs must have been mounted.
    assert.match(r.output, /ℹ pass [1-9]/, r.output);
    assert.match(r.output, /ℹ skipped 0/, r.output);
    t.diagnostic(r.output.split('\n').filter((l) => /^[✔✖]/.test(l)).join('\n'));
  });
} else if (mode.kind === 'none') {
  test('disk-full tests', { skip: `no tmpfs can be mounted: ${mode.reason}` }, () => undefined);
} else {
  test('a save larger than the free space fails, names the file and the full disk, and leaves the file byte for byte (no torn line)', async (t) => {
    const disk = mountTmpfs(1 << 20);
    t.after(disk.dispose);
    const store = new DatasetStore(path.join(disk.dir, 'alignment-tasks'));
    await store.appendInstance(inst('first', 2000));
    await store.appendInstance(inst('second', 2000));
    const file = store.instancesPath('paper-qa');
    const before = fs.readFileSync(file);
    const filler = fillDiskLeaving(disk.dir, 20 * 1024);
    assert.ok(freeBytes(disk.dir) < 69 * 1024);
    await failsFull(store.appendInstance(inst('too-big', 69 * 1024)), file);
    assert.deepEqual(fs.readFileSync(file), before);
    noTempFiles(path.dirname(file));
    // Space again: the next save lands on a clean line and everything reads back.
    fs.rmSync(filler);
    await store.appendInstance(inst('third', 100));
    const { instances, corrupt } = await store.readInstances('paper-qa');
    assert.deepEqual(corrupt, []);
    assert.deepEqual(instances.map((i) => i.id), ['first', 'second', 'third']);
  });

  for (const op of ['rate', 'edit', 'delete'] as const) {
    test(`${op} with the disk nearly full fails, names the file, and leaves instances.jsonl byte for byte`, async (t) => {
      const disk = mountTmpfs(1 << 20);
      t.after(disk.dispose);
      const store = new DatasetStore(path.join(disk.dir, 'alignment-tasks'));
      for (const id of ['a', 'b', 'c']) await store.appendInstance(inst(id, 70_000));
      const file = store.instancesPath('paper-qa');
      const before = fs.readFileSync(file);
      assert.ok(before.length > 200_000);
      fillDiskLeaving(disk.dir, 60 * 1024);
      const attempt =
        op === 'rate'
          ? store.updateInstance('paper-qa', 'b', { rating: { value: 'good' } })
          : op === 'edit'
            ? store.updateInstance('paper-qa', 'b', { output: 'a shorter answer' })
            : store.deleteInstance('paper-qa', 'b');
      await failsFull(attempt, file);
      assert.deepEqual(fs.readFileSync(file), before);
      noTempFiles(path.dirname(file));
    });
  }

  for (const format of ['inspect', 'markdown'] as const) {
    test(`export --force (${format}) onto a full disk fails, names the target, and keeps the old file`, async (t) => {
      const disk = mountTmpfs(1 << 20);
      t.after(disk.dispose);
      const store = new DatasetStore(path.join(disk.dir, 'alignment-tasks'));
      for (const id of ['a', 'b', 'c', 'd']) await store.appendInstance(inst(id, 40_000));
      const out = path.join(disk.dir, `export.${format === 'markdown' ? 'md' : 'jsonl'}`);
      await exportDataset(store, { format, out });
      const good = fs.readFileSync(out);
      assert.ok(good.length > 100_000);
      fillDiskLeaving(disk.dir, 30 * 1024);
      await assert.rejects(exportDataset(store, { format, out, force: true }), (e: unknown) => {
        assert.ok(AlignError.is(e), String(e));
        assert.ok(e.message.includes(out), e.message);
        assert.match(e.message, /disk is full/);
        return true;
      });
      assert.deepEqual(fs.readFileSync(out), good);
      noTempFiles(disk.dir);
    });
  }

  test('align ask --save --json on a full disk prints one JSON object with the save error and the kept answer, and exits 1', async (t) => {
    const disk = mountTmpfs(1 << 20);
    const server = await startFakeOpenAI();
    t.after(async () => {
      await server.close();
      disk.dispose();
    });
    const answer = `The reward model overfits [P1]. ${'z'.repeat(69 * 1024)}`;
    server.setResponder(() => ({ text: answer, chunkSize: 8192 }));
    fs.writeFileSync(path.join(disk.dir, 'paper.md'), '# Paper\n\nThe reward model overfits after 200 steps.\n');
    fillDiskLeaving(disk.dir, 20 * 1024);
    let out = '';
    let err = '';
    const io: CliIo = {
      stdout: (s) => (out += s),
      stderr: (s) => (err += s),
      env: { OPENAI_API_KEY: 'sk-disk-test-abcdefghijkl', OPENAI_BASE_URL: server.url, ALIGN_MODEL: 'fake-model', ALIGN_CACHE_DIR: path.join(disk.dir, 'cache') },
      cwd: disk.dir,
      readStdin: async () => '',
    };
    const code = await main(['ask', 'paper.md', 'What overfits?', '--save', '--json'], io);
    assert.equal(code, 1, err);
    const result = JSON.parse(out) as { answer: string; instanceId: string | null; saveError?: string; saveErrorCode?: string };
    assert.equal(result.answer, answer);
    assert.equal(result.instanceId, null);
    assert.equal(result.saveErrorCode, 'dataset-write');
    assert.match(result.saveError ?? '', /disk is full/);
    assert.match(err, /not saved/);
    const file = path.join(disk.dir, 'alignment-tasks', 'paper-qa', 'instances.jsonl');
    assert.equal(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '', '');
  });

  test("the library's index and kept embeddings on a full disk: the rewrite fails without a trace, the previous index stays usable, the vectors kept before are still used", async (t) => {
    const disk = mountTmpfs(4 << 20);
    t.after(disk.dispose);
    const papers = tempDir('align-disk-papers-');
    const body = (topic: string, n: number) => Array.from({ length: n }, (_, i) => `Paragraph ${i} on ${topic}: the reward model and the policy disagree here.`).join('\n\n');
    for (const name of ['kl', 'debate', 'dpo']) fs.writeFileSync(path.join(papers, `${name}.md`), `# ${name}\n\n${body(name, 5)}\n`);
    const indexFile = path.join(disk.dir, 'library', 'papers.lix');
    const warnings: string[] = [];
    const logger = { trace() {}, debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} };
    const open = () => new PaperLibrary(papers, (f) => loadSourceFile(f), logger, { indexFile });
    const asked: string[] = [];
    // 256 dimensions: a record is about 1 KB, so a batch of them needs new blocks of the full disk.
    const embed = async (texts: string[]) => (asked.push(...texts), texts.map((x) => Array.from({ length: 256 }, (_, i) => ((x.length + i) % 13) / 13)));
    const space = 'http://e/v1 model-a';

    const first = open();
    await first.refresh();
    await first.search('reward model', 3, {}, { embed, embeddingSpace: space });
    const keptBefore = asked.length - 1;
    const indexBefore = fs.readFileSync(indexFile);

    // The disk fills; a long paper arrives, is indexed, and the rewrite of the index cannot fit.
    const filler = fillDiskLeaving(disk.dir, 8 * 1024);
    fs.writeFileSync(path.join(papers, 'long.md'), `# long\n\n${body('long', 400)}\n`);
    const r = await first.refresh();
    assert.equal(r.added, 1);
    assert.ok(warnings.some((w) => w.includes(indexFile) && /could not be saved/.test(w)), warnings.join('\n'));
    assert.deepEqual(fs.readdirSync(path.dirname(indexFile)).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
    assert.ok(fs.readFileSync(indexFile).equals(indexBefore), 'the previous index is untouched');
    // Its new passages' embeddings cannot be kept either (not a byte free now): the search still answers.
    fillDiskLeaving(disk.dir, 0);
    asked.length = 0;
    const found = await first.search('long reward model', 12, {}, { embed, embeddingSpace: space });
    assert.equal(found.passages.length, 12);
    assert.ok(warnings.some((w) => /embeddings could not be kept/.test(w)), warnings.join('\n'));

    // Space again; a new process loads the previous index and reads only the long paper.
    fs.rmSync(filler);
    const second = open();
    const again = await second.refresh();
    assert.deepEqual([again.loaded, again.added], [true, 1]);
    asked.length = 0;
    await second.search('reward model', 3, {}, { embed, embeddingSpace: space });
    // The small papers' vectors, kept before the disk filled, are read back: not asked again.
    const small = asked.filter((x) => !x.includes(' on long:') && x !== 'reward model');
    assert.ok(small.length < keptBefore, `${small.length} of the ${keptBefore} passages kept before were asked again`);
  });
}
