import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { ParsedSource } from './sourceTypes';
import type { PdfMeta } from './pdfSource';
import type { PdfJob, PdfJobError } from './pdfWorker';
import { DEFAULT_PDF_LIMITS, type PdfLimits } from './pdfLimits';
import { CancelledError, InputFileError } from '../errors';

/** PDFs parsed at once: each worker may use `memoryMb` of heap. */
const MAX_WORKERS = 2;
let running = 0;
const waiting: (() => void)[] = [];

async function slot(): Promise<() => void> {
  while (running >= MAX_WORKERS) await new Promise<void>((r) => waiting.push(r));
  running++;
  return () => {
    running--;
    waiting.shift()?.();
  };
}

/**
 * The worker: `pdfWorker.js` next to the bundle that runs this (dist/, for the extension host and
 * the CLI), or, running from source (unit tests under tsx), the TypeScript file loaded through
 * tsx's require hook, which a worker does not inherit.
 */
function startWorker(options: ConstructorParameters<typeof Worker>[1]): Worker | undefined {
  const bundled = path.join(__dirname, 'pdfWorker.js');
  if (fs.existsSync(bundled)) return new Worker(bundled, options);
  const source = path.join(__dirname, 'pdfWorker.ts');
  if (!fs.existsSync(source)) return undefined;
  const hook = createRequire(__filename).resolve(['tsx', 'cjs'].join('/'));
  return new Worker(`require(${JSON.stringify(hook)}); require(${JSON.stringify(source)});`, { ...options, eval: true });
}

// Starting a worker (loading pdf.js into it) costs about as much as reading a short paper, so a
// worker that finished a paper normally is kept for the next one: a library's PDFs pay it once.
// A worker stopped by a budget (time, memory, cancel) or that failed is never reused.
const KEEP_WARM_MS = 15_000;
const JOBS_PER_WORKER = 40;
interface WarmWorker {
  worker: Worker;
  memoryMb: number;
  jobs: number;
  idleTimer?: NodeJS.Timeout;
}
const idle: WarmWorker[] = [];
/** Workers started so far in this process (tests check that papers share one). */
export const pdfWorkerStarts = { count: 0 };

function takeWorker(memoryMb: number): WarmWorker | undefined {
  const i = idle.findIndex((w) => w.memoryMb === memoryMb);
  if (i >= 0) {
    const [warm] = idle.splice(i, 1);
    clearTimeout(warm.idleTimer);
    warm.worker.ref();
    return warm;
  }
  const worker = startWorker({
    resourceLimits: { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: Math.min(64, Math.max(8, memoryMb / 16)) },
    // pdf.js's console warnings stay in the worker.
    stdout: true,
    stderr: true,
  });
  if (!worker) return undefined;
  pdfWorkerStarts.count++;
  const warm: WarmWorker = { worker, memoryMb, jobs: 0 };
  // A parked worker that dies on its own leaves the pool.
  worker.on('exit', () => {
    const at = idle.indexOf(warm);
    if (at >= 0) idle.splice(at, 1);
  });
  return warm;
}

function park(warm: WarmWorker): void {
  if (warm.jobs >= JOBS_PER_WORKER) return void warm.worker.terminate();
  // Unref'd: a parked worker never keeps a CLI process alive.
  warm.worker.unref();
  warm.idleTimer = setTimeout(() => {
    const at = idle.indexOf(warm);
    if (at >= 0) idle.splice(at, 1);
    void warm.worker.terminate();
  }, KEEP_WARM_MS);
  warm.idleTimer.unref();
  idle.push(warm);
}

function rebuild(e: PdfJobError, name: string): Error {
  if (e.code === 'cancelled') return new CancelledError();
  if (e.code === 'input-file' && e.file !== undefined) {
    const prefix = `${e.file}: `;
    return new InputFileError(e.file, e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message, e.hint);
  }
  return new InputFileError(name, `could not be read as a PDF (${e.message}).`, 'Download it again or try another copy.');
}

/**
 * Parses a PDF off the calling thread, in a worker that is terminated when it runs past
 * `limits.timeMs` or its heap passes `limits.memoryMb`, or when `signal` aborts: a PDF bomb
 * becomes an InputFileError naming the file, and the extension host's event loop never waits on
 * pdf.js. Without a worker script (an unusual bundle), parses in this thread with the page, text
 * and stream budgets only.
 */
export async function parsePdfBounded(bytes: Uint8Array, meta: PdfMeta = {}, opts: { signal?: AbortSignal; limits?: Partial<PdfLimits> } = {}): Promise<ParsedSource> {
  const limits: PdfLimits = { ...DEFAULT_PDF_LIMITS, ...opts.limits };
  const name = meta.path ?? meta.title ?? 'The PDF';
  if (opts.signal?.aborted) throw new CancelledError();
  const release = await slot();
  try {
    // A cancel while waiting for a slot: its abort event has already fired.
    if (opts.signal?.aborted) throw new CancelledError();
    const warm = takeWorker(limits.memoryMb);
    if (!warm) return await (await import('./pdfSource')).parsePdf(bytes, meta, opts);
    const { worker } = warm;
    warm.jobs++;
    return await new Promise<ParsedSource>((resolve, reject) => {
      let settled = false;
      /** `reuse`: the worker answered normally and may read the next paper. */
      const finish = (fn: () => void, reuse = false) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (reuse) park(warm);
        else void worker.terminate();
        fn();
      };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(
              new InputFileError(
                name,
                `took longer than ${Math.round(limits.timeMs / 1000)} s to read and was stopped (a compression bomb, a huge or damaged PDF?).`,
                'Use another copy of the paper, or print it to a new PDF.',
              ),
            ),
          ),
        limits.timeMs,
      );
      const onAbort = () => finish(() => reject(new CancelledError()));
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const onMessage = (m: { ok: true; parsed: ParsedSource } | { ok: false; error: PdfJobError }) => finish(() => (m.ok ? resolve(m.parsed) : reject(rebuild(m.error, name))), true);
      const onError = (e: Error & { code?: string }) =>
        finish(() =>
          reject(
            e.code === 'ERR_WORKER_OUT_OF_MEMORY'
              ? new InputFileError(name, `needs more than ${limits.memoryMb} MB of memory to read and was stopped (a PDF bomb, or a huge or damaged PDF?).`, 'Use another copy of the paper, or extract the pages you need into a smaller PDF.')
              : new InputFileError(name, `could not be read as a PDF (${e.message}).`, 'Download it again or try another copy.'),
          ),
        );
      const onExit = (code: number) => finish(() => reject(new InputFileError(name, `could not be read: the PDF reader stopped (exit ${code}).`, 'Try another copy of the paper.')));
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      // A copy, transferred: the caller's bytes stay usable.
      const copy = new Uint8Array(bytes);
      const job: PdfJob = { bytes: copy, meta, limits };
      worker.postMessage(job, [copy.buffer]);
    });
  } finally {
    release();
  }
}
