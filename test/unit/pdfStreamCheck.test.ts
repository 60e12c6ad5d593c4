// The compressed-stream check skips streams too short to pass the cap (deflate expands at most
// 1032:1). The most compressible data there is — zeros at level 9, about 1030:1 — must still be
// caught just past the cap: if the ratio assumed were too small, these would slip through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { checkStreams, couldInflatePast, longZlibStreams } from '../../src/core/sources/pdfLimits';

const checkCompressedStreams = (bytes: Uint8Array, name: string, max: number) => checkStreams(longZlibStreams(bytes, max), name, max);

const streamOf = (data: Buffer) => new Uint8Array(Buffer.concat([Buffer.from('1 0 obj\n<< /Filter /FlateDecode >>\nstream\n', 'latin1'), data, Buffer.from('\nendstream\nendobj\n', 'latin1')]));

for (const mb of [1, 8, 32]) {
  test(`zeros deflated at level 9 (${mb} MB decoded) are refused by a cap one byte short, and pass a cap of their size`, async () => {
    const decoded = mb * 1024 * 1024;
    const deflated = zlib.deflateSync(Buffer.alloc(decoded), { level: 9 });
    // The stream is near the worst case: within a few per cent of deflate's 1032:1.
    assert.ok(decoded / deflated.length > 1000, `ratio ${decoded / deflated.length}`);
    await assert.rejects(checkCompressedStreams(streamOf(deflated), 'zeros.pdf', decoded - 1), /zeros\.pdf: has a compressed stream \(at byte \d+\) that inflates to more than/);
    await checkCompressedStreams(streamOf(deflated), 'zeros.pdf', decoded);
  });
}

test('a stream is inflated only when deflate could take it past the cap', () => {
  assert.equal(couldInflatePast(100 * 1024, 128 * 1024 * 1024), false);
  assert.equal(couldInflatePast(131 * 1024, 128 * 1024 * 1024), true);
});

test('of many streams the bomb among them is found, and a damaged stream is no bomb', async () => {
  const fine = zlib.deflateSync(Buffer.alloc(64 * 1024, 0x41));
  const damaged = Buffer.concat([zlib.deflateSync(Buffer.alloc(4 * 1024 * 1024)).subarray(0, 300), Buffer.alloc(3000, 0xff)]);
  const bomb = zlib.deflateSync(Buffer.alloc(16 * 1024 * 1024), { level: 9 });
  const file = (parts: Buffer[]) => new Uint8Array(Buffer.concat(parts.map((p) => Buffer.from(streamOf(p)))));
  await checkCompressedStreams(file([fine, damaged, fine, fine]), 'ok.pdf', 1024 * 1024);
  await assert.rejects(checkCompressedStreams(file([fine, damaged, fine, bomb, fine]), 'bomb.pdf', 8 * 1024 * 1024), /bomb\.pdf: has a compressed stream \(at byte \d+\) that inflates to more than 8 MB/);
});
