import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ParsedSource, SourceBlock } from './sourceTypes';
import { writeFileAtomic } from '../dataset/jsonlFile';

/** Bumped whenever a parser changes its output, so entries from older parsers are parsed again. */
export const PARSER_VERSION = 4;

const KINDS = new Set(['pdf', 'markdown', 'latex', 'html', 'text']);

function isBlock(b: unknown): b is SourceBlock {
  if (typeof b !== 'object' || b === null) return false;
  const { text, location } = b as { text?: unknown; location?: unknown };
  return typeof text === 'string' && typeof location === 'object' && location !== null;
}

/** True when a value read from disk has the shape of a ParsedSource for this hash. */
function isParsedSource(v: unknown, hash: string): v is ParsedSource {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as { ref?: unknown; blocks?: unknown; warnings?: unknown; pageCount?: unknown };
  if (typeof s.ref !== 'object' || s.ref === null) return false;
  const ref = s.ref as { contentHash?: unknown; title?: unknown; kind?: unknown };
  if (ref.contentHash !== hash || typeof ref.title !== 'string' || !KINDS.has(String(ref.kind))) return false;
  if (!Array.isArray(s.blocks) || !s.blocks.every(isBlock)) return false;
  if (!Array.isArray(s.warnings) || !s.warnings.every((w) => typeof w === 'string')) return false;
  return s.pageCount === undefined || typeof s.pageCount === 'number';
}

/**
 * Parsed sources on disk, keyed by content hash and parser version, so reopening a paper skips
 * parsing, across restarts. Entries are written atomically; one that cannot be read or does not
 * look right is ignored (the source is parsed again and the entry rewritten).
 */
export class SourceCache {
  constructor(readonly dir: string) {}

  /** The entry's file: `<sha256>.v<parser version>.json`. */
  fileFor(hash: string): string {
    return path.join(this.dir, `${hash}.v${PARSER_VERSION}.json`);
  }

  get(hash: string): ParsedSource | undefined {
    if (!/^[0-9a-f]{64}$/.test(hash)) return undefined;
    let raw: string;
    try {
      raw = fs.readFileSync(this.fileFor(hash), 'utf8');
    } catch {
      return undefined;
    }
    try {
      const parsed: unknown = JSON.parse(raw);
      return isParsedSource(parsed, hash) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  put(source: ParsedSource): void {
    if (!/^[0-9a-f]{64}$/.test(source.ref.contentHash)) return;
    try {
      writeFileAtomic(this.fileFor(source.ref.contentHash), JSON.stringify(source));
    } catch {
      // A cache that cannot be written only costs time on the next open.
    }
  }
}
