/**
 * Cleans PDF lines into paragraphs: removes running headers, footers and page numbers, splits
 * paragraphs, joins hyphenated line ends and normalises ligatures. Pure functions over plain data.
 */
import type { LayoutLine } from './pdfLayout';

/** Characters that are compatibility forms of plain text; NFKC is applied to these only. */
const COMPAT = /[\uFB00-\uFB06\uFF01-\uFF5E\u00A0\u2000-\u200A\u202F\u205F\u3000]/g;

/**
 * Normalises ligatures (ﬁ → fi), full-width letters and odd spaces, and drops zero-width marks.
 * Not full NFKC: that would turn x² into x2 and change the meaning of formulas.
 */
export function normaliseText(s: string): string {
  return s.replace(/[\u200B-\u200D\u2060\uFEFF]/g, '').replace(COMPAT, (c) => c.normalize('NFKC'));
}

/** A line's text with digits folded, so "Page 3" and "Page 4" count as the same running footer. */
function shape(text: string): string {
  return text.toLowerCase().replace(/\d+/g, '#').replace(/\s+/g, ' ').trim();
}

const PAGE_NUMBER = /^(?:page\s*)?[-–—]?\s*#\s*[-–—]?(?:\s*(?:of|\/)\s*#)?$|^[ivxlc]{1,6}$/;

/** Lines in the top or bottom 7.5% of a page; body text of a one-inch-margin page starts just inside. */
function inMargin(line: LayoutLine, pageHeight: number): boolean {
  return line.y > pageHeight * 0.925 || line.y < pageHeight * 0.075;
}

/** The two highest and two lowest lines: where a page scaled into wide margins keeps its number. */
function extremeLines(lines: LayoutLine[]): Set<LayoutLine> {
  const byY = [...lines].sort((a, b) => b.y - a.y);
  return new Set([...byY.slice(0, 2), ...byY.slice(-2)]);
}

/**
 * Removes running headers and footers (margin lines whose digit-folded text recurs on at least
 * 30% of pages) and page numbers (bare numbers, "Page 3 of 9", in the margins or at the very top
 * or bottom of the page).
 */
export function dropRunningLines(pages: LayoutLine[][], pageHeights: number[]): LayoutLine[][] {
  const counts = new Map<string, number>();
  pages.forEach((lines, i) => {
    const seen = new Set(lines.filter((l) => inMargin(l, pageHeights[i])).map((l) => shape(l.text)));
    for (const s of seen) counts.set(s, (counts.get(s) ?? 0) + 1);
  });
  const threshold = Math.max(2, Math.ceil(pages.length * 0.3));
  return pages.map((lines, i) => {
    const extreme = extremeLines(lines);
    return lines.filter((l) => {
      const margin = inMargin(l, pageHeights[i]);
      if (!margin && !extreme.has(l)) return true;
      const sh = shape(l.text);
      if (PAGE_NUMBER.test(sh)) return false;
      return !margin || pages.length < 2 || (counts.get(sh) ?? 0) < threshold;
    });
  });
}

function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Splits a page's lines into paragraphs (lists of line texts): a new paragraph starts at a new
 * group (column or band), a vertical gap wider than the usual line spacing, a change of font size,
 * an indented first line, or after a short line ending a sentence.
 */
export function toParagraphs(lines: LayoutLine[]): { lines: string[]; group: number }[] {
  const gaps: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const g = lines[i - 1].y - lines[i].y;
    if (lines[i].group === lines[i - 1].group && g > 0) gaps.push(g);
  }
  const spacing = median(gaps) || 12;
  const edges = new Map<number, { left: number; right: number }>();
  for (const l of lines) {
    const e = edges.get(l.group);
    if (!e) edges.set(l.group, { left: l.x, right: l.xEnd });
    else {
      e.left = Math.min(e.left, l.x);
      e.right = Math.max(e.right, l.xEnd);
    }
  }
  const out: { lines: string[]; group: number }[] = [];
  let cur: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const prev = lines[i - 1];
    let split = !prev || prev.group !== l.group;
    if (!split && prev) {
      const e = edges.get(l.group)!;
      const gap = prev.y - l.y;
      const em = l.fontSize || 10;
      const indented = l.x - e.left > em * 0.6 && l.x - e.left < em * 4 && Math.abs(l.x - prev.x) > em * 0.6;
      const shortEnd = prev.xEnd < e.right - em * 3 && /[.!?:]["”’)]?$/.test(prev.text);
      split = gap > spacing * 1.3 || gap < 0 || Math.abs(l.fontSize - prev.fontSize) > 1 || indented || shortEnd;
    }
    if (split && cur.length) {
      out.push({ lines: cur, group: prev!.group });
      cur = [];
    }
    cur.push(l.text);
  }
  if (cur.length) out.push({ lines: cur, group: lines[lines.length - 1].group });
  return out;
}

