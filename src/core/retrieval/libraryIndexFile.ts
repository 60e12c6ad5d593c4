/**
 * The library index on disk: one file per library folder, next to the parse cache, holding the
 * manifest (path, size, modification time → paper), the postings, and every passage's location
 * and text. A new process reads the small parts and the postings into typed arrays (no parsing,
 * no hashing) and leaves passage text in the file, reading a passage only when it is shown.
 *
 * Layout (little-endian), every section padded to 8 bytes so typed arrays can view it in place:
 *
 *   0   "ALIGNLIX"            magic (8 bytes)
 *   8   u32 version           FORMAT_VERSION; any other is rebuilt
 *   12  u32 section count     SECTIONS.length
 *   16  (u32 offset, u32 length) × section count
 *   …   u32 CRC-32 of every section before the text, u32 reserved
 *   …   sections, in SECTIONS order
 *   end "ALIGNEND"            a file cut short (a crash during a copy) is detected
 *
 * Written atomically (temporary file, fsync, rename, directory fsync): a crash mid-update leaves
 * the previous index whole. Anything unexpected on reading is an IndexFileError; the library
 * logs it and rebuilds.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { PassageLocation, SourceRef } from '../sources/sourceTypes';
import type { PostingsTable } from './lexicalIndex';
import { locationsOf, type PassageTexts, type StoredSource } from './retriever';
import { AlignError } from '../errors';
import { sha256Hex } from '../sources/hash';

const MAGIC = 'ALIGNLIX';
const END = 'ALIGNEND';
/** Bumped whenever the layout or the analyser's terms change: an index of another version is rebuilt. */
export const FORMAT_VERSION = 1;
const SECTIONS = ['meta', 'lengths', 'terms', 'termOffsets', 'docs', 'tfs', 'locations', 'locationOffsets', 'textOffsets', 'text'] as const;
type Section = (typeof SECTIONS)[number];
const CRC_AT = 16 + SECTIONS.length * 8;
const HEADER = CRC_AT + 8;
/** Offsets are 32-bit: a library index past this is not written (about 50,000 papers). */
const MAX_FILE = 0xffff_fff0;

/** A file of the library as last seen: a paper (by content hash) or a problem. */
export interface ManifestEntry {
  path: string;
  size: number;
  mtimeMs: number;
  contentHash?: string;
  problem?: string;
  /** The reference manager's metadata the paper was indexed with (JSON), for a BibTeX library. */
  meta?: string;
}

/** What one index file holds. */
export interface LibraryIndexData {
  folder: string;
  manifest: ManifestEntry[];
  table: PostingsTable;
  sources: StoredSource[];
}

/** An index file that cannot be used (another version, cut short, damaged). */
export class IndexFileError extends AlignError {
  override readonly name = 'IndexFileError';
  constructor(
    readonly file: string,
    reason: string,
    code: 'library-index-version' | 'library-index-corrupt' = 'library-index-corrupt',
  ) {
    super(`${file}: ${reason}`, code, 'It is rebuilt from the papers.');
  }
}

/** The index file of a library folder, in the cache folder (beside `sources/`, the parse cache). */
export function libraryIndexFile(cacheDir: string, folder: string): string {
  return path.join(cacheDir, 'library', `${sha256Hex(path.resolve(folder)).slice(0, 32)}.lix`);
}

interface Meta {
  folder: string;
  docCount: number;
  termCount: number;
  postingCount: number;
  sources: { ref: SourceRef; count: number; ids?: string[] }[];
  manifest: ManifestEntry[];
}

const pad8 = (n: number) => (n + 7) & ~7;
const CRC_SLICE = 4 * 1024 * 1024;

/**
 * Writes the index atomically; parts are written one after the other, never joined in memory.
 * The writes and fsyncs go through libuv's thread pool: on a busy disk an fsync can take seconds,
 * which must not stop the extension host's event loop.
 */
