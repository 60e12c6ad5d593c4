import * as path from 'node:path';
import type { ParsedSource } from '../sources/sourceTypes';
import type { ScoredPassage } from '../retrieval/retriever';
import { sha256Hex } from '../sources/hash';

/**
 * The best passages of a library search as one source a task can run on, each passage labelled
 * with its paper (the model is told they are search results, not a whole document).
 */
export function librarySearchSource(folder: string, paperCount: number, passages: readonly ScoredPassage[], skipped: readonly { reason: string }[]): ParsedSource {
  return {
    ref: { title: `Library: ${path.basename(folder)} (${paperCount} papers)`, kind: 'text', contentHash: sha256Hex(passages.map((p) => p.text).join('\n')) },
    blocks: passages.map((p) => ({ text: p.text, location: { ...p.location, section: `${p.source.title}${p.location.section ? ` — ${p.location.section}` : ''}` } })),
    warnings: skipped.map((s) => s.reason),
    selection: true,
  };
}
