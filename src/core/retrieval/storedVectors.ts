// The endpoint's embeddings of library passages, kept on disk beside the library index: a new
// window or `align` process asks the endpoint only for what no earlier one embedded. One file per
// embedding space (endpoint and embedding model), since vectors of two models never compare.
//
// Layout (little-endian): a 40-byte header — "ALIGNVEC", format version, dimensions, the first 24
// bytes of the space's sha256 — then fixed-size records: the passage text's sha256 (first 16
// bytes), its vector as float32, a crc32 of both. The file appears with its header (hard-linked
// into place); records are only ever appended, by one process at a time (the dataset's file
// lock), in writes of whole records; readers take no lock. A record cut short by a crash or
// damaged on disk fails its checksum and is embedded again, nothing more.
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import type { Logger } from '../ports';
import { silentLogger } from '../ports';
import { withFileLock } from '../dataset/fileLock';

const MAGIC = 'ALIGNVEC';
const FORMAT_VERSION = 1;
const HEADER = 40;
const KEY = 16;
/** Past this the file is not grown: it is a cache, and questions keep working without it. */
const MAX_FILE_BYTES = 512 * 1024 * 1024;
/** Bytes of records in one write (whole records; under Node's own 512 KB split of a write). */
const APPEND_BYTES = 256 * 1024;