export async function writeLibraryIndex(file: string, data: LibraryIndexData): Promise<void> {
  const { table, sources } = data;
  const meta: Meta = {
    folder: data.folder,
    docCount: table.lengths.length,
    termCount: table.terms.length,
    postingCount: table.docs.length,
    sources: sources.map((s) => ({ ref: s.ref, count: s.count, ...(s.ids ? { ids: s.ids } : {}) })),
    manifest: data.manifest,
  };
  // Locations read from an index file go back as they came, not parsed and written again.
  const locationParts = sources.map((s) => s.locationJson ?? Buffer.from(JSON.stringify(locationsOf(s)), 'utf8'));
  const locationOffsets = new Uint32Array(sources.length + 1);
  locationParts.forEach((p, i) => (locationOffsets[i + 1] = locationOffsets[i] + p.length));
  const textOffsets = new Uint32Array(table.lengths.length + 1);
  const textParts: Uint8Array[] = [];
  let doc = 0;
  for (const s of sources) {
    const { bytes, ends } = await s.texts.whole();
    const base = textOffsets[doc];
    for (let i = 0; i < s.count; i++) textOffsets[doc + 1 + i] = base + ends[i];
    textParts.push(bytes);
    doc += s.count;
  }
  const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const content: Record<Section, Uint8Array[]> = {
    meta: [Buffer.from(JSON.stringify(meta), 'utf8')],
    lengths: [bytesOf(table.lengths)],
    terms: [Buffer.from(table.terms.join('\n'), 'latin1')],
    termOffsets: [bytesOf(table.offsets)],
    docs: [bytesOf(table.docs)],
    tfs: [table.tfs],
    locations: locationParts,
    locationOffsets: [bytesOf(locationOffsets)],
    textOffsets: [bytesOf(textOffsets)],
    text: textParts,
  };
  const header = Buffer.alloc(HEADER);
  header.write(MAGIC, 0, 'latin1');
  header.writeUInt32LE(FORMAT_VERSION, 8);
  header.writeUInt32LE(SECTIONS.length, 12);
  let at = HEADER;
  SECTIONS.forEach((name, i) => {
    const length = content[name].reduce((n, p) => n + p.length, 0);
    at = pad8(at);
    header.writeUInt32LE(at, 16 + i * 8);
    header.writeUInt32LE(length, 20 + i * 8);
    at += length;
  });
  if (at + 8 > MAX_FILE) throw new IndexFileError(file, `would be ${Math.round(at / 1e9)} GB, past the 4 GB the layout addresses.`);
  // The body as pieces (padding included), and the checksum of all but the text: a flipped bit
  // in the postings would otherwise change answers silently.
  const pieces: Uint8Array[] = [];
  let crc = 0;
  let pos = HEADER;
  // Checksummed a few megabytes at a time, letting the event loop turn in between: at 5,000
  // papers the postings are a hundred megabytes.
  const checksum = async (bytes: Uint8Array) => {
    for (let at = 0; at < bytes.length; at += CRC_SLICE) {
      crc = crc32(bytes.subarray(at, at + CRC_SLICE), crc);
      if (bytes.length > CRC_SLICE) await new Promise((r) => setImmediate(r));
    }
  };
  for (const name of SECTIONS) {
    const padding = pad8(pos) - pos;
    if (padding) {
      pieces.push(new Uint8Array(padding));
      await checksum(new Uint8Array(padding));
    }
    pos += padding;
    for (const p of content[name]) {
      pieces.push(p);
      pos += p.length;
      if (name !== 'text') await checksum(p);
    }
  }
  header.writeUInt32LE(crc >>> 0, CRC_AT);
  await writeAtomically(file, [header, ...pieces, Buffer.from(END, 'latin1')]);
}

/**
 * The temporary-file, fsync, rename and directory-fsync steps of writeFileAtomic (jsonlFile.ts),
 * for content written in parts, asynchronously. A short write is continued; one that makes no
 * progress is a full disk.
 */
