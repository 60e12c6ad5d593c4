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
 * Reads a JSONL file. Unparsable or invalid lines are reported with their 1-based line number and
 * kept out of the result; the file itself is never changed here. A missing file is empty.
 */
export function readJsonl<T>(file: string, validate: LineValidator<T>): JsonlRead<T> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], corrupt: [] };
    throw e;
  }
  const records: JsonlRecord<T>[] = [];
  const corrupt: CorruptLine[] = [];
  let start = 0;
  let lineNo = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineNo++;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (!line) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (e) {
      corrupt.push({ file, line: lineNo, reason: `not valid JSON (${(e as Error).message})`, excerpt: line.slice(0, 120) });
      continue;
    }
    try {
      records.push({ value: validate(raw, lineNo), line: lineNo });
    } catch (e) {
      corrupt.push({ file, line: lineNo, reason: (e as Error).message, excerpt: line.slice(0, 120) });
    }
  }
  return { records, corrupt };
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

/**
 * Writes many lines atomically without holding them all as one string: batches of about a
 * megabyte go to a temporary file, which is flushed and renamed over the target.
 */
export function writeLinesAtomic(file: string, lines: Iterable<string>): number {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  let count = 0;
  try {
    let batch: string[] = [];
    let size = 0;
    for (const line of lines) {
      batch.push(line);
      size += line.length + 1;
      count++;
      if (size > 1 << 20) {
        fs.writeSync(fd, batch.join('\n') + '\n');
        batch = [];
        size = 0;
      }
    }
    if (batch.length) fs.writeSync(fd, batch.join('\n') + '\n');
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  return count;
}
