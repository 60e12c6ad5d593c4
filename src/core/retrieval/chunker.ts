import type { ParsedSource, Passage, PassageLocation } from '../sources/sourceTypes';
import { estimateTokens } from './tokenCount';

export interface ChunkOptions {
  /** Aim for chunks of about this many tokens. */
  targetTokens?: number;
  /** Split blocks larger than this at sentence boundaries. */
  maxTokens?: number;
}

function sameUnit(a: PassageLocation, b: PassageLocation): boolean {
  return a.section === b.section && (a.page === undefined || a.page === b.page);
}

function merge(a: PassageLocation, b: PassageLocation): PassageLocation {
  return {
    ...a,
    ...(b.page !== undefined && b.page !== a.page ? { endPage: b.page } : {}),
    ...(b.endLine !== undefined ? { endLine: b.endLine } : {}),
  };
}

function splitSentences(text: string, maxTokens: number): string[] {
  const sentences = text.match(/[^.!?]+(?:[.!?]+["')\]]*\s*|$)/g) ?? [text];
  const out: string[] = [];
  let cur = '';
  for (const s of sentences) {
    if (cur && estimateTokens(cur + s) > maxTokens) {
      out.push(cur.trim());
      cur = '';
    }
    cur += s;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/**
 * Chunks a source into citable passages `P1…Pn` in reading order: consecutive blocks of the same
 * section (and page) are merged up to the target size; oversized blocks are split at sentences.
 * The same source always gives the same ids.
 */
export function chunkSource(src: ParsedSource, opts: ChunkOptions = {}): Passage[] {
  const target = opts.targetTokens ?? 220;
  const max = opts.maxTokens ?? 400;
  const pieces: { text: string; location: PassageLocation }[] = [];
  for (const b of src.blocks) {
    if (estimateTokens(b.text) > max) for (const s of splitSentences(b.text, target)) pieces.push({ text: s, location: b.location });
    else pieces.push(b);
  }
  const out: Passage[] = [];
  let cur: { text: string; location: PassageLocation } | undefined;
  for (const p of pieces) {
    if (cur && sameUnit(cur.location, p.location) && estimateTokens(cur.text) + estimateTokens(p.text) <= target) {
      cur = { text: `${cur.text}\n\n${p.text}`, location: merge(cur.location, p.location) };
    } else {
      if (cur) out.push({ id: `P${out.length + 1}`, ...cur });
      cur = { ...p };
    }
  }
  if (cur) out.push({ id: `P${out.length + 1}`, ...cur });
  return out;
}
