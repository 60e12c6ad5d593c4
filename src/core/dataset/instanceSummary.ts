import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CorruptLine, TaskInstance } from './instanceTypes';
import { JsonlScanner, type AppendedLine } from './jsonlFile';
import { validateInstance } from './instanceValidation';
import { renderExample } from '../prompts/fewShot';
import { estimateTokens } from '../retrieval/tokenCount';
import { AlignError } from '../errors';
import { isPassagesOnlyAnswer } from '../assistant/fallbackAnswer';

/**
 * A small per-task summary of `instances.jsonl`, kept beside it as `.instances.summary`: for each
 * readable instance, where its line is (byte offset and length), its rating, recorded split,
 * creation time, whether it can be a worked example and what that example costs in tokens; plus
 * the unreadable lines. Counts, the dataset view and worked-example selection read it instead of
 * parsing the whole file.
 *
 * It is a cache, never a source of truth. Every record carries the stamp of the instances file it
 * describes (size, modification time in nanoseconds and a hash of its last bytes); the summary is
 * used only while the file still has that stamp, and is rebuilt from the file when it is stale,
 * missing, damaged or of another layout version (another process, an older version, a hand edit,
 * a crash between the instance write and the summary write). Nothing is ever read from it that
 * the instances file does not say: an instance is always read back from its own line.
 *
 * Layout (little-endian): the 8-byte magic (which carries the layout version), a u32 header
 * length, the header as JSON, then fixed 48-byte records (see RECORD below) appended one per save.
 */
const MAGIC = Buffer.from('ALSUMM01', 'latin1');
const RECORD = 48;
// Record fields: where the line is, what ranking needs, the stamp of the file after it was written.
const R_OFFSET = 0; // f64
const R_LENGTH = 8; // u32
const R_FLAGS = 12; // u8: rating (bits 0-1), recorded split (bits 2-3), eligible example (bit 4)
const R_CREATED = 16; // f64, Date.parse(createdAt)
const R_TOKENS = 24; // u32, the worked example's estimated tokens
const R_TAIL = 28; // u32, stamp: hash of the file's last bytes
const R_SIZE = 32; // f64, stamp: file size
const R_MTIME = 40; // u64, stamp: modification time in ns

const TAIL_BYTES = 256;
/** Unreadable lines kept in the header for the report; more are counted, and listed by a full read. */
const MAX_CORRUPT_LISTED = 200;

/** What identifies one state of the instances file. */
export interface FileStamp {
  size: number;
  mtimeNs: bigint;
  tail: number;
}

interface Header {
  /** The stamp when the summary was (re)written, which holds while no record follows it. */
  size: number;
  mtimeNs: string;
  tail: number;
  corrupt: Omit<CorruptLine, 'file'>[];
  corruptCount: number;
}

/** One instance as the summary knows it. */
export interface SummaryEntry {
  offset: number;
  length: number;
  rating?: 'good' | 'bad';
  split?: 'train' | 'test';
  /** Has a non-empty output that is an answer (not the passage list given when no model was set). */
  eligible: boolean;
  createdMs: number;
  tokens: number;
}

/** A summary read into memory: the header and the records, as bytes; records can be appended. */
export class InstanceSummary {
  private buf: Buffer;
  private used: number;
  /** Worked-example candidates, best first, kept up to date as records are appended. */
  private ranked?: { good: number[]; other: number[] };

  constructor(
    readonly header: Header,
    records: Buffer,
  ) {
    // Kept as given (no copy); append copies into a larger buffer when it outgrows it.
    this.buf = records;
    this.used = records.length;
  }

  /** The records, RECORD bytes each. */
  get records(): Buffer {
    return this.buf.subarray(0, this.used);
  }

  get count(): number {
    return this.used / RECORD;
  }

  /** Adds records another save appended to the summary file. */
  append(records: Buffer): void {
    if (this.used + records.length > this.buf.length) {
      const grown = Buffer.alloc(Math.max(this.buf.length * 2, this.used + records.length, RECORD * 64));
      this.buf.copy(grown, 0, 0, this.used);
      this.buf = grown;
    }
    const first = this.count;
    records.copy(this.buf, this.used);
    this.used += records.length;
    if (this.ranked) for (let i = first; i < this.count; i++) this.rank(i);
  }