async function writeAtomically(file: string, parts: Uint8Array[]): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  // 'wx': a link planted at the temporary name is never followed.
  const handle = await fsp.open(tmp, 'wx');
  try {
    let pos = 0;
    for (const bytes of parts) {
      let done = 0;
      while (done < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, pos + done);
        if (bytesWritten <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write made no progress'), { code: 'ENOSPC' });
        done += bytesWritten;
      }
      pos += bytes.length;
    }
    await handle.sync();
    await handle.close();
  } catch (e) {
    await handle.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true });
    throw e;
  }
  try {
    await fsp.rename(tmp, file);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
  try {
    const dir = await fsp.open(path.dirname(file), 'r');
    await dir.sync().finally(() => dir.close());
  } catch {
    // Some file systems cannot fsync a directory; the rename itself is still atomic.
  }
}

/** Passage texts left in the index file, read when a passage is shown. The file descriptor stays
 * open: a later rewrite renames a new file over the name, and this one keeps reading the old. */
class FileTexts implements PassageTexts {
  constructor(
    private readonly fd: number,
    private readonly base: number,
    private readonly offsets: Uint32Array,
    private readonly first: number,
    private readonly count: number,
  ) {}

  bytes(i: number): Uint8Array {
    const start = this.offsets[this.first + i];
    const end = this.offsets[this.first + i + 1];
    const buf = Buffer.allocUnsafe(end - start);
    let done = 0;
    while (done < buf.length) {
      const n = fs.readSync(this.fd, buf, done, buf.length - done, this.base + start + done);
      if (n <= 0) throw new Error('The library index file ended early while reading a passage.');
      done += n;
    }
    return buf;
  }

  get(i: number): string {
    return Buffer.from(this.bytes(i)).toString('utf8');
  }

  async whole(): Promise<{ bytes: Uint8Array; ends: Uint32Array }> {
    const start = this.offsets[this.first];
    const count = this.offsets.length - 1 - this.first;
    const mine = this.offsets.subarray(this.first + 1, this.first + 1 + Math.min(count, this.count));
    const end = mine.length ? mine[mine.length - 1] : start;
    const bytes = Buffer.allocUnsafe(end - start);
    // One read on libuv's thread pool (a short read is continued).
    for (let done = 0; done < bytes.length; ) {
      const { bytesRead } = await new Promise<{ bytesRead: number }>((resolve, reject) =>
        fs.read(this.fd, bytes, done, bytes.length - done, this.base + start + done, (e, n) => (e ? reject(e) : resolve({ bytesRead: n }))),
      );
      if (bytesRead <= 0) throw new Error('The library index file ended early while reading passages.');
      done += bytesRead;
    }
    return { bytes, ends: mine.map((e) => e - start) };
  }
}

function readExactly(fd: number, length: number, position: number): Buffer {
  // A fresh ArrayBuffer (not Node's pool) starts 8-aligned, so typed arrays can view its sections.
  const buf = Buffer.from(new ArrayBuffer(length));
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, length - done, position + done);
    if (n <= 0) break;
    done += n;
  }
  if (done < length) throw new Error('short read');
  return buf;
}

/** Where each section lies in the file. */
export type IndexSections = Record<Section, { offset: number; length: number }>;

/**
 * An index file's bytes before the passage text, checked: what the library's worker reads so that
 * the thread that asked only builds views on them (indexFromHead). `head` is transferable.
 */
export interface IndexHead {
  head: ArrayBuffer;
  sections: IndexSections;
}

