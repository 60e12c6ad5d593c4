// Hostile PDFs, generated: small files that cost a naive reader unbounded pages, memory or CPU.
import * as zlib from 'node:zlib';

/** Assembles objects (1-based; objects[0] unused) into a PDF with a valid xref table. */
function assemble(objects: (string | Buffer)[], root = 1): Uint8Array {
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xE2\xE3\xCF\xD3\n', 'latin1')];
  let size = parts[0].length;
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = size;
    const body = typeof objects[id] === 'string' ? Buffer.from(objects[id] as string, 'latin1') : (objects[id] as Buffer);
    const chunk = Buffer.concat([Buffer.from(`${id} 0 obj\n`, 'latin1'), body, Buffer.from('\nendobj\n', 'latin1')]);
    parts.push(chunk);
    size += chunk.length;
  }
  let xref = `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id++) xref += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`;
  xref += `trailer\n<< /Size ${objects.length} /Root ${root} 0 R >>\nstartxref\n${size}\n%%EOF\n`;
  parts.push(Buffer.from(xref, 'latin1'));
  return new Uint8Array(Buffer.concat(parts));
}

const FONT = '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>';

function stream(body: Buffer, dict = ''): Buffer {
  return Buffer.concat([Buffer.from(`<< /Length ${body.length}${dict} >>\nstream\n`, 'latin1'), body, Buffer.from('\nendstream', 'latin1')]);
}

/**
 * A page tree that repeats one page: `depth` levels of Pages nodes, each with `fanout` kids that
 * are all the same node, so 10^6 pages take a few objects (the file is a few KB).
 */
export function pageTreeBomb(fanout = 10, depth = 6): Uint8Array {
  // 1 catalog, 2 font, 3 content, 4 the page, 5.. the Pages levels (5 is the root).
  const objects: string[] = [];
  objects[1] = '<< /Type /Catalog /Pages 5 0 R >>';
  objects[2] = FONT;
  const text = 'BT /F1 12 Tf 72 700 Td (The same page again and again.) Tj ET';
  objects[3] = `<< /Length ${text.length} >>\nstream\n${text}\nendstream`;
  const levels = depth;
  const first = 5;
  objects[4] = `<< /Type /Page /Parent ${first + levels - 1} 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 2 0 R >> >> /Contents 3 0 R >>`;
  for (let l = 0; l < levels; l++) {
    const id = first + l;
    const child = l === levels - 1 ? 4 : id + 1;
    const count = fanout ** (levels - l);
    const kids = Array.from({ length: fanout }, () => `${child} 0 R`).join(' ');
    objects[id] = `<< /Type /Pages${l ? ` /Parent ${id - 1} 0 R` : ''} /Kids [${kids}] /Count ${count} >>`;
  }
  // Pad to the size of the bomb in the report: the budget must not depend on the file being tiny.
  objects[first + levels] = `<< /Padding (${'x'.repeat(12_000)}) >>`;
  return assemble(objects);
}

/** A real many-page PDF: `pages` distinct page objects, each with a line of text. */
export function manyPagePdf(pages: number): Uint8Array {
  const objects: string[] = [];
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[3] = FONT;
  const kids: string[] = [];
  for (let i = 0; i < pages; i++) {
    const pageId = 4 + i * 2;
    const text = `BT /F1 12 Tf 72 700 Td (Page ${i + 1} of a very long document.) Tj ET`;
    objects[pageId] = `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${pageId + 1} 0 R >>`;
    objects[pageId + 1] = `<< /Length ${text.length} >>\nstream\n${text}\nendstream`;
    kids.push(`${pageId} 0 R`);
  }
  objects[2] = `<< /Type /Pages /Kids [${kids.join(' ')}] /Count ${pages} >>`;
  return assemble(objects);
}

/**
 * A one-page PDF whose content stream is `decodedMB` megabytes of spaces after one line of text,
 * deflated (about 1,000 to 1): under a megabyte on disk, a gigabyte to decode and lex.
 * `disguise`: the content stream's dictionary also says `/Subtype /Image`, which pdf.js ignores
 * when it reads a page's contents.
 */
export function deflateBomb(decodedMB = 900, opts: { disguise?: boolean } = {}): Uint8Array {
  const head = Buffer.from('BT /F1 12 Tf 72 700 Td (Inflated.) Tj ET\n', 'latin1');
  const block = Buffer.alloc(1 << 20, 0x20);
  // A full flush ends each piece on a byte boundary with a reset dictionary, so the compressed
  // block can be repeated as is: the test never holds the decoded gigabyte.
  const flush = { level: 9, finishFlush: zlib.constants.Z_FULL_FLUSH };
  const pieces = [Buffer.from([0x78, 0xda]), zlib.deflateRawSync(head, flush)];
  const blockZ = zlib.deflateRawSync(block, flush);
  for (let i = 0; i < decodedMB; i++) pieces.push(blockZ);
  pieces.push(zlib.deflateRawSync(Buffer.alloc(0)));
  let adler = adler32(head, 1);
  for (let i = 0; i < decodedMB; i++) adler = adler32Repeat(block, adler);
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(adler >>> 0);
  pieces.push(trailer);
  const body = Buffer.concat(pieces);
  const objects: (string | Buffer)[] = [];
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = '<< /Type /Pages /Kids [4 0 R] /Count 1 >>';
  objects[3] = FONT;
  objects[4] = '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>';
  objects[5] = stream(body, `${opts.disguise ? ' /Type /XObject /Subtype /Image /Width 1 /Height 1 /BitsPerComponent 8 /ColorSpace /DeviceGray' : ''} /Filter /FlateDecode`);
  return assemble(objects);
}

function adler32(buf: Buffer, start: number): number {
  let a = start & 0xffff;
  let b = (start >>> 16) & 0xffff;
  for (let i = 0; i < buf.length; i++) {
    a = (a + buf[i]) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** adler32 over `buf` appended to a running value, in closed form (the block is hashed once). */
const blockSums = new WeakMap<Buffer, { s: number; w: number }>();
function adler32Repeat(buf: Buffer, start: number): number {
  let sums = blockSums.get(buf);
  if (!sums) {
    let s = 0;
    let w = 0;
    for (let i = 0; i < buf.length; i++) {
      s = (s + buf[i]) % 65521;
      w = (w + (buf.length - i) * buf[i]) % 65521;
    }
    sums = { s, w };
    blockSums.set(buf, sums);
  }
  const a = start & 0xffff;
  const b = (start >>> 16) & 0xffff;
  const a2 = (a + sums.s) % 65521;
  const b2 = (b + ((buf.length % 65521) * a) % 65521 + sums.w) % 65521;
  return ((b2 << 16) | a2) >>> 0;
}