  /** The stamp of the file this summary describes. */
  stamp(): FileStamp {
    if (!this.count) return { size: this.header.size, mtimeNs: BigInt(this.header.mtimeNs), tail: this.header.tail };
    return stampAt(this.buf, this.count - 1);
  }

  entry(i: number): SummaryEntry {
    const at = i * RECORD;
    const r = this.buf;
    const flags = r.readUInt8(at + R_FLAGS);
    const rating = flags & 3;
    const split = (flags >> 2) & 3;
    return {
      offset: r.readDoubleLE(at + R_OFFSET),
      length: r.readUInt32LE(at + R_LENGTH),
      ...(rating ? { rating: rating === 1 ? ('good' as const) : ('bad' as const) } : {}),
      ...(split ? { split: split === 1 ? ('train' as const) : ('test' as const) } : {}),
      eligible: (flags & 16) !== 0,
      createdMs: r.readDoubleLE(at + R_CREATED),
      tokens: r.readUInt32LE(at + R_TOKENS),
    };
  }

  corrupt(file: string): CorruptLine[] {
    return this.header.corrupt.map((c) => ({ file, ...c }));
  }

  /**
   * Indices of the instances that may be worked examples, best first: good ratings, then unrated,
   * newest first within each, file order among equals (as fewShot.ts ranks them); badly rated,
   * empty, passage-list and recorded-test instances never. Sorted once, then kept by insertion.
   */
  rankedExamples(): number[] {
    return [...this.sorted().good, ...this.sorted().other];
  }

  /** The same candidates as rankedExamples, as its two lists (good, then the rest), without copying them. */
  rankedLists(): readonly (readonly number[])[] {
    const { good, other } = this.sorted();
    return [good, other];
  }

  private sorted(): { good: number[]; other: number[] } {
    if (!this.ranked) {
      const good: number[] = [];
      const other: number[] = [];
      for (let i = 0; i < this.count; i++) {
        const list = this.listFor(i);
        if (list) (list === 'good' ? good : other).push(i);
      }
      this.ranked = { good: this.newestFirst(good), other: this.newestFirst(other) };
    }
    return this.ranked;
  }

  private listFor(i: number): 'good' | 'other' | undefined {
    const flags = this.buf[i * RECORD + R_FLAGS];
    if (!(flags & 16) || (flags & 3) === 2 || ((flags >> 2) & 3) === 2) return undefined;
    return (flags & 3) === 1 ? 'good' : 'other';
  }

  /**
   * Indices (in file order) sorted newest first, file order among equals. Saves are usually in
   * time order, so the list is then just reversed; otherwise sorted on the times copied out once.
   */
  private newestFirst(list: number[]): number[] {
    const times = new Float64Array(list.length);
    let increasing = true;
    for (let k = 0; k < list.length; k++) {
      times[k] = this.created(list[k]);
      if (k && !(times[k] > times[k - 1])) increasing = false;
    }
    if (increasing) return list.reverse();
    const order = Array.from(list.keys()).sort((a, b) => times[b] - times[a] || a - b);
    return order.map((k) => list[k]);
  }

  private created(i: number): number {
    const ms = this.buf.readDoubleLE(i * RECORD + R_CREATED);
    return Number.isNaN(ms) ? -Infinity : ms;
  }

  private rank(i: number): void {
    const which = this.listFor(i);
    if (!which) return;
    const list = this.ranked![which];
    // Binary search for the first element that ranks after i (older, or equally old and later in the file).
    let lo = 0;
    let hi = list.length;
    const c = this.created(i);
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = list[mid];
      if (this.created(m) > c || (this.created(m) === c && m < i)) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, i);
  }
}

function stampAt(records: Buffer, i: number): FileStamp {
  const at = i * RECORD;
  return { size: records.readDoubleLE(at + R_SIZE), mtimeNs: records.readBigUInt64LE(at + R_MTIME), tail: records.readUInt32LE(at + R_TAIL) };
}

