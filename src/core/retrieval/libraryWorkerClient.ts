import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { ParsedSource } from '../sources/sourceTypes';
import type { IndexJob, LibraryJob, LibraryJobError, LibraryReply } from './libraryWorker';
import { indexFromHead, openIndexFile, readIndexHead, type IndexHead, type LibraryIndexData } from './libraryIndexFile';
import { AlignError, CancelledError, InputFileError } from '../errors';

/**
 * The worker script: `libraryWorker.js` next to the bundle that runs this (dist/), or, from source
 * (unit tests under tsx), the TypeScript file through tsx's require hook. As pdfWorkerClient.ts.
 */
function startWorker(): Worker | undefined {
  const bundled = path.join(__dirname, 'libraryWorker.js');
  if (fs.existsSync(bundled)) return new Worker(bundled, { stdout: true, stderr: true });
  const source = path.join(__dirname, 'libraryWorker.ts');
  if (!fs.existsSync(source)) return undefined;
  const hook = createRequire(__filename).resolve(['tsx', 'cjs'].join('/'));
  return new Worker(`require(${JSON.stringify(hook)}); require(${JSON.stringify(source)});`, { eval: true, stdout: true, stderr: true });
}

function rebuild(e: LibraryJobError, file: string): Error {
  if (e.code === 'cancelled') return new CancelledError();
  if (e.code === 'input-file' && e.file !== undefined) {
    const prefix = `${e.file}: `;
    return new InputFileError(e.file, e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message, e.hint);
  }
  if (e.code) return new AlignError(e.message, e.code, e.hint);
  return new InputFileError(file, `could not be read (${e.message}).`, 'Check the file.');
}

/**
 * Reads papers in a worker thread, one at a time: `load` has the signature PaperLibrary wants, so
 * a library indexed through it parses nothing on the calling thread; `readIndex` reads and checks
 * the library's index file there too. A cancel stops the worker (a new one starts for the next
 * paper). Without a worker script, reads in this thread.
 */
export class LibraryReader {
  private worker?: Worker;
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (reply: LibraryReply & { ok: true }) => void; reject: (e: Error) => void; file: string }>();

  constructor(
    private readonly cacheDir: string | undefined,
    private readonly fallback: (file: string) => Promise<ParsedSource>,
  ) {}

  private ensure(): Worker | undefined {
    if (this.worker) return this.worker;
    const w = startWorker();
    if (!w) return undefined;
    w.on('message', (m: LibraryReply) => {
      const job = this.waiting.get(m.id);
      if (!job) return;
      this.waiting.delete(m.id);
      if (!this.waiting.size) w.unref();
      if (m.ok) job.resolve(m);
      else job.reject(rebuild(m.error, job.file));
    });
    const fail = (why: string) => {
      // A worker stopped by dispose() has already settled its jobs; the jobs waiting now are the next worker's.
      if (this.worker !== w) return;
      this.worker = undefined;
      for (const [, job] of this.waiting) job.reject(new InputFileError(job.file, `could not be read: ${why}.`, 'Try again; if it happens again, report it.'));
      this.waiting.clear();
    };
    w.on('error', (e) => fail(e.message));
    w.on('exit', (code) => fail(`the library reader stopped (exit ${code})`));
    // An idle reader does not keep the process alive (the CLI exits when its work is done).
    w.unref();
    this.worker = w;
    return w;
  }

  /** Reads and parses one paper off this thread. */
  load(file: string, signal?: AbortSignal): Promise<ParsedSource> {
    if (signal?.aborted) return Promise.reject(new CancelledError());
    const w = this.ensure();
    if (!w) return this.fallback(file);
    const id = this.next++;
    return new Promise<ParsedSource>((resolve, reject) => {
      const onAbort = () => {
        this.waiting.delete(id);
        if (!this.waiting.size) w.unref();
        reject(new CancelledError());
        // The paper being read may take long (a large PDF): stop it rather than wait.
        void this.dispose();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.set(id, {
        resolve: (reply) => (signal?.removeEventListener('abort', onAbort), 'parsed' in reply ? resolve(reply.parsed) : reject(new Error('The library reader answered out of turn.'))),
        reject: (e) => (signal?.removeEventListener('abort', onAbort), reject(e)),
        file,
      });
      const job: LibraryJob = { kind: 'paper', id, file, cacheDir: this.cacheDir };
      w.ref();
      w.postMessage(job);
    });
  }

  /**
   * Reads the library's index file: the worker reads and checks everything before the passage
   * text (at 5,000 papers, most of a second of reading and checksumming) and hands the bytes over;
   * this thread only builds views on them. Undefined when there is no file; throws IndexFileError.
   */
  async readIndex(file: string): Promise<LibraryIndexData | undefined> {
    const fd = openIndexFile(file);
    if (fd === undefined) return undefined;
    let keepOpen = false;
    try {
      const w = this.ensure();
      let head: IndexHead;
      if (!w) head = readIndexHead(fd, file);
      else {
        const id = this.next++;
        head = await new Promise<IndexHead>((resolve, reject) => {
          this.waiting.set(id, { resolve: (reply) => ('head' in reply ? resolve(reply.head) : reject(new Error('The library reader answered out of turn.'))), reject, file });
          const job: IndexJob = { kind: 'index', id, file, fd };
          w.ref();
          w.postMessage(job);
        });
      }
      const data = indexFromHead(fd, file, head);
      keepOpen = true;
      return data;
    } finally {
      if (!keepOpen) fs.closeSync(fd);
    }
  }

  /** Stops the worker; papers still being read are cancelled. */
  async dispose(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    for (const [, job] of this.waiting) job.reject(new CancelledError());
    this.waiting.clear();
    if (w) await w.terminate();
  }
}
