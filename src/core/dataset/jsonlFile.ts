import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import type { CorruptLine } from './instanceTypes';
import { AlignError } from '../errors';

/** A record that parsed, with the line it came from. */
export interface JsonlRecord<T> {
  value: T;
  line: number;
  /** Where the line starts in the file, in bytes, and its length without the newline. */
  offset: number;
  length: number;
}

export interface JsonlRead<T> {
  records: JsonlRecord<T>[];
  corrupt: CorruptLine[];
}

/** Checks one parsed line; throws an Error whose message says what is wrong. */
export type LineValidator<T> = (raw: unknown, line: number) => T;

/**
 * Splits JSONL bytes into records. Each line is decoded on its own (a line of plain ASCII stays a
 * one-byte string, which V8 parses faster than slices of one big two-byte string), parsed and
 * validated; unreadable lines are reported with their 1-based number. Bytes may arrive in chunks
 * that cut a line anywhere, even inside a UTF-8 sequence: the unfinished tail waits for the next.
 */
export class JsonlScanner<T> {
  private lineNo = 0;
  private carry: Buffer | undefined;
  /** Bytes pushed before the current chunk, and where the unfinished tail started. */
  private consumed = 0;
  private carryStart = 0;
  records: JsonlRecord<T>[] = [];
  corrupt: CorruptLine[] = [];

  constructor(
    private readonly file: string,
    private readonly validate: LineValidator<T>,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    const base = this.consumed;
    this.consumed += chunk.length;
    if (this.carry) {
      const nl = chunk.indexOf(10);
      if (nl === -1) {
        this.carry = Buffer.concat([this.carry, chunk]);
        return;
      }
      this.line(Buffer.concat([this.carry, chunk.subarray(0, nl)]), this.carryStart);
      this.carry = undefined;
      start = nl + 1;
    }
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) break;
      this.line(chunk.subarray(start, nl), base + start);
      start = nl + 1;
    }
    if (start < chunk.length) {
      this.carry = Buffer.from(chunk.subarray(start));
      this.carryStart = base + start;
    }
  }

  /** The last line may lack its newline (a writer killed mid-line): it is read like any other. */
  end(): void {
    if (this.carry) this.line(this.carry, this.carryStart);
    this.carry = undefined;
  }

  /** Hands over what was read since the last call. */
  take(): JsonlRead<T> {
    const out = { records: this.records, corrupt: this.corrupt };
    this.records = [];
    this.corrupt = [];
    return out;
  }

  private line(bytes: Buffer, offset: number): void {
    const lineNo = ++this.lineNo;
    const text = bytes.toString('utf8');
    // Decoding would turn invalid bytes into U+FFFD: such a line is unreadable, not silently altered.
    if (!isUtf8(bytes)) {
      this.corrupt.push({ file: this.file, line: lineNo, reason: 'not valid UTF-8 text', excerpt: text.trim().slice(0, 120) });
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      if (!text.trim()) return; // blank lines are not records
      this.corrupt.push({ file: this.file, line: lineNo, reason: `not valid JSON (${(e as Error).message})`, excerpt: text.trim().slice(0, 120) });
      return;
    }
    try {
      this.records.push({ value: this.validate(raw, lineNo), line: lineNo, offset, length: bytes.length });
    } catch (e) {
      this.corrupt.push({ file: this.file, line: lineNo, reason: (e as Error).message, excerpt: text.trim().slice(0, 120) });
    }
  }
}

/**
 * Reads a JSONL file. Unparsable or invalid lines are reported with their 1-based line number and
 * kept out of the result; the file itself is never changed here. A missing file is empty.
 */
export function readJsonl<T>(file: string, validate: LineValidator<T>): JsonlRead<T> {
  const bytes = readFileNoFollow(file);
  if (!bytes) return { records: [], corrupt: [] };
  const scanner = new JsonlScanner(file, validate);
  scanner.push(bytes);
  scanner.end();
  return scanner.take();
}

/**
 * Reads a JSONL file a few megabytes at a time and yields its records batch by batch, so a file of
 * any size is processed in bounded memory and the event loop gets a turn between batches. Same
 * reporting as readJsonl; a missing file yields nothing.
 */