/** Where vectors for `indexFile`'s library in `space` are kept. */
export function storedVectorsFile(indexFile: string, space: string): string {
  const base = path.basename(indexFile).replace(/\.lix$/, '');
  return path.join(path.dirname(indexFile), `${base}.${sha256(space).toString('hex').slice(0, 16)}.vec`);
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Vectors by passage text; see the top of this file. */
export class StoredVectors {
  private readonly byKey = new Map<string, Float32Array>();
  private pending: { key: Buffer; vector: Float32Array }[] = [];
  private dims?: number;
  private loading?: Promise<void>;
  /** The file is not grown further (too big, or it could not be written): vectors stay in memory. */
  private readOnly = false;
  /** The file is another version's or another space's: the next flush starts it again. */
  private replace = false;

  constructor(
    readonly file: string,
    readonly space: string,
    private readonly logger: Logger = silentLogger,
  ) {}

  /** Reads the file once; a missing, foreign or damaged file means fewer vectors, never an error. */
  load(): Promise<void> {
    this.loading ??= this.read();
    return this.loading;
  }

  get size(): number {
    return this.byKey.size;
  }

  get(text: string): Float32Array | undefined {
    return this.byKey.get(sha256(text).subarray(0, KEY).toString('hex'));
  }

  /** Keeps a new vector; written at the next flush. */
  set(text: string, vector: number[]): void {
    const key = sha256(text).subarray(0, KEY);
    const v = Float32Array.from(vector);
    if (this.dims !== undefined && v.length !== this.dims) {
      // The model behind the name changed its dimensions: the kept vectors are of no use now.
      this.byKey.clear();
      this.pending = [];
      this.replace = true;
    }
    this.dims = v.length;
    this.byKey.set(key.toString('hex'), v);
    this.pending.push({ key, vector: v });
  }

  /** Appends the new vectors in one write. Failures are logged: the next process embeds them again. */
  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (!batch.length || this.readOnly || !this.dims) return;
    try {
      await fsp.mkdir(path.dirname(this.file), { recursive: true });
      // One writer at a time (the lock of the dataset's files): the size read here is then the
      // file's, not a moment in another process's append, so the padding after a torn record is right.
      await withFileLock(this.file, () => this.write(batch));
    } catch (e) {
      this.readOnly = true;
      this.logger.warn(`Library: embeddings could not be kept in ${this.file} (${(e as Error).message}); they are asked again next time.`);
    }
  }

  /** Appends `batch` (the caller holds the file's lock). */
  private async write(batch: { key: Buffer; vector: Float32Array }[]): Promise<void> {
    const dims = this.dims!;
    let size = this.replace ? -1 : await fsp.stat(this.file).then((s) => s.size, () => -1);
    if (this.replace) {
      // A new file renamed over the old one: a process still appending to the old writes to its
      // unlinked copy, never into this one.
      const tmp = `${this.file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await fsp.writeFile(tmp, this.header(dims), { flag: 'wx' });
        await fsp.rename(tmp, this.file);
      } finally {
        await fsp.rm(tmp, { force: true });
      }
      this.replace = false;
      size = HEADER;
    } else if (size < 0) {
      size = await this.create(dims);
    }
    if (size > MAX_FILE_BYTES) {
      this.readOnly = true;
      this.logger.info(`Library: ${this.file} has reached ${MAX_FILE_BYTES / 1024 / 1024} MB; new embeddings are kept in memory only.`);
      return;
    }
    const record = KEY + dims * 4 + 4;
    // After a record cut short by a crash, zeros up to the next record boundary (a record that
    // fails its checksum) keep the ones appended now readable.
    const torn = (size - HEADER) % record;
    const lead = torn ? record - torn : 0;
    const out = Buffer.alloc(lead + batch.length * record);
    batch.forEach(({ key, vector }, i) => {
      const at = lead + i * record;
      key.copy(out, at);
      Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).copy(out, at + KEY);
      out.writeUInt32LE(crc32(out.subarray(at, at + record - 4)) >>> 0, at + record - 4);
    });
    await this.append(out, lead, record);
  }

  /**
   * Makes the file with its header in one step — written aside, then hard-linked into place — so
   * that another process's first append can never land before the header (found by the race
   * test: with a create-then-write, a header written over a record damaged the file). Of two
   * processes creating it, the second finds it there. Returns its size.
   */
  private async create(dims: number): Promise<number> {
    const tmp = `${this.file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    await fsp.writeFile(tmp, this.header(dims), { flag: 'wx' });
    try {
      await fsp.link(tmp, this.file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS') {
        // No hard links on this file system: the plain exclusive create, header right after.
        await fsp.writeFile(this.file, this.header(dims), { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'EEXIST') throw err;
        });
      } else if (code !== 'EEXIST') throw e;
    } finally {
      await fsp.rm(tmp, { force: true });
    }
    return (await fsp.stat(this.file)).size;
  }

  /**
   * Appends in writes of whole records (after the padding): other processes' appends can come
   * between two writes but never inside one, so records stay aligned. A short write (a full
   * disk) stops there; the torn record it leaves is padded over by the next append.
   */
  private async append(out: Buffer, lead: number, record: number): Promise<void> {
    const handle = await fsp.open(this.file, 'a');
    try {
      const step = Math.max(1, Math.floor(APPEND_BYTES / record)) * record;
      for (let at = 0; at < out.length; ) {
        const end = Math.min(out.length, (at === 0 ? lead : at) + step);
        const { bytesWritten } = await handle.write(out, at, end - at);
        if (bytesWritten !== end - at) throw Object.assign(new Error(`ENOSPC: a short write (${bytesWritten} of ${end - at} bytes)`), { code: 'ENOSPC' });
        at = end;
      }
    } finally {
      await handle.close();
    }
  }

  private header(dims: number): Buffer {
    const h = Buffer.alloc(HEADER);
    h.write(MAGIC, 0, 'latin1');
    h.writeUInt32LE(FORMAT_VERSION, 8);
    h.writeUInt32LE(dims, 12);
    sha256(this.space).copy(h, 16, 0, 24);
    return h;
  }

  private async read(): Promise<void> {
    let buf: Buffer;
    try {
      // Never read more than the cap lets the file grow to (plus a last batch): a larger file is not
      // one this code wrote, and is started again rather than read into memory.
      const { size } = await fsp.stat(this.file);
      if (size > MAX_FILE_BYTES + APPEND_BYTES * 4) {
        this.logger.warn(`Library: ${this.file} is ${Math.round(size / 1024 / 1024)} MB, more than kept embeddings grow to; it is started again.`);
        this.replace = true;
        return;
      }
      buf = await fsp.readFile(this.file);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.warn(`Library: ${this.file} cannot be read (${(e as Error).message}); embeddings are asked again.`);
      return;
    }
    const dims = buf.length >= HEADER ? buf.readUInt32LE(12) : 0;
    const ours = buf.length >= HEADER && buf.toString('latin1', 0, 8) === MAGIC && buf.readUInt32LE(8) === FORMAT_VERSION && dims > 0 && buf.subarray(16, 40).equals(sha256(this.space).subarray(0, 24));
    if (!ours) {
      // Another version or space (or damaged from the start): started again at the next flush.
      this.logger.warn(`Library: ${this.file} is not an embeddings file of this version for ${this.space}; it is started again.`);
      this.replace = true;
      return;
    }
    this.dims = dims;
    const record = KEY + dims * 4 + 4;
    let damaged = 0;
    let n = 0;
    for (let at = HEADER; at + record <= buf.length; at += record) {
      // A full file is ~85,000 records of 1,536 dimensions: read in slices between event-loop turns.
      if (++n % 2000 === 0) await new Promise((r) => setImmediate(r));
      if (crc32(buf.subarray(at, at + record - 4)) >>> 0 !== buf.readUInt32LE(at + record - 4)) {
        damaged++;
        continue;
      }
      const v = new Float32Array(dims);
      new Uint8Array(v.buffer).set(buf.subarray(at + KEY, at + KEY + dims * 4));
      this.byKey.set(buf.toString('hex', at, at + KEY), v);
    }
    // A record cut short at the end may be another process's append under way: not worth a word.
    if (damaged) this.logger.warn(`Library: ${this.file}: ${damaged} damaged record(s) skipped; those passages are embedded again.`);
  }
}
