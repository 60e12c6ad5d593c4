import type { Passage, PassageLocation } from '../sources/sourceTypes';

/** `p. 6`, `pp. 6–7`, `§2, lines 40–52`, `lines 40–52`. */
export function citationLabel(loc: PassageLocation): string {
  if (loc.page !== undefined) return loc.endPage && loc.endPage !== loc.page ? `pp. ${loc.page}–${loc.endPage}` : `p. ${loc.page}`;
  const lines =
    loc.startLine !== undefined ? (loc.endLine !== undefined && loc.endLine !== loc.startLine ? `lines ${loc.startLine}–${loc.endLine}` : `line ${loc.startLine}`) : '';
  const sec = loc.sectionNumber ? `§${loc.sectionNumber}` : '';
  return [sec, lines].filter(Boolean).join(', ') || (loc.section ?? 'source');
}

/** A citation found in an answer. `valid` is false when no passage given to the model has that id. */
export interface FoundCitation {
  id: string;
  valid: boolean;
  label?: string;
  passage?: Passage;
  /** Offset of the bracket in the answer. */
  index: number;
}

const GROUP = /\[((?:P\d+)(?:\s*[,;]\s*P\d+)*)\]/g;

/** Finds `[P3]`, `[P3, P5]` and `[P3][P4]` in an answer. */
export function extractCitations(answer: string, passages: readonly Passage[]): FoundCitation[] {
  const byId = new Map(passages.map((p) => [p.id, p]));
  const out: FoundCitation[] = [];
  for (const m of answer.matchAll(GROUP)) {
    for (const id of m[1].split(/\s*[,;]\s*/)) {
      const passage = byId.get(id);
      out.push({ id, valid: !!passage, passage, label: passage ? citationLabel(passage.location) : undefined, index: m.index ?? 0 });
    }
  }
  return out;
}

/** The answer with `[P3]` replaced by `[p. 6]`; an id that matches no passage becomes `[P99?]`. */
export function renderCitations(answer: string, passages: readonly Passage[]): string {
  const byId = new Map(passages.map((p) => [p.id, p]));
  return answer.replace(GROUP, (_m, ids: string) =>
    ids
      .split(/\s*[,;]\s*/)
      .map((id) => {
        const p = byId.get(id);
        return p ? `[${citationLabel(p.location)}]` : `[${id}?]`;
      })
      .join(''),
  );
}