export async function* readJsonlBatches<T>(file: string, validate: LineValidator<T>, chunkBytes = 1 << 20): AsyncGenerator<JsonlRead<T>> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, fs.constants.O_RDONLY | NOFOLLOW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw linkError(e, file);
  }
  try {
    assertRegularFile((await handle.stat()).isFile(), file);
  } catch (e) {
    await handle.close();
    throw e;
  }
  const scanner = new JsonlScanner(file, validate);
  try {
    // One buffer for the whole file: the scanner copies the unfinished tail it keeps.
    const buf = Buffer.allocUnsafe(chunkBytes);
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, chunkBytes, null);
      if (bytesRead === 0) break;
      scanner.push(buf.subarray(0, bytesRead));
      yield scanner.take();
    }
    scanner.end();
    yield scanner.take();
  } finally {
    await handle.close();
  }
}

/** Where appendJsonlLine put its line: it starts at `offset` and has `length` bytes before its newline. */
export interface AppendedLine {
  sizeBefore: number;
  offset: number;
  length: number;
  sizeAfter: number;
}

/**
 * Appends one record as one line, then flushes it to disk. If the file does not end with a newline
 * (a process was killed mid-write), the record starts on a fresh line so it is never glued to the
 * torn one. A write that does not complete (a full disk) is taken back: the file is cut to the
 * length it had, so no torn line is left behind, and the error is thrown. The caller holds the lock.
 */
export function appendJsonlLine(file: string, value: unknown): AppendedLine {
  const json = JSON.stringify(value);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_APPEND | fs.constants.O_CREAT | NOFOLLOW, 0o666);
  } catch (e) {
    throw linkError(e, file);
  }
  try {
    const stat = fs.fstatSync(fd);
    assertRegularFile(stat.isFile(), file);
    const size = stat.size;
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      fs.readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    const bytes = Buffer.from(`${prefix}${json}\n`, 'utf8');
    try {
      writeAllSync(fd, bytes);
      fs.fsyncSync(fd);
      return { sizeBefore: size, offset: size + prefix.length, length: bytes.length - prefix.length - 1, sizeAfter: size + bytes.length };
    } catch (e) {
      // Take back whatever part of the line reached the file: it ends where it did before.
      try {
        fs.ftruncateSync(fd, size);
        fs.fsyncSync(fd);
      } catch {
        // The write's own error is the one to report; a torn tail left here is read as an
        // unreadable line and the next save starts on a fresh line.
      }
      throw e;
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes every byte, looping over short writes (the kernel writes what fits and reports how much).
 * A write that makes no progress is a full disk. `position` undefined writes at the file offset.
 */
export function writeAllSync(fd: number, bytes: Uint8Array, position?: number): void {
  let done = 0;
  while (done < bytes.length) {
    const n = fs.writeSync(fd, bytes, done, bytes.length - done, position === undefined ? null : position + done);
    if (n <= 0) throw noProgress();
    done += n;
  }
}

async function writeAll(handle: fs.promises.FileHandle, bytes: Uint8Array, length: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesWritten } = await handle.write(bytes, done, length - done);
    if (bytesWritten <= 0) throw noProgress();
    done += bytesWritten;
  }
}

function noProgress(): NodeJS.ErrnoException {
  return Object.assign(new Error('ENOSPC: no space left on device, write made no progress'), { code: 'ENOSPC' });
}

/** Where O_NOFOLLOW exists (not on Windows), the last part of a path is never followed as a link. */
const NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

