// The library's reading thread (bundled as dist/libraryWorker.js): reads, hashes and parses papers
// (through the parse cache) so the thread that asked, the extension host's, never waits on them.
// PDFs go on to their own bounded worker from here, as they would from any thread.
import { parentPort } from 'node:worker_threads';
import { loadSourceFile } from '../sources/loadSource';
import { SourceCache } from '../sources/sourceCache';
import { AlignError, InputFileError } from '../errors';

/** A paper to read. */
export interface LibraryJob {
  id: number;
  file: string;
  cacheDir?: string;
}

/** A failure as plain data (errors lose their class crossing threads). */
export interface LibraryJobError {
  code?: string;
  message: string;
  hint?: string;
  file?: string;
}

const caches = new Map<string, SourceCache>();

parentPort?.on('message', (job: LibraryJob) => {
  let cache: SourceCache | undefined;
  if (job.cacheDir) {
    cache = caches.get(job.cacheDir) ?? new SourceCache(job.cacheDir);
    caches.set(job.cacheDir, cache);
  }
  loadSourceFile(job.file, { cache }).then(
    (parsed) => parentPort!.postMessage({ id: job.id, ok: true, parsed }),
    (e: unknown) => {
      const error: LibraryJobError = AlignError.is(e)
        ? { code: e.code, message: e.message, hint: e.hint, file: e instanceof InputFileError || typeof (e as { file?: unknown }).file === 'string' ? (e as InputFileError).file : undefined }
        : { message: e instanceof Error ? e.message : String(e) };
      parentPort!.postMessage({ id: job.id, ok: false, error });
    },
  );
});
