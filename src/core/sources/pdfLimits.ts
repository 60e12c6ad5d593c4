import * as zlib from 'node:zlib';
import { InputFileError } from '../errors';

/**
 * What reading one PDF may cost. A PDF is a program for drawing pages: a few KB can name a
 * million pages (a page tree that repeats one page), a megabyte can inflate to a gigabyte.
 * Each budget is checked before the work it bounds; time and memory are enforced by running the
 * parse in a worker thread that is terminated when it exceeds them (pdfWorkerClient.ts).
 */
export interface PdfLimits {
  /** Pages, as the page tree's /Count says, checked before any page is read. */
  maxPages: number;
  /** Characters of text over all pages, checked page by page. */
  maxTextChars: number;
  /** Decoded bytes of any one Flate-compressed stream, checked before pdf.js sees the file. */
  maxStreamBytes: number;
  /** Wall time for the whole parse. */
  timeMs: number;
  /** JavaScript heap of the worker that parses. */
  memoryMb: number;
}

export const DEFAULT_PDF_LIMITS: Readonly<PdfLimits> = Object.freeze({
  maxPages: 3000,
  maxTextChars: 20_000_000,
  maxStreamBytes: 128 * 1024 * 1024,
  timeMs: 120_000,
  memoryMb: 1536,
});

/** zlib's two header bytes: deflate method, window ≤ 32 KB, check bits. */
function isZlibHeader(b0: number, b1: number): boolean {
  return (b0 & 0x0f) === 8 && b0 >> 4 <= 7 && ((b0 << 8) | b1) % 31 === 0;
}

/**
 * Inflates every zlib stream in the file with a cap on its output, without keeping it: a
 * compressed-stream bomb is refused in a fraction of a second instead of being decoded and lexed
 * for half a minute. Streams that are not zlib (JPEG, raw bytes) are skipped.
 */
export function checkCompressedStreams(bytes: Uint8Array, name: string, maxStreamBytes: number): void {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const keyword = Buffer.from('stream', 'latin1');
  for (let at = buf.indexOf(keyword); at !== -1; at = buf.indexOf(keyword, at + keyword.length)) {
    // `endstream` contains `stream`; the data starts after the EOL that follows the keyword.
    if (at >= 3 && buf.toString('latin1', at - 3, at) === 'end') continue;
    let start = at + keyword.length;
    if (buf[start] === 0x0d) start++;
    if (buf[start] !== 0x0a && buf[start - 1] !== 0x0d) continue;
    if (buf[start] === 0x0a) start++;
    if (start + 2 > buf.length || !isZlibHeader(buf[start], buf[start + 1])) continue;
    const end = buf.indexOf('endstream', start, 'latin1');
    const data = buf.subarray(start, end === -1 ? buf.length : end);
    try {
      zlib.inflateSync(data, { maxOutputLength: maxStreamBytes, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new InputFileError(
          name,
          `has a compressed stream (at byte ${start}) that inflates to more than ${Math.round(maxStreamBytes / 1024 / 1024)} MB: a compression bomb, or a damaged file; it was not read.`,
          'Use another copy of the paper (from the publisher or arXiv), or print it to a new PDF.',
        );
      }
      // A damaged stream is pdf.js's to judge: it reports or skips it.
    }
  }
}
