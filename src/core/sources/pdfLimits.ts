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
 * Deflate expands at most 1032 to 1 (a 258-byte match coded in two bits) plus a little for the
 * first bytes: a stream that short cannot pass the cap, so it is not inflated. Inflating every
 * stream of a paper (fonts, content, images) was a seventh of reading it, only to learn that.
 */
const DEFLATE_MAX_RATIO = 1032;
const DEFLATE_SLACK_BYTES = 1024;

/** Whether `compressedBytes` of deflate data could inflate to more than `maxStreamBytes`. */
export function couldInflatePast(compressedBytes: number, maxStreamBytes: number): boolean {
  return compressedBytes * DEFLATE_MAX_RATIO + DEFLATE_SLACK_BYTES > maxStreamBytes;
}

/** A zlib stream long enough that deflate could take it past the cap. */
export interface LongStream {
  /** Where its data starts in the file. */
  start: number;
  data: Buffer;
}

/**
 * Inflates `streams` (from longZlibStreams) with the cap on their output, without keeping it: a
 * compressed-stream bomb is refused in a fraction of a second instead of being decoded and lexed
 * for half a minute. On libuv's thread pool, two at once, counting what comes out and dropping
 * it; throws naming the first found past the cap. (Inflated here in one piece and copied
 * together, a paper's large figures were a sixth of reading it.)
 */
export async function checkStreams(streams: LongStream[], name: string, maxStreamBytes: number): Promise<void> {
  const running = new Set<zlib.Inflate>();
  let next = 0;
  let bombAt: number | undefined;
  const drain = async () => {
    while (next < streams.length && bombAt === undefined) {
      const { start, data } = streams[next++];
      if (await inflatesPast(data, maxStreamBytes, running)) bombAt ??= start;
    }
  };
  try {
    await Promise.all([drain(), drain()]);
  } finally {
    for (const inflate of running) inflate.destroy();
  }
  if (bombAt !== undefined) {
    throw new InputFileError(
      name,
      `has a compressed stream (at byte ${bombAt}) that inflates to more than ${Math.round(maxStreamBytes / 1024 / 1024)} MB: a compression bomb, or a damaged file; it was not read.`,
      'Use another copy of the paper (from the publisher or arXiv), or print it to a new PDF.',
    );
  }
}

/** The zlib streams of a PDF that deflate could take past `maxStreamBytes`. */
export function longZlibStreams(bytes: Uint8Array, maxStreamBytes: number): LongStream[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const keyword = Buffer.from('stream', 'latin1');
  const found: LongStream[] = [];
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
    if (couldInflatePast(data.length, maxStreamBytes)) found.push({ start, data });
  }
  return found;
}

/**
 * Whether `data` inflates to more than `max` bytes, counting the output in chunks and dropping
 * them. A damaged stream is pdf.js's to judge (it reports or skips it): here it is no bomb.
 */
function inflatesPast(data: Buffer, max: number, running: Set<zlib.Inflate>): Promise<boolean> {
  return new Promise((resolve) => {
    const inflate = zlib.createInflate({ finishFlush: zlib.constants.Z_SYNC_FLUSH, chunkSize: 8 * 1024 * 1024 });
    running.add(inflate);
    let out = 0;
    const settle = (past: boolean) => {
      running.delete(inflate);
      resolve(past);
    };
    inflate.on('data', (chunk: Buffer) => {
      out += chunk.length;
      if (out > max) {
        inflate.destroy();
        settle(true);
      }
    });
    inflate.on('error', () => settle(false));
    inflate.on('end', () => settle(out > max));
    inflate.on('close', () => settle(out > max));
    inflate.end(data);
  });
}
