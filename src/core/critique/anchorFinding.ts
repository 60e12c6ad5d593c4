/** Where a quote sits in the draft. */
export interface Anchor {
  startLine: number;
  endLine: number;
  /** 0-based column where the quoted sentence starts on `startLine`, when known. */
  startCol?: number;
  /** 0-based column just after the sentence on `endLine`, when known. */
  endCol?: number;
  match: 'exact' | 'tolerant' | 'fuzzy';
}

/** Normalised text, and where each source line's part of it begins (to map an offset back to its line). */
interface NormalisedText {
  text: string;
  /** Offsets in `text` where the parts of `lineNos` begin, ascending. */
  starts: number[];
  lineNos: number[];
}

const STRAIGHT: Record<string, string> = { '“': '"', '”': '"', '„': '"', '‘': "'", '’': "'", '–': '-', '—': '-' };

/**
 * A normalised copy of text: Markdown emphasis and link syntax removed, quotes and dashes
 * straightened, white space folded, lower case; with the offset where each line's part begins.
 * The rewrites run once over the joined lines (each pattern stays within a line), not line by line,
 * and lines are found again by a binary search over their starts, not a per-character table: this
 * pass is most of a critique run's own time when the model's quotes do not appear as written.
 */
function normalise(lines: string[], firstLine: number): NormalisedText {
  const rewritten = lines
    .join('\n')
    .replace(/!?\[([^\]\n]*)\]\([^)\n]*\)/g, '$1')
    .replace(/[*_`~]+/g, '')
    .replace(/^[^\S\n]{0,3}(#{1,6}|>|[-+*]|\d+[.)])[^\S\n]+/gm, '')
    .replace(/[“”„‘’–—]/g, (c) => STRAIGHT[c])
    .toLowerCase()
    // Runs of white space, and single tabs or other spaces, become one space (a lone ' ' is left as is).
    .replace(/[^\S\n]{2,}|[^\S\n ]/g, ' ');
  const parts: string[] = [];
  const starts: number[] = [];
  const lineNos: number[] = [];
  let length = 0;
  let last = '';
  const rows = rewritten.split('\n');
  for (let i = 0; i < rows.length; i++) {
    // White space folded to one space, also across the line break (each line ends in one).
    let piece = rows[i].endsWith(' ') ? rows[i] : `${rows[i]} `;
    if (last === ' ' && piece[0] === ' ') piece = piece.slice(1);
    if (!piece) continue;
    parts.push(piece);
    starts.push(length);
    lineNos.push(firstLine + i);
    length += piece.length;
    last = piece[piece.length - 1];
  }
  return { text: parts.join(''), starts, lineNos };
}

/** The source line of the character at `offset` of the normalised text. */
function lineAt(n: NormalisedText, offset: number): number {
  let lo = 0;
  let hi = n.starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (n.starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return n.lineNos[lo];
}

function normaliseQuote(q: string): string {
  return normalise([q], 1).text.trim().replace(/^["']|["']$/g, '').replace(/\.\.\.|…/g, ' ').replace(/\s+/g, ' ').trim();
}

function words(s: string): string[] {
  return s.split(/[^a-z0-9']+/).filter(Boolean);
}

const isWordChar = (c: number) => (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 39;

/**
 * The words of normalised text (runs of a-z, 0-9 and '), each as the number `idOf` gives it or -1,
 * with its offset. Scanned by character code and compared in place: a regex match and a map
 * lookup per word allocated a string for each of the section's words, though few are the quote's.
 */
function numberWords(text: string, idOf: Map<string, number>): { ids: number[]; offsets: number[] } {
  // The quote's words by their first character (all ASCII: a-z, 0-9 or ').
  const byFirst: { word: string; id: number }[][] = Array.from({ length: 128 }, () => []);
  for (const [word, id] of idOf) byFirst[word.charCodeAt(0)].push({ word, id });
  const ids: number[] = [];
  const offsets: number[] = [];
  for (let i = 0; i < text.length; ) {
    if (!isWordChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let end = i + 1;
    while (end < text.length && isWordChar(text.charCodeAt(end))) end++;
    let id = -1;
    const candidates = byFirst[text.charCodeAt(i)];
    for (let k = 0; k < candidates.length; k++) {
      const c = candidates[k];
      if (c.word.length === end - i && text.startsWith(c.word, i)) {
        id = c.id;
        break;
      }
    }
    ids.push(id);
    offsets.push(i);
    i = end;
  }
  return { ids, offsets };
}

/**
 * Finds the lines a finding's quote comes from, within `lines` (the unit's lines, the first being
 * line `firstLine` of the file): exact text first, then after normalising Markdown and
 * punctuation, then the best window of words if it overlaps at least `minOverlap`. Returns
 * undefined rather than a wrong place.
 */
export function anchorQuote(quote: string, lines: string[], firstLine: number, minOverlap = 0.8): Anchor | undefined {
  const q = quote.trim();
  if (!q) return undefined;
  const joined = lines.join('\n');
  const exact = joined.indexOf(q);
  if (exact >= 0) {
    const before = joined.slice(0, exact).split('\n');
    const startLine = firstLine + before.length - 1;
    const quoteLines = q.split('\n');
    const endLine = startLine + quoteLines.length - 1;
    const startCol = before[before.length - 1].length;
    const endCol = quoteLines.length === 1 ? startCol + q.length : quoteLines[quoteLines.length - 1].length;
    return { startLine, endLine, startCol, endCol, match: 'exact' };
  }
  const normalised = normalise(lines, firstLine);
  const text = normalised.text;
  const nq = normaliseQuote(q);
  if (nq.length >= 8) {
    const at = text.indexOf(nq);
    if (at >= 0) return withColumns({ startLine: lineAt(normalised, at), endLine: lineAt(normalised, at + nq.length - 1), match: 'tolerant' }, nq, lines, firstLine);
  }
  // Fuzzy: the window of the draft's words that shares most words with the quote. The quote's
  // words are numbered; a draft word is its number, or -1 when the quote does not have it.
  const qWords = words(nq);
  if (qWords.length < 4) return undefined;
  const size = qWords.length;
  const idOf = new Map<string, number>();
  const need: number[] = [];
  for (const w of qWords) {
    let id = idOf.get(w);
    if (id === undefined) idOf.set(w, (id = need.push(0) - 1));
    need[id]++;
  }
  const { ids, offsets } = numberWords(text, idOf);
  const seen = new Int32Array(need.length);
  for (const id of ids) if (id >= 0) seen[id]++;
  // No window can share more words than the whole section has: below the bar, stop here.
  let bound = 0;
  for (let k = 0; k < need.length; k++) bound += Math.min(need[k], seen[k]);
  if (bound / size < minOverlap) return undefined;
  let best: { score: number; from: number; to: number } | undefined;
  // A window of `size` words slides over the draft; the words it shares with the quote are kept
  // up to date as one word enters and one leaves, instead of counted again for every window.
  const have = new Int32Array(need.length);
  let shared = 0;
  const enter = (id: number) => {
    if (id < 0) return;
    if (have[id] < need[id]) shared++;
    have[id]++;
  };
  const leave = (id: number) => {
    if (id < 0) return;
    have[id]--;
    if (have[id] < need[id]) shared--;
  };
  const count = ids.length;
  for (let k = 0; k < Math.min(size, count); k++) enter(ids[k]);
  for (let i = 0; i + Math.max(1, size - 2) <= count; i++) {
    if (i > 0) {
      leave(ids[i - 1]);
      if (i + size - 1 < count) enter(ids[i + size - 1]);
    }
    const score = shared / size;
    if (!best || score > best.score) best = { score, from: offsets[i], to: offsets[Math.min(i + size, count) - 1] };
  }
  if (best && best.score >= minOverlap) return withColumns({ startLine: lineAt(normalised, best.from), endLine: lineAt(normalised, best.to), match: 'fuzzy' }, nq, lines, firstLine);
  return undefined;
}

/**
 * For a quote found after normalising: the columns of its first and last words on their lines,
 * so the comment covers the sentence, not the whole paragraph line. Lines stay whole when the
 * words cannot be found as written.
 */
function withColumns(anchor: Anchor, nq: string, lines: string[], firstLine: number): Anchor {
  const qWords = words(nq);
  if (qWords.length < 2) return anchor;
  const startText = lines[anchor.startLine - firstLine] ?? '';
  const endText = lines[anchor.endLine - firstLine] ?? '';
  const wordAt = (line: string, word: string, last: boolean): number => {
    const re = new RegExp(`(?<![a-z0-9'])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![a-z0-9'])`, 'gi');
    const hits = [...line.matchAll(re)].map((m) => m.index ?? 0);
    return hits.length ? (last ? hits[hits.length - 1] : hits[0]) : -1;
  };
  const start = wordAt(startText, qWords[0], false);
  const lastWord = qWords[qWords.length - 1];
  const endAt = wordAt(endText, lastWord, true);
  if (start < 0 || endAt < 0 || (anchor.startLine === anchor.endLine && endAt < start)) return anchor;
  // Through the word and any closing punctuation or emphasis right after it.
  let end = endAt + lastWord.length;
  while (end < endText.length && /[.!?,;:*_`"'”’)\]]/.test(endText[end])) end++;
  return { ...anchor, startCol: start, endCol: end };
}