/**
 * How often the document writes each word inside a line, to decide line-end hyphens: hyphenated
 * words ("prefix-tuning") and plain ones ("language"), lower-cased.
 */
export type Vocabulary = Map<string, number>;

export function buildVocabulary(texts: Iterable<string>): Vocabulary {
  const counts: Vocabulary = new Map();
  for (const t of texts) {
    for (const m of t.matchAll(/[A-Za-z]+(?:-[A-Za-z]+)*/g)) {
      const w = m[0].toLowerCase();
      counts.set(w, (counts.get(w) ?? 0) + 1);
    }
  }
  return counts;
}

/**
 * Joins a paragraph's lines. A line-end hyphen is dropped ("lan-" + "guage" → "language") unless
 * the next line starts with a capital or digit ("GPT-" + "3"), or the document writes the word
 * with a hyphen elsewhere at least as often as without ("prefix-" + "tuning"), or the word is
 * already a compound ("table-to-" + "text") not written joined elsewhere.
 */
export function joinLines(lines: string[], vocab?: Vocabulary): string {
  let out = '';
  for (const raw of lines) {
    const line = raw.trim();
    if (!line) continue;
    if (!out) {
      out = line;
      continue;
    }
    const soft = /[A-Za-z]\u00AD$/.test(out);
    const hyph = /[A-Za-z][-\u2010]$/.test(out);
    if (soft) {
      out = out.slice(0, -1) + line;
    } else if (hyph && /^[a-z]/.test(line)) {
      const before = /([A-Za-z]+(?:-[A-Za-z]+)*)[-\u2010]$/.exec(out)?.[1].toLowerCase() ?? '';
      const after = /^[a-z]+/.exec(line)?.[0] ?? '';
      const lastPart = before.split('-').pop() ?? before;
      const joined = lastPart + after;
      const asCompound = vocab?.get(`${before}-${after}`) ?? 0;
      const asWord = vocab?.get(joined) ?? 0;
      const keep = asCompound > 0 ? asCompound >= asWord : before.includes('-') && asWord === 0;
      out = keep ? out.slice(0, -1) + '-' + line : out.slice(0, -1) + line;
    } else if (hyph) {
      out += line;
    } else {
      out += ' ' + line;
    }
  }
  return normaliseText(out);
}

/** True when a paragraph seems to stop mid-sentence and the next one to continue it. */
export function continues(prevText: string, nextText: string): boolean {
  return /[A-Za-z,;-]$/.test(prevText) && /^[a-z]/.test(nextText);
}

/**
 * Share of characters that are unmappable glyphs: private-use code points, U+FFFD, and the
 * dashed arrows and check marks that math fonts without a Unicode map turn into (⇡✓ for πθ).
 */
export function garbageRatio(text: string): { bad: number; ratio: number } {
  if (!/[\uE000-\uF8FF\uFFFD\u21E0-\u21FF]/.test(text)) return { bad: 0, ratio: 0 };
  const chars = text.replace(/\s/g, '');
  let bad = chars.match(/[\uE000-\uF8FF\uFFFD\u21E0-\u21FF]/g)?.length ?? 0;
  // A check mark is garbage only next to the arrows; alone it is a table's tick.
  if (bad) bad += chars.match(/(?<=[\u21E0-\u21FF])\u2713|\u2713(?=[\u21E0-\u21FF])/g)?.length ?? 0;
  return { bad, ratio: bad / chars.length };
}
