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

/**
 * A normalised copy of text with, for each normalised character, the 1-based line it came from:
 * Markdown emphasis and link syntax removed, quotes and dashes straightened, white space folded,
 * lower case.
 */
function normaliseWithLines(lines: string[], firstLine: number): { text: string; lineOf: number[] } {
  // Characters collected in an array and joined once: appending to a string and asking it
  // `endsWith` flattened it on every character (quadratic in a long section).
  const out: string[] = [];
  let last = '';
  const lineOf: number[] = [];
  lines.forEach((raw, i) => {
    const line = raw
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/[*_`~]+/g, '')
      .replace(/^\s{0,3}(#{1,6}|>|[-+*]|\d+[.)])\s+/, '')
      .replace(/[“”„]/g, '"')
      .replace(/[‘’]/g, "'")
      .replace(/[–—]/g, '-')
      .toLowerCase();
    // White space folded to one space, also across the line break (each line ends in one).
    let piece = `${line} `.replace(/\s+/g, ' ');
    if (last === ' ' && piece[0] === ' ') piece = piece.slice(1);
    if (!piece) return;
    out.push(piece);
    last = piece[piece.length - 1];
    // One entry per character as `for…of` counts them (a surrogate pair is one).
    const count = /[\uD800-\uDFFF]/.test(piece) ? [...piece].length : piece.length;
    for (let k = 0; k < count; k++) lineOf.push(firstLine + i);
  });
  return { text: out.join(''), lineOf };
}

function normaliseQuote(q: string): string {
  return normaliseWithLines([q], 1).text.trim().replace(/^["']|["']$/g, '').replace(/\.\.\.|…/g, ' ').replace(/\s+/g, ' ').trim();
}

function words(s: string): string[] {
  return s.split(/[^a-z0-9']+/).filter(Boolean);
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
  const { text, lineOf } = normaliseWithLines(lines, firstLine);
  const nq = normaliseQuote(q);
  if (nq.length >= 8) {
    const at = text.indexOf(nq);
    if (at >= 0) return withColumns({ startLine: lineOf[at], endLine: lineOf[at + nq.length - 1], match: 'tolerant' }, nq, lines, firstLine);
  }
  // Fuzzy: the window of the draft's words that shares most words with the quote.
  const qWords = words(nq);
  if (qWords.length < 4) return undefined;
  const positions: { word: string; at: number }[] = [];
  for (const m of text.matchAll(/[a-z0-9']+/g)) positions.push({ word: m[0], at: m.index ?? 0 });
  const need = new Map<string, number>();
  for (const w of qWords) need.set(w, (need.get(w) ?? 0) + 1);
  let best: { score: number; from: number; to: number } | undefined;
  const size = qWords.length;
  // A window of `size` words slides over the draft; the words it shares with the quote are kept
  // up to date as one word enters and one leaves, instead of counted again for every window.
  const have = new Map<string, number>();
  let shared = 0;
  const enter = (w: string) => {
    const h = have.get(w) ?? 0;
    if (h < (need.get(w) ?? 0)) shared++;
    have.set(w, h + 1);
  };
  const leave = (w: string) => {
    const h = have.get(w)! - 1;
    have.set(w, h);
    if (h < (need.get(w) ?? 0)) shared--;
  };
  for (let k = 0; k < Math.min(size, positions.length); k++) enter(positions[k].word);
  for (let i = 0; i + Math.max(1, size - 2) <= positions.length; i++) {
    if (i > 0) {
      leave(positions[i - 1].word);
      if (i + size - 1 < positions.length) enter(positions[i + size - 1].word);
    }
    const score = shared / size;
    if (!best || score > best.score) best = { score, from: positions[i].at, to: positions[Math.min(i + size, positions.length) - 1].at };
  }
  if (best && best.score >= minOverlap) return withColumns({ startLine: lineOf[best.from], endLine: lineOf[best.to], match: 'fuzzy' }, nq, lines, firstLine);
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