export function summaryPath(instancesFile: string): string {
  return path.join(path.dirname(instancesFile), '.instances.summary');
}

const NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

/** FNV-1a over bytes: enough to notice that a file's end is not what was stamped. */
function fnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

/** The stamp of an open file as it is now. */
async function stampOfHandle(handle: fs.promises.FileHandle, file: string): Promise<FileStamp> {
  const st = await handle.stat({ bigint: true });
  if (!st.isFile()) throw new AlignError(`${file} is not a regular file.`, 'dataset-not-file', 'Remove it or move it out of the dataset folder.');
  const size = Number(st.size);
  const n = Math.min(TAIL_BYTES, size);
  const tail = Buffer.alloc(n);
  if (n) await handle.read(tail, 0, n, size - n);
  return { size, mtimeNs: st.mtimeNs, tail: fnv1a(tail) };
}

/** The file opened for reading (never through a link at its last part); undefined when it does not exist. */
async function openIfThere(file: string): Promise<fs.promises.FileHandle | undefined> {
  try {
    return await fs.promises.open(file, fs.constants.O_RDONLY | NOFOLLOW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** The stamp of the instances file now; undefined when it does not exist. */
export async function stampOf(file: string): Promise<FileStamp | undefined> {
  const handle = await openIfThere(file);
  if (!handle) return undefined;
  try {
    return await stampOfHandle(handle, file);
  } finally {
    await handle.close();
  }
}

export function sameStamp(a: FileStamp | undefined, b: FileStamp | undefined): boolean {
  return !!a && !!b && a.size === b.size && a.mtimeNs === b.mtimeNs && a.tail === b.tail;
}

/** What the summary records about an instance. */
export function summaryEntryOf(inst: TaskInstance, offset: number, length: number): SummaryEntry {
  const eligible = !!inst.output.trim() && !isPassagesOnlyAnswer(inst.output);
  let tokens = 0;
  if (eligible) {
    const ex = renderExample(inst);
    tokens = estimateTokens(ex.user) + estimateTokens(ex.assistant);
  }
  return { offset, length, ...(inst.rating ? { rating: inst.rating.value } : {}), ...(inst.split ? { split: inst.split } : {}), eligible, createdMs: Date.parse(inst.createdAt), tokens };
}

function writeRecord(out: Buffer, i: number, e: SummaryEntry, stamp: FileStamp): void {
  const at = i * RECORD;
  out.fill(0, at, at + RECORD);
  out.writeDoubleLE(e.offset, at + R_OFFSET);
  out.writeUInt32LE(Math.min(e.length, 0xffffffff), at + R_LENGTH);
  const rating = e.rating === 'good' ? 1 : e.rating === 'bad' ? 2 : 0;
  const split = e.split === 'train' ? 1 : e.split === 'test' ? 2 : 0;
  out.writeUInt8(rating | (split << 2) | (e.eligible ? 16 : 0), at + R_FLAGS);
  out.writeDoubleLE(e.createdMs, at + R_CREATED);
  out.writeUInt32LE(Math.min(e.tokens, 0xffffffff), at + R_TOKENS);
  writeStamp(out, i, stamp);
}

function writeStamp(out: Buffer, i: number, stamp: FileStamp): void {
  const at = i * RECORD;
  out.writeUInt32LE(stamp.tail, at + R_TAIL);
  out.writeDoubleLE(stamp.size, at + R_SIZE);
  out.writeBigUInt64LE(stamp.mtimeNs, at + R_MTIME);
}

function encodeHeader(stamp: FileStamp, corrupt: readonly CorruptLine[]): Buffer {
  const header: Header = {
    size: stamp.size,
    mtimeNs: stamp.mtimeNs.toString(),
    tail: stamp.tail,
    corrupt: corrupt.slice(0, MAX_CORRUPT_LISTED).map(({ line, reason, excerpt }) => ({ line, reason, excerpt })),
    corruptCount: corrupt.length,
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length, 0);
  return Buffer.concat([MAGIC, len, json]);
}

/** Parses a summary file's bytes; undefined when they are not a whole summary of this layout. */
export function decodeSummary(bytes: Buffer): InstanceSummary | undefined {
  if (bytes.length < MAGIC.length + 4 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const headerLen = bytes.readUInt32LE(MAGIC.length);
  const dataStart = MAGIC.length + 4 + headerLen;
  if (dataStart > bytes.length || (bytes.length - dataStart) % RECORD) return undefined;
  let header: Header;
  try {
    header = JSON.parse(bytes.subarray(MAGIC.length + 4, dataStart).toString('utf8')) as Header;
  } catch {
    return undefined;
  }
  if (typeof header?.size !== 'number' || typeof header.mtimeNs !== 'string' || !/^\d+$/.test(header.mtimeNs) || typeof header.tail !== 'number' || !Array.isArray(header.corrupt) || typeof header.corruptCount !== 'number') {
    return undefined;
  }
  return new InstanceSummary(header, bytes.subarray(dataStart));
}

/** A summary's bytes: header and records (every record carries the given stamp). */
export function encodeSummary(entries: readonly SummaryEntry[], corrupt: readonly CorruptLine[], stamp: FileStamp): Buffer {
  const records = Buffer.alloc(entries.length * RECORD);
  entries.forEach((e, i) => writeRecord(records, i, e, stamp));
  return Buffer.concat([encodeHeader(stamp, corrupt), records]);
}

/**
 * Reads the instances file (64 KB at a time, so the event loop gets a turn between pieces) and
 * summarises it: the summary's bytes, ready to write. `stable` is false when the file changed
 * while it was read: the summary is then true of the bytes read but should not be kept.
 */
export async function scanInstances(file: string): Promise<{ bytes: Buffer; stable: boolean } | undefined> {
  const handle = await openIfThere(file);
  if (!handle) return undefined;
  try {
    const stamp = await stampOfHandle(handle, file);
    const scanner = new JsonlScanner<TaskInstance>(file, (raw) => validateInstance(raw));
    // Records go straight into bytes (no object per instance is kept), grown as needed.
    let records = Buffer.alloc(RECORD * 1024);
    let count = 0;
    const corrupt: CorruptLine[] = [];
    const take = () => {
      const got = scanner.take();
      for (const r of got.records) {
        if ((count + 1) * RECORD > records.length) {
          const grown = Buffer.alloc(records.length * 2);
          records.copy(grown);
          records = grown;
        }
        writeRecord(records, count++, summaryEntryOf(r.value, r.offset, r.length), stamp);
      }
      for (const c of got.corrupt) corrupt.push(c);
    };
    const chunk = 64 << 10;
    const buf = Buffer.allocUnsafe(chunk);
    // Exactly the bytes the stamp describes: a line appended meanwhile belongs to the next summary.
    for (let pos = 0; pos < stamp.size; ) {
      const { bytesRead } = await handle.read(buf, 0, Math.min(chunk, stamp.size - pos), pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      scanner.push(buf.subarray(0, bytesRead));
      take();
    }
    scanner.end();
    take();
    const bytes = Buffer.concat([encodeHeader(stamp, corrupt), records.subarray(0, count * RECORD)]);
    return { bytes, stable: sameStamp(stamp, await stampOfHandle(handle, file)) };
  } finally {
    await handle.close();
  }
}

/**
 * After appendJsonlLine wrote `line` (the caller holds the file's lock): adds its record to the
 * summary when the summary described the file as it was just before (`before`); otherwise removes
 * the summary, which the next reader rebuilds. Never throws: the instance is saved whatever
 * happens to its cache.
 */
export async function recordAppend(file: string, before: FileStamp | undefined, line: AppendedLine, instance: TaskInstance): Promise<void> {
  const target = summaryPath(file);
  try {
    const entry = summaryEntryOf(instance, line.offset, line.length);
    const after = await stampOf(file);
    // Something else changed the file between our stamp and our write (a hand edit): rebuild.
    if (!after || after.size !== line.sizeAfter) throw new Error('the instances file changed under the lock');
    if (line.sizeBefore === 0) {
      // A new (or emptied) file: its summary starts here.
      await writeSummaryFile(target, encodeSummary([entry], [], after));
      return;
    }
    const handle = await fs.promises.open(target, fs.constants.O_RDWR | NOFOLLOW);
    try {
      const st = await handle.stat();
      const head = Buffer.alloc(MAGIC.length + 4);
      await handle.read(head, 0, head.length, 0);
      if (!head.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not a summary');
      const dataStart = MAGIC.length + 4 + head.readUInt32LE(MAGIC.length);
      if (st.size < dataStart || (st.size - dataStart) % RECORD) throw new Error('torn summary');
      let described: FileStamp;
      if (st.size > dataStart) {
        const last = Buffer.alloc(RECORD);
        await handle.read(last, 0, RECORD, st.size - RECORD);
        described = stampAt(last, 0);
      } else {
        const header = Buffer.alloc(dataStart);
        await handle.read(header, 0, dataStart, 0);
        const summary = decodeSummary(header);
        if (!summary) throw new Error('damaged summary');
        described = summary.stamp();
      }
      if (!sameStamp(described, before)) throw new Error('stale summary');
      const record = Buffer.alloc(RECORD);
      writeRecord(record, 0, entry, after);
      // A cache: no fsync. A torn record makes the summary's length wrong, and it is rebuilt.
      const { bytesWritten } = await handle.write(record, 0, RECORD, st.size);
      if (bytesWritten !== RECORD) throw new Error('short write');
    } finally {
      await handle.close();
    }
  } catch {
    await discardSummary(file);
  }
}

/** Removes the summary (it is rebuilt from the instances file when next needed). */
export async function discardSummary(file: string): Promise<void> {
  await fs.promises.rm(summaryPath(file), { force: true }).catch(() => undefined);
}

/**
 * Writes a whole summary: a temporary file renamed over the old one, so a reader never sees half
 * of one. Not flushed to disk: after a crash it is stale or damaged, and rebuilt.
 */
export async function writeSummaryFile(target: string, bytes: Buffer): Promise<void> {
  const tmp = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await fs.promises.writeFile(tmp, bytes, { flag: 'wx' });
    await fs.promises.rename(tmp, target);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
}

/** The summary after one line was replaced by `next` (or removed) at `offset`, all records restamped. */
export function summaryAfterRewrite(old: InstanceSummary, file: string, offset: number, oldLength: number, next: SummaryEntry | undefined, stamp: FileStamp): Buffer | undefined {
  const n = old.count;
  const recs = old.records;
  let at = -1;
  for (let i = 0; i < n; i++) {
    if (recs.readDoubleLE(i * RECORD + R_OFFSET) === offset) {
      at = i;
      break;
    }
  }
  if (at === -1) return undefined;
  // Removing a line renumbers the unreadable lines after it, which the summary cannot place: rebuild.
  if (!next && old.header.corruptCount) return undefined;
  // A removed line takes its newline with it (or the newline before it, when it was the last line).
  const removedBytes = next ? oldLength - next.length : oldLength + 1;
  const count = next ? n : n - 1;
  const header = encodeHeader(stamp, old.corrupt(file));
  // Header and records in one buffer: a summary of 100,000 is written without another copy.
  const out = Buffer.alloc(header.length + count * RECORD);
  header.copy(out);
  const records = out.subarray(header.length);
  // The records before the line as they are, the changed one, the ones after moved by the bytes
  // removed; only the last record's stamp is ever read, so only it is restamped.
  recs.copy(records, 0, 0, at * RECORD);
  let j = at;
  if (next) writeRecord(records, j++, { ...next, offset }, stamp);
  recs.copy(records, j * RECORD, (at + 1) * RECORD, n * RECORD);
  for (let k = j; k < count; k++) records.writeDoubleLE(records.readDoubleLE(k * RECORD + R_OFFSET) - removedBytes, k * RECORD + R_OFFSET);
  if (count) writeStamp(records, count - 1, stamp);
  return out;
}
