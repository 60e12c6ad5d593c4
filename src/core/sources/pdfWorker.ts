// The PDF parser's own thread (bundled as dist/pdfWorker.js): a hostile PDF can cost it all its
// heap or all its time, and the thread that asked only sees an error (pdfWorkerClient.ts).
import { parentPort } from 'node:worker_threads';
import { parsePdf, type PdfMeta } from './pdfSource';
import type { PdfLimits } from './pdfLimits';
import { AlignError, InputFileError } from '../errors';

/** A job from pdfWorkerClient.ts. */
export interface PdfJob {
  bytes: Uint8Array;
  meta: PdfMeta;
  limits: PdfLimits;
}

/** A failure as plain data (errors lose their class crossing threads). */
export interface PdfJobError {
  name: string;
  code?: string;
  message: string;
  hint?: string;
  file?: string;
}

// One job at a time; the client keeps a worker warm between papers (and replaces it after a budget stop).
parentPort?.on('message', (job: PdfJob) => {
  parsePdf(job.bytes, job.meta, { limits: job.limits }).then(
    (parsed) => parentPort!.postMessage({ ok: true, parsed }),
    (e: unknown) => {
      const error: PdfJobError = AlignError.is(e)
        ? { name: e.name, code: e.code, message: e.message, hint: e.hint, file: e instanceof InputFileError || typeof (e as { file?: unknown }).file === 'string' ? (e as InputFileError).file : undefined }
        : { name: 'Error', message: e instanceof Error ? e.message : String(e) };
      parentPort!.postMessage({ ok: false, error });
    },
  );
});
