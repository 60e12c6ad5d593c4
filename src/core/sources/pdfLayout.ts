/**
 * Turns pdf.js text items into reading-order lines and paragraphs: splits lines at wide gaps,
 * detects two-column pages, drops running headers, footers and page numbers, joins hyphenated
 * line ends and normalises ligatures. Pure functions over plain data, so they are testable
 * without a PDF.
 */

/** A positioned piece of text, as pdf.js reports it (origin bottom-left). */
export interface TextPiece {
  str: string;
  x: number;
  y: number;
  width: number;
  fontSize: number;
}

/** A line segment in reading order. */
export interface LayoutLine {
  text: string;
  x: number;
  xEnd: number;
  y: number;
  fontSize: number;
}

const LIGATURES: Record<string, string> = { '\uFB00': 'ff', '\uFB01': 'fi', '\uFB02': 'fl', '\uFB03': 'ffi', '\uFB04': 'ffl', '\uFB05': 'st', '\uFB06': 'st' };

export function normaliseLigatures(s: string): string {
  return s.replace(/[\uFB00-\uFB06]/g, (c) => LIGATURES[c] ?? c);
}

function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Groups pieces into line segments: same baseline, no gap wider than ~1.5 em between pieces. */
export function toSegments(pieces: TextPiece[]): LayoutLine[] {
  const items = pieces.filter((p) => p.str.length > 0).sort((a, b) => b.y - a.y || a.x - b.x);
  const rows: TextPiece[][] = [];
  for (const p of items) {
    const row = rows[rows.length - 1];
    const tol = Math.max(1.5, p.fontSize * 0.4);
    if (row && Math.abs(row[0].y - p.y) <= tol) row.push(p);
    else rows.push([p]);
  }
  const segments: LayoutLine[] = [];
  for (const row of rows) {
    row.sort((a, b) => a.x - b.x);
    let cur: LayoutLine | undefined;
    for (const p of row) {
      const gap = cur ? p.x - cur.xEnd : 0;
      if (cur && gap < Math.max(p.fontSize, cur.fontSize) * 1.5) {
        const needsSpace = gap > p.fontSize * 0.15 && !cur.text.endsWith(' ') && !p.str.startsWith(' ');
        cur.text += (needsSpace ? ' ' : '') + p.str;
        cur.xEnd = Math.max(cur.xEnd, p.x + p.width);
        cur.fontSize = Math.max(cur.fontSize, p.fontSize);
      } else {
        if (cur) segments.push(cur);
        cur = { text: p.str, x: p.x, xEnd: p.x + p.width, y: p.y, fontSize: p.fontSize };
      }
    }
    if (cur) segments.push(cur);
  }
  return segments.map((s) => ({ ...s, text: s.text.replace(/\s+/g, ' ').trim() })).filter((s) => s.text);
}

/**
 * Orders segments for reading. On a two-column page (enough segments wholly left and wholly right
 * of the middle), full-width lines above the columns come first, then the left column, then the
 * right, then full-width lines below.
 */
export function readingOrder(segments: LayoutLine[], pageWidth: number): LayoutLine[] {
  const mid = pageWidth / 2;
  const margin = pageWidth * 0.02;
  const left = segments.filter((s) => s.xEnd <= mid + margin);
  const right = segments.filter((s) => s.x >= mid - margin);
  const textLen = (xs: LayoutLine[]) => xs.reduce((n, s) => n + s.text.length, 0);
  const total = textLen(segments) || 1;
  const twoColumn = textLen(left) / total > 0.25 && textLen(right) / total > 0.25 && left.length >= 5 && right.length >= 5;
  if (!twoColumn) return segments;
  const full = segments.filter((s) => !left.includes(s) && !right.includes(s));
  const colTop = Math.max(...[...left, ...right].map((s) => s.y));
  const colBottom = Math.min(...[...left, ...right].map((s) => s.y));
  const above = full.filter((s) => s.y > colTop);
  const below = full.filter((s) => s.y < colBottom);
  const inside = full.filter((s) => s.y <= colTop && s.y >= colBottom);
  const byY = (a: LayoutLine, b: LayoutLine) => b.y - a.y || a.x - b.x;
  return [...above.sort(byY), ...[...left, ...inside].sort(byY), ...right.sort(byY), ...below.sort(byY)];
}

/** A line's text with digits folded, so "Page 3" and "Page 4" count as the same running footer. */
function shape(text: string): string {
  return text.toLowerCase().replace(/\d+/g, '#').replace(/\s+/g, ' ').trim();
}

const PAGE_NUMBER = /^(page\s*)?#(\s*(of|\/)\s*#)?$/;

/**
 * Removes running headers and footers: lines among the first or last two of a page whose shape
 * recurs on at least half the pages (three or more), and bare page numbers.
 */
export function dropRunningLines(pages: LayoutLine[][]): LayoutLine[][] {
  const counts = new Map<string, number>();
  const edge = (lines: LayoutLine[]) => {
    const byY = [...lines].sort((a, b) => b.y - a.y);
    return new Set([...byY.slice(0, 2), ...byY.slice(-2)]);
  };
  const edges = pages.map(edge);
  for (const set of edges) {
    for (const s of new Set([...set].map((l) => shape(l.text)))) counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  const threshold = Math.max(3, Math.ceil(pages.length / 2));
  return pages.map((lines, i) =>
    lines.filter((l) => {
      if (!edges[i].has(l)) return true;
      const sh = shape(l.text);
      if (PAGE_NUMBER.test(sh)) return false;
      return pages.length < 3 || (counts.get(sh) ?? 0) < threshold;
    }),
  );
}

/** Joins lines into paragraphs, splitting at vertical gaps and column breaks; de-hyphenates. */
export function toParagraphs(lines: LayoutLine[]): string[] {
  const gaps: number[] = [];
  for (let i = 1; i < lines.length; i++) {
    const g = lines[i - 1].y - lines[i].y;
    if (g > 0) gaps.push(g);
  }
  const spacing = median(gaps) || 12;
  const paragraphs: string[][] = [];
  let cur: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const prev = lines[i - 1];
    const l = lines[i];
    const gap = prev ? prev.y - l.y : 0;
    const newPara = !prev || gap > spacing * 1.6 || gap < -spacing || Math.abs(l.fontSize - prev.fontSize) > 1.5;
    if (newPara && cur.length) {
      paragraphs.push(cur);
      cur = [];
    }
    cur.push(l.text);
  }
  if (cur.length) paragraphs.push(cur);
  return paragraphs.map((p) => dehyphenate(p)).filter((p) => p.trim());
}

/** "lan-" + "guage" → "language"; a hyphen before a capital or digit is kept ("GPT-" + "3"). */
export function dehyphenate(lines: string[]): string {
  let out = '';
  for (const line of lines) {
    if (!out) out = line;
    else if (/[a-z]-$/i.test(out) && /^[a-z]/.test(line)) out = out.slice(0, -1) + line;
    else out += (out.endsWith('-') ? '' : ' ') + line;
  }
  return normaliseLigatures(out);
}

/** Share of characters that are unmappable glyphs: private-use code points, U+FFFD, broken-math-font arrows. */
export function garbageRatio(text: string): number {
  const chars = text.replace(/\s/g, '');
  if (!chars.length) return 0;
  const bad = chars.match(/[\uE000-\uF8FF\uFFFD\u21E0-\u21FF\u2713\u2717]/g)?.length ?? 0;
  return bad / chars.length;
}
