import type { PassageLocation, SourceBlock } from '../sources/sourceTypes';
import { citationLabel } from './citations';

/** What a label is made from: a passage's id, place and text. */
export interface LabelledPassage {
  id: string;
  text: string;
  location: PassageLocation;
}

/** `§3.2 p. 6`, `p. 6`, `pp. 6–7`; text formats keep `§2, lines 40–52`. */
function baseLabel(loc: PassageLocation): string {
  if (loc.page === undefined) return citationLabel(loc);
  const pages = loc.endPage && loc.endPage !== loc.page ? `pp. ${loc.page}–${loc.endPage}` : `p. ${loc.page}`;
  return loc.sectionNumber ? `§${loc.sectionNumber} ${pages}` : pages;
}

const fold = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * The paragraph on its first page where a passage starts (1-based): the first block of that page
 * whose text opens the passage. Undefined when the blocks do not say (a library selection).
 */
function paragraphOf(p: LabelledPassage, blocks: readonly SourceBlock[] | undefined): number | undefined {
  if (!blocks || p.location.page === undefined) return undefined;
  const head = fold(p.text).slice(0, 60);
  let n = 0;
  for (const b of blocks) {
    if (b.location.page !== p.location.page) continue;
    n++;
    const text = fold(b.text);
    // A long block split at sentences: the passage starts inside it.
    if (text.startsWith(head) || (head.length >= 20 && text.includes(head))) return n;
  }
  return undefined;
}

/**
 * Labels a reader can tell apart: each passage's place (`§3.2 p. 6`, `§2, lines 40–52`); two
 * passages that would look the same get their paragraph on the page (`p. 6 ¶2`, `p. 6 ¶5`), and
 * in the last resort their id. The labels of one set are unique, so a label can stand for its
 * passage in text the researcher edits and be mapped back to the id.
 */
export function passageLabels(passages: readonly LabelledPassage[], blocks?: readonly SourceBlock[]): Map<string, string> {
  const base = new Map(passages.map((p) => [p.id, baseLabel(p.location)]));
  const count = new Map<string, number>();
  for (const l of base.values()) count.set(l, (count.get(l) ?? 0) + 1);
  const labels = new Map<string, string>();
  for (const p of passages) {
    let label = base.get(p.id)!;
    if ((count.get(label) ?? 0) > 1) {
      const para = paragraphOf(p, blocks);
      if (para !== undefined) label = `${label} ¶${para}`;
    }
    labels.set(p.id, label);
  }
  // Still the same (no paragraph known, or one paragraph split in two): the id tells them apart.
  const seen = new Map<string, number>();
  for (const l of labels.values()) seen.set(l, (seen.get(l) ?? 0) + 1);
  for (const [id, l] of labels) if ((seen.get(l) ?? 0) > 1) labels.set(id, `${l} (${id})`);
  return labels;
}

/** A passage's text as a hover shows it: white space folded, control characters gone, bounded. */
export function quoteForHover(text: string, max = 600): string {
  // eslint-disable-next-line no-control-regex
  const clean = fold(text.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, ' '));
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
