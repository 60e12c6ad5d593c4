import * as path from 'node:path';
import type { ParsedSource } from '../core/sources/sourceTypes';
import type { SourceCache } from '../core/sources/sourceCache';
import { loadSourceFile } from '../core/sources/loadSource';

/** A source named on the command line: a file path (arXiv ids are added by the papers feature). */
export async function loadSourceArg(
  arg: string,
  opts: { cwd: string; cache: SourceCache; cacheDir: string; signal?: AbortSignal; timeoutMs: number },
): Promise<ParsedSource> {
  return loadSourceFile(path.resolve(opts.cwd, arg), { cache: opts.cache, signal: opts.signal });
}
