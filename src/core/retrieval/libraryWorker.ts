// The library's reading thread (bundled as dist/libraryWorker.js): reads, hashes and parses papers
// (through the parse cache), and reads and checks the library's index file, so the thread that
// asked, the extension host's, never waits on them. PDFs go on to their own bounded worker from
// here, as they would from any thread.
import { parentPort } from 'node:worker_threads';
import { loadSourceFile } from '../sources/loadSource';
import type { ParsedSource } from '../sources/sourceTypes';
import { SourceCache } from '../sources/sourceCache';
import { AlignError, InputFileError } from '../errors';
import { readIndexHead, type IndexHead } from './libraryIndexFile';

/** A paper to read. */
export interface LibraryJob {
  kind: 'paper';
  id: number;
  file: string;
  cacheDir?: string;
}

/**
 * An index file to read and check, open as `fd` in the asking thread (descriptors are the
 * process's): the head comes back transferred, and the asker builds its views on it.
 */
export interface IndexJob {
  kind: 'index';
  id: number;
  file: string;
  fd: number;
}

/** What the worker answers. */
export type LibraryReply =
  | { id: number; ok: true; parsed: ParsedSource }
  | { id: number; ok: true; head: IndexHead }
  | { id: number; ok: false; error: LibraryJobError };

/** A failure as plain data (errors lose their class crossing threads). */
export interface LibraryJobError {
  code?: string;
  message: string;
  hint?: string;
  file?: string;
}

const caches = new Map<string, SourceCache>();

function describe(e: unknown): LibraryJobError {
  return AlignError.is(e)
    ? { code: e.code, message: e.message, hint: e.hint, file: e instanceof InputFileError || typeof (e as { file?: unknown }).file === 'string' ? (e as InputFileError).file : undefined }
    : { message: e instanceof Error ? e.message : String(e) };
}

parentPort?.on('message', (job: LibraryJob | IndexJob) => {
  if (job.kind === 'index') {
    let reply: LibraryReply;
    try {
      reply = { id: job.id, ok: true, head: readIndexHead(job.fd, job.file) };
    } catch (e) {
      return void parentPort!.postMessage({ id: job.id, ok: false, error: describe(e) } satisfies LibraryReply);
    }
    return void parentPort!.postMessage(reply, [reply.head.head]);
  }
  let cache: SourceCache | undefined;
  if (job.cacheDir) {
    cache = caches.get(job.cacheDir) ?? new SourceCache(job.cacheDir);
    caches.set(job.cacheDir, cache);
  }
  loadSourceFile(job.file, { cache }).then(
    (parsed) => parentPort!.postMessage({ id: job.id, ok: true, parsed } satisfies LibraryReply),
    (e: unknown) => parentPort!.postMessage({ id: job.id, ok: false, error: describe(e) } satisfies LibraryReply),
  );
});
