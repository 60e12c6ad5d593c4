import * as path from 'node:path';
import type { ParsedSource } from '../core/sources/sourceTypes';
import type { SourceCache } from '../core/sources/sourceCache';
import { loadSourceFile } from '../core/sources/loadSource';
import { loadArxivSource, parseArxivId } from '../core/sources/arxivSource';
import * as fs from 'node:fs';

/** A source named on the command line: a file path, or an arXiv id or URL. */
export async function loadSourceArg(
  arg: string,
  opts: { cwd: string; cache: SourceCache; cacheDir: string; signal?: AbortSignal; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<ParsedSource> {
  const file = path.resolve(opts.cwd, arg);
  if (!fs.existsSync(file) && parseArxivId(arg)) {
    return loadArxivSource(arg, {
      cacheDir: opts.cacheDir,
      cache: opts.cache,
      signal: opts.signal,
      timeoutMs: opts.timeoutMs,
      // For tests and mirrors: where arXiv's API and PDFs are served.
      baseUrl: opts.env?.ALIGN_ARXIV_API_URL,
      pdfBaseUrl: opts.env?.ALIGN_ARXIV_PDF_URL,
    });
  }
  return loadSourceFile(file, { cache: opts.cache, signal: opts.signal });
}