/** A file's bytes, never through a symbolic link; undefined when it does not exist. */
export function readFileNoFollow(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | NOFOLLOW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw linkError(e, file);
  }
  try {
    assertRegularFile(fs.fstatSync(fd).isFile(), file);
    return fs.readFileSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** ELOOP from O_NOFOLLOW means the file is a symbolic link: say so, naming it. */
function linkError(e: unknown, file: string): unknown {
  if ((e as NodeJS.ErrnoException).code !== 'ELOOP') return e;
  return new AlignError(
    `${file} is a symbolic link; the dataset never follows links out of its folder.`,
    'dataset-link',
    'Replace the link with a real file (copy the data into the dataset folder), then try again.',
    { cause: e },
  );
}

function assertRegularFile(isFile: boolean, file: string): void {
  if (!isFile) throw new AlignError(`${file} is not a regular file.`, 'dataset-not-file', 'Remove it or move it out of the dataset folder.');
}

function tempNameFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Replaces a file's content atomically: a temporary file in the same folder, written in full and
 * flushed, then renamed over the original. A crash or a full disk leaves the old file whole; the
 * temporary file is removed when the write fails. The rename replaces a link at `file` itself,
 * never what it points to.
 */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempNameFor(file);
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  // 'wx': a link planted at the temporary name is never followed.
  const fd = fs.openSync(tmp, 'wx');
  try {
    writeAllSync(fd, bytes, 0);
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  try {
    const dirFd = fs.openSync(path.dirname(file), 'r');
    fs.fsyncSync(dirFd);
    fs.closeSync(dirFd);
  } catch {
    // Some file systems cannot fsync a directory; the rename itself is still atomic.
  }
}

/** readFileNoFollow without blocking the event loop. */
export async function readFileNoFollowAsync(file: string): Promise<Buffer | undefined> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, fs.constants.O_RDONLY | NOFOLLOW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw linkError(e, file);
  }
  try {
    assertRegularFile((await handle.stat()).isFile(), file);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** writeFileAtomic without blocking the event loop: the same temporary file, flush and rename. */
export async function writeFileAtomicAsync(file: string, content: Uint8Array | readonly Uint8Array[]): Promise<void> {
  await fs.promises.mkdir(path.dirname(file), { recursive: true });
  const tmp = tempNameFor(file);
  const handle = await fs.promises.open(tmp, 'wx');
  try {
    // Pieces are written one after another: a big file edited in one line is never copied whole.
    for (const piece of content instanceof Uint8Array ? [content] : content) await writeAll(handle, piece, piece.length);
    await handle.sync();
  } catch (e) {
    await handle.close();
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  try {
    await fs.promises.rename(tmp, file);
  } catch (e) {
    await fs.promises.rm(tmp, { force: true });
    throw e;
  }
  try {
    const dir = await fs.promises.open(path.dirname(file), 'r');
    await dir.sync().finally(() => dir.close());
  } catch {
    // Some file systems cannot fsync a directory; the rename itself is still atomic.
  }
}

/** A line to write: text, or pieces of it; a piece repeated on many lines can be encoded once, as bytes. */
export type LineParts = string | readonly (string | Uint8Array)[];

const BLOCK = 4 << 20;

/**
 * Writes a file line by line, atomically: lines are encoded into blocks of a few megabytes that go
 * to a temporary file beside the target (one block is written while the next fills), and `commit`
 * flushes it and renames it over the target. Until then the old file stays whole; `abort` removes
 * the temporary file.
 */
export class AtomicLineWriter {
  private block = Buffer.allocUnsafe(BLOCK);
  private used = 0;
  private full: { bytes: Buffer; length: number }[] = [];
  private inFlight: Promise<unknown> = Promise.resolve();
  lines = 0;

  private constructor(
    readonly file: string,
    private readonly tmp: string,
    private readonly handle: fs.promises.FileHandle,
  ) {}

  static async open(file: string): Promise<AtomicLineWriter> {
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    const tmp = tempNameFor(file);
    return new AtomicLineWriter(file, tmp, await fs.promises.open(tmp, 'wx'));
  }

  /** Queues one line (without its newline); call `drain` now and then to write the full blocks. */
  add(line: LineParts): void {
    if (typeof line === 'string') this.put(line);
    else for (const part of line) this.put(part);
    this.put('\n');
    this.lines++;
  }

  private put(part: string | Uint8Array): void {
    // A UTF-16 code unit never takes more than 3 bytes in UTF-8.
    const worst = typeof part === 'string' ? part.length * 3 : part.length;
    if (this.used + worst > BLOCK) this.seal();
    if (worst > BLOCK) {
      const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : Buffer.from(part);
      this.full.push({ bytes, length: bytes.length });
    } else if (typeof part === 'string') {
      this.used += this.block.write(part, this.used, 'utf8');
    } else {
      this.block.set(part, this.used);
      this.used += part.length;
    }
  }

  private seal(): void {
    if (!this.used) return;
    this.full.push({ bytes: this.block, length: this.used });
    this.block = Buffer.allocUnsafe(BLOCK);
    this.used = 0;
  }

  /** Writes the full blocks, keeping one write in flight while the caller prepares more. */
  async drain(all = false): Promise<void> {
    if (all) this.seal();
    for (const { bytes, length } of this.full.splice(0)) {
      await this.inFlight;
      // Every byte or an error: a short write (a full disk) is never taken for the whole block.
      this.inFlight = writeAll(this.handle, bytes, length);
      // Handled here so a failure between drains is not an unhandled rejection; the next await still throws it.
      this.inFlight.catch(() => undefined);
    }
    if (all) await this.inFlight;
  }

  async commit(): Promise<number> {
    try {
      await this.drain(true);
      await this.handle.sync();
    } catch (e) {
      await this.abort();
      throw e;
    }
    await this.handle.close();
    await fs.promises.rename(this.tmp, this.file);
    return this.lines;
  }

  async abort(): Promise<void> {
    await this.inFlight.catch(() => undefined);
    await this.handle.close().catch(() => undefined);
    await fs.promises.rm(this.tmp, { force: true });
  }
}
