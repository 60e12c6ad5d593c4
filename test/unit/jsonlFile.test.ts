import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AtomicLineWriter, readJsonl, readJsonlBatches } from '../../src/core/dataset/jsonlFile';
import { tempDir } from '../support/tempDir';

const tmp = () => tempDir('align-jsonl-');
const asObject = (raw: unknown) => {
  if (typeof raw !== 'object' || raw === null) throw new Error('field "(line)" must be a JSON object');
  return raw as Record<string, unknown>;
};

// Multi-byte text (2-, 3- and 4-byte UTF-8), a blank line, a whitespace-only line, CRLF, a corrupt
// line, an invalid record and a last line without its newline.
const LINES = [
  '{"n":1,"text":"KL term – “two purposes” é"}',
  '',
  '{"n":2,"text":"∑ over 𝔼[r] 🙂"}\r',
  '   ',
  '{"n":3, oops',
  '42',
  '{"n":4,"text":"' + 'ß'.repeat(300) + '"}',
];
const FILE_TEXT = LINES.join('\n') + '\n{"n":5,"text":"torn?"}';

test('batched reading gives exactly what whole-file reading gives, wherever the chunks cut (inside a character too)', async () => {
  const file = path.join(tmp(), 'x.jsonl');
  fs.writeFileSync(file, FILE_TEXT);
  const whole = readJsonl(file, asObject);
  assert.deepEqual(whole.records.map((r) => [r.value.n, r.line]), [[1, 1], [2, 3], [4, 7], [5, 8]]);
  assert.deepEqual(whole.corrupt.map((c) => c.line), [5, 6]);
  assert.equal(whole.records[1].value.text, '∑ over 𝔼[r] 🙂');
  assert.equal(whole.corrupt[0].file, file);
  assert.match(whole.corrupt[0].reason, /not valid JSON/);
  assert.match(whole.corrupt[1].reason, /field "\(line\)"/);

  const size = fs.statSync(file).size;
  for (let chunk = 1; chunk <= size + 1; chunk++) {
    const records: unknown[] = [];
    const corrupt: unknown[] = [];
    for await (const batch of readJsonlBatches(file, asObject, chunk)) {
      records.push(...batch.records);
      corrupt.push(...batch.corrupt);
    }
    assert.deepEqual({ records, corrupt }, whole, `chunks of ${chunk} bytes`);
  }
});

test('a missing file reads as empty, in both readers', async () => {
  const file = path.join(tmp(), 'none.jsonl');
  assert.deepEqual(readJsonl(file, asObject), { records: [], corrupt: [] });
  const batches = [];
  for await (const b of readJsonlBatches(file, asObject)) batches.push(b);
  assert.deepEqual(batches, []);
});

test('the line writer replaces its target only on commit; abort leaves the old file and no temporary file', async () => {
  const dir = tmp();
  const file = path.join(dir, 'out.jsonl');
  fs.writeFileSync(file, 'old\n');
  const shared = Buffer.from('[{"shared":"é"}', 'utf8');

  const aborted = await AtomicLineWriter.open(file);
  for (let i = 0; i < 1000; i++) aborted.add(['{"i":', String(i), ',"m":', shared, ']}']);
  await aborted.drain();
  await aborted.abort();
  assert.equal(fs.readFileSync(file, 'utf8'), 'old\n');
  assert.deepEqual(fs.readdirSync(dir), ['out.jsonl']);

  const w = await AtomicLineWriter.open(file);
  const big = 'ü'.repeat(3 << 20); // larger than a block once encoded
  w.add('{"first":true}');
  w.add(['{"big":"', big, '"}']);
  for (let i = 0; i < 20_000; i++) w.add(['{"i":', String(i), ',"m":', shared, ']}']);
  assert.equal(fs.readFileSync(file, 'utf8'), 'old\n', 'nothing replaced before commit');
  assert.equal(await w.commit(), 20_002);
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  assert.equal(lines.pop(), '', 'ends with a newline');
  assert.equal(lines.length, 20_002);
  assert.deepEqual(JSON.parse(lines[0]), { first: true });
  assert.equal(JSON.parse(lines[1]).big, big);
  assert.deepEqual(JSON.parse(lines[20_001]), { i: 19_999, m: [{ shared: 'é' }] });
  assert.deepEqual(fs.readdirSync(dir), ['out.jsonl']);
});
