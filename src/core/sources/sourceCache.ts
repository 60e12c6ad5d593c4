import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ParsedSource } from './sourceTypes';
import { writeFileAtomic } from '../dataset/jsonlFile';

/** Bumped whenever a parser changes its output, so stale cache entries are parsed again. */
export const PARSER_VERSION = 1;

/**
 * Parsed sources on disk, keyed by content hash and parser version: reopening a paper skips
 * parsing, across restarts. A cache entry that cannot be read is ignored (and parsed again).
 */
export class SourceCache {
  constructor(readonly dir: string) {}

  private file(hash: string): string {
    return path.join(this.dir, `${hash}.v${PARSER_VERSION}.json`);
  }

  get(hash: string): ParsedSource | undefined {
    try {
      const parsed = JSON.parse(fs.readFileSync(this.file(hash), 'utf8')) as ParsedSource;
      if (parsed?.ref?.contentHash !== hash || !Array.isArray(parsed.blocks)) return undefined;
      return parsed;
    } catch {
      return undefined;
    }
  }

  put(source: ParsedSource): void {
    try {
      writeFileAtomic(this.file(source.ref.contentHash), JSON.stringify(source));
    } catch {
      // A cache that cannot be written only costs time.
    }
  }
}
