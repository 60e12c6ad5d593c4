import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CorruptLine } from './instanceTypes';

/** A record that parsed, with the line it came from. */
export interface JsonlRecord<T> {
  value: T;
  line: number;
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
class JsonlScanner<T> {
  private lineNo = 0;
  private carry: Buffer | undefined;
  records: JsonlRecord<T>[] = [];
  corrupt: CorruptLine[] = [];

  constructor(
    private readonly file: string,
    private readonly validate: LineValidator<T>,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    if (this.carry) {
      const nl = chunk.indexOf(10);
      if (nl === -1) {
        this.carry = Buffer.concat([this.carry, chunk]);
        return;
      }
      this.line(Buffer.concat([this.carry, chunk.subarray(0, nl)]).toString('utf8'));
      this.carry = undefined;
      start = nl + 1;
    }
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) break;
      this.line(chunk.toString('utf8', start, nl));
      start = nl + 1;
    }
    if (start < chunk.length) this.carry = Buffer.from(chunk.subarray(start));
  }

  /** The last line may lack its newline (a writer killed mid-line): it is read like any other. */
  end(): void {
    if (this.carry) this.line(this.carry.toString('utf8'));
    this.carry = undefined;
  }

  /** Hands over what was read since the last call. */
  take(): JsonlRead<T> {
    const out = { records: this.records, corrupt: this.corrupt };
    this.records = [];
    this.corrupt = [];
    return out;
  }

  private line(text: string): void {
    const lineNo = ++this.lineNo;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      if (!text.trim()) return; // blank lines are not records
      this.corrupt.push({ file: this.file, line: lineNo, reason: `not valid JSON (${(e as Error).message})`, excerpt: text.trim().slice(0, 120) });
      return;
    }
    try {
      this.records.push({ value: this.validate(raw, lineNo), line: lineNo });
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
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], corrupt: [] };
    throw e;
  }
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
    handle = await fs.promises.open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
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

/**
 * Appends one record as one line with a single write, then flushes it to disk. If the file does
 * not end with a newline (a process was killed mid-write), the record starts on a fresh line so
 * it is never glued to the torn one.
 */
export function appendJsonlLine(file: string, value: unknown): void {
  const json = JSON.stringify(value);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, 'a+');
  try {
    const size = fs.fstatSync(fd).size;
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      fs.readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    fs.writeSync(fd, `${prefix}${json}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Replaces a file's content atomically: a temporary file in the same folder, flushed, then
 * renamed over the original. A crash leaves either the old file or the new one, never a mix.
 */
export function writeFileAtomic(file: string, content: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    if (typeof content === 'string') fs.writeSync(fd, content);
    else fs.writeSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
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
    const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
    return new AtomicLineWriter(file, tmp, await fs.promises.open(tmp, 'w'));
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
      this.inFlight = this.handle.write(bytes, 0, length);
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