/** Opens an index file for reading; undefined when there is none. */
export function openIndexFile(file: string): number | undefined {
  try {
    return fs.openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new IndexFileError(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}).`);
  }
}

/**
 * Reads an index file, checking its shape: the magic, the version, section bounds, and that every
 * offset, document number and count agrees with the others. Throws IndexFileError when anything
 * does not; undefined when there is no file.
 */
export function readLibraryIndex(file: string): LibraryIndexData | undefined {
  const fd = openIndexFile(file);
  if (fd === undefined) return undefined;
  let keepOpen = false;
  try {
    const checked = readCheckedHead(fd, file);
    // The views the check made are used as they are: in one thread, nothing is parsed twice.
    const data = withIndexErrors(file, () => indexFromViews(fd, checked.head, checked.sections, checked.views));
    keepOpen = true;
    return data;
  } finally {
    if (!keepOpen) fs.closeSync(fd);
  }
}

/**
 * The slow half of reading an index, for a worker: reads everything before the passage text and
 * checks it all (checksum, section table, every offset and document number). Throws IndexFileError.
 */
export function readIndexHead(fd: number, file: string): IndexHead {
  const { head, sections } = readCheckedHead(fd, file);
  return { head: head.buffer as ArrayBuffer, sections };
}

function readCheckedHead(fd: number, file: string): { head: Buffer; sections: IndexSections; views: HeadViews } {
  return withIndexErrors(file, () => {
    const size = fs.fstatSync(fd).size;
    const bad = (why: string): never => {
      throw new IndexFileError(file, why);
    };
    if (size < HEADER + 8) bad(`is too short to be a library index (${size} bytes).`);
    const header = readExactly(fd, HEADER, 0);
    if (header.toString('latin1', 0, 8) !== MAGIC) bad('is not a library index (no ALIGNLIX header).');
    const version = header.readUInt32LE(8);
    if (version !== FORMAT_VERSION) throw new IndexFileError(file, `is a library index of format ${version}; this version reads format ${FORMAT_VERSION}.`, 'library-index-version');
    if (header.readUInt32LE(12) !== SECTIONS.length) bad('has an unexpected number of sections.');
    if (readExactly(fd, 8, size - 8).toString('latin1') !== END) bad('is cut short (no end marker): it was being written when the process stopped.');
    const sections = {} as IndexSections;
    let prevEnd = HEADER;
    SECTIONS.forEach((name, i) => {
      const offset = header.readUInt32LE(16 + i * 8);
      const length = header.readUInt32LE(20 + i * 8);
      if (offset < prevEnd || offset % 8 || offset + length > size - 8) bad(`has a damaged section table (${name}).`);
      prevEnd = offset + length;
      sections[name] = { offset, length };
    });
    // Everything but the passage text, in one read, checked against its checksum.
    const head = readExactly(fd, sections.text.offset, 0);
    if (crc32(head.subarray(HEADER)) >>> 0 !== header.readUInt32LE(CRC_AT)) bad('is damaged (its checksum does not match).');
    const views = viewHead(file, head, sections);
    const { table, textOffsets, locationOffsets, meta } = views;
    const { docCount, postingCount } = meta;
    const monotone = (a: Uint32Array, last: number) => {
      if (a[0] !== 0 || a[a.length - 1] !== last) return false;
      for (let i = 1; i < a.length; i++) if (a[i] < a[i - 1]) return false;
      return true;
    };
    if (!monotone(table.offsets, postingCount)) bad('has damaged postings offsets.');
    if (!monotone(textOffsets, sections.text.length)) bad('has damaged passage offsets.');
    if (!monotone(locationOffsets, sections.locations.length)) bad('has damaged location offsets.');
    const docs = table.docs;
    for (let i = 0; i < postingCount; i++) if (docs[i] < 0 || docs[i] >= docCount) bad('has a posting for a passage that does not exist.');
    let firstDoc = 0;
    meta.sources.forEach((s, i) => {
      if (typeof s?.ref?.contentHash !== 'string' || typeof s.ref.title !== 'string' || !Number.isInteger(s.count) || s.count < 0 || (s.ids !== undefined && (!Array.isArray(s.ids) || s.ids.length !== s.count))) bad(`has damaged metadata for paper ${i + 1}.`);
      firstDoc += s.count;
    });
    if (firstDoc !== docCount) bad('has papers whose passages do not add up to the postings.');
    return { head, sections, views };
  });
}

/**
 * The quick half: the index over a head readIndexHead checked (in this thread or a worker's),
 * typed arrays viewing its bytes, passage texts left in the file (read through `fd`, kept open).
 */
export function indexFromHead(fd: number, file: string, checked: IndexHead): LibraryIndexData {
  return withIndexErrors(file, () => {
    const head = Buffer.from(checked.head);
    return indexFromViews(fd, head, checked.sections, viewHead(file, head, checked.sections));
  });
}

function indexFromViews(fd: number, head: Buffer, sections: IndexSections, views: HeadViews): LibraryIndexData {
  const { table, textOffsets, locationOffsets, meta } = views;
  const locations = head.subarray(sections.locations.offset, sections.locations.offset + sections.locations.length);
  const sources: StoredSource[] = [];
  let firstDoc = 0;
  meta.sources.forEach((s, i) => {
    const json = locations.subarray(locationOffsets[i], locationOffsets[i + 1]);
    const count = s.count;
    sources.push({
      ref: s.ref,
      firstDoc,
      count,
      ...(s.ids ? { ids: s.ids } : {}),
      // Parsed when one of its passages is shown: most papers never are in a session.
      locations: () => {
        try {
          const l = JSON.parse(Buffer.from(json).toString('utf8')) as unknown;
          if (Array.isArray(l) && l.length === count) return l as PassageLocation[];
        } catch {
          // Fall through: a passage without a location is still a passage.
        }
        return Array.from({ length: count }, () => ({}));
      },
      locationJson: json,
      texts: new FileTexts(fd, sections.text.offset, textOffsets, firstDoc, count),
    });
    firstDoc += count;
  });
  return { folder: String(meta.folder), manifest: meta.manifest, table, sources };
}

type HeadViews = ReturnType<typeof viewHead>;

/** The head's sections as typed arrays and parsed metadata, with the checks that cost nothing. */
function viewHead(file: string, head: Buffer, sections: IndexSections) {
  const bad = (why: string): never => {
    throw new IndexFileError(file, why);
  };
  const view = (name: Section) => head.subarray(sections[name].offset, sections[name].offset + sections[name].length);
  const typed = <T>(name: Section, Ctor: { new (b: ArrayBuffer, o: number, n: number): T; BYTES_PER_ELEMENT: number }, count: number): T => {
    const s = sections[name];
    if (s.length !== count * Ctor.BYTES_PER_ELEMENT) bad(`has a ${name} section of the wrong size.`);
    return new Ctor(head.buffer as ArrayBuffer, head.byteOffset + s.offset, count);
  };
  let meta: Meta;
  try {
    meta = JSON.parse(view('meta').toString('utf8')) as Meta;
  } catch {
    return bad('has damaged metadata.');
  }
  if (typeof meta !== 'object' || meta === null || !Array.isArray(meta.sources) || !Array.isArray(meta.manifest) || ![meta.docCount, meta.termCount, meta.postingCount].every((n) => Number.isInteger(n) && n >= 0)) bad('has damaged metadata.');
  const { docCount, termCount, postingCount } = meta;
  const lengths = typed('lengths', Uint32Array, docCount);
  const offsets = typed('termOffsets', Uint32Array, termCount + 1);
  const docs = typed('docs', Int32Array, postingCount);
  const tfs = typed('tfs', Uint8Array, postingCount);
  const locationOffsets = typed('locationOffsets', Uint32Array, meta.sources.length + 1);
  const textOffsets = typed('textOffsets', Uint32Array, docCount + 1);
  const terms = termCount ? view('terms').toString('latin1').split('\n') : [];
  if (terms.length !== termCount) bad('has a damaged term list.');
  const table: PostingsTable = { terms, offsets, docs, tfs, lengths };
  return { table, textOffsets, locationOffsets, meta };
}

/** Any failure reading an index is an IndexFileError naming the file. */
function withIndexErrors<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof IndexFileError) throw e;
    throw new IndexFileError(file, `cannot be read (${e instanceof Error ? e.message : String(e)}).`);
  }
}
