/**
 * Turns positioned pdf.js text items into lines in reading order. Pure functions over plain
 * data, so they are testable without a PDF.
 *
 * Two-column pages are found by a gutter: a vertical strip near the middle that almost no text
 * crosses. Text wholly on one side belongs to that column; text clearly crossing it (a title, a
 * full-width figure caption, a footer) splits the page into bands, each read left column, right
 * column, then the full-width line itself — so full-width lines stay where they are.
 */

/** A positioned piece of text, as pdf.js reports it (PDF points, origin bottom-left). */
export interface TextPiece {
  str: string;
  x: number;
  y: number;
  width: number;
  fontSize: number;
}

/** A line in reading order. */
export interface LayoutLine {
  text: string;
  x: number;
  xEnd: number;
  y: number;
  fontSize: number;
  /** Lines in the same group (one column of one band) flow as prose; a new group starts a new block. */
  group: number;
}

function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Pieces on one baseline. */
export interface Row {
  pieces: TextPiece[];
  y: number;
}

/** Groups pieces sharing a baseline (superscripts included) into rows, top to bottom. */
export function toRows(pieces: TextPiece[]): Row[] {
  const sorted = [...pieces].sort((a, b) => b.y - a.y || a.x - b.x);
  const rows: Row[] = [];
  for (const p of sorted) {
    const row = rows[rows.length - 1];
    // Compare with the row's main baseline: a superscript sits ~0.35 em above it.
    if (row && Math.abs(row.y - p.y) <= Math.max(1.5, p.fontSize * 0.4)) {
      row.pieces.push(p);
      if (p.fontSize > (row.pieces[0]?.fontSize ?? 0) + 1) row.y = p.y;
    } else {
      rows.push({ pieces: [p], y: p.y });
    }
  }
  return rows;
}

/** Joins a row's pieces left to right, inserting a space where the gap between them is a word gap. */
function rowToLine(row: Row, group: number): LayoutLine {
  const pieces = [...row.pieces].sort((a, b) => a.x - b.x);
  let text = '';
  let xEnd = -Infinity;
  let main = pieces[0];
  for (const p of pieces) {
    if (p.str.length > main.str.length) main = p;
    if (text) {
      const gap = p.x - xEnd;
      if (gap > p.fontSize * 0.12 && !/\s$/.test(text) && !/^\s/.test(p.str)) text += ' ';
    }
    text += p.str;
    xEnd = Math.max(xEnd, p.x + p.width);
  }
  return { text: text.replace(/\s+/g, ' ').trim(), x: pieces[0].x, xEnd, y: row.y, fontSize: main.fontSize, group };
}

/**
 * The x of a column gutter when the page has a two-column part, else undefined. The candidate is
 * the strip in the middle quarter of the page crossed by the fewest pieces (full-width tables and
 * captions may cross it); it counts as a gutter when enough rows have text on both sides of it,
 * none across it, and a gap there wider than a word gap, as two columns of prose do.
 */
export function findGutter(pieces: TextPiece[], pageWidth: number, rows: Row[] = toRows(pieces)): number | undefined {
  if (pieces.length < 10 || !(pageWidth > 0)) return undefined;
  const bin = 2;
  const bins = Math.ceil(pageWidth / bin);
  // Coverage per 2-pt bin through a difference array: one pass over pieces, one over bins.
  const cover = new Int32Array(bins + 1);
  for (const p of pieces) {
    const from = Math.min(bins - 1, Math.max(0, Math.floor(p.x / bin)));
    const to = Math.min(bins - 1, Math.max(from, Math.floor((p.x + p.width) / bin)));
    cover[from]++;
    cover[to + 1]--;
  }
  for (let i = 1; i <= bins; i++) cover[i] += cover[i - 1];
  const lo = Math.floor((pageWidth * 0.38) / bin);
  const hi = Math.min(bins - 1, Math.ceil((pageWidth * 0.62) / bin));
  let min = Infinity;
  for (let i = lo; i <= hi; i++) min = Math.min(min, cover[i]);
  // The strip of least coverage, widened over near-minimal bins: small figure labels may narrow it.
  const slack = Math.max(1, min * 0.1);
  let best: [number, number] | undefined;
  let start = -1;
  for (let i = lo; i <= hi + 1; i++) {
    const low = i <= hi && cover[i] <= min + slack;
    if (low && start < 0) start = i;
    if (!low && start >= 0) {
      if (!best || i - start > best[1] - best[0]) best = [start, i];
      start = -1;
    }
  }
  if (!best) return undefined;
  const gutter = ((best[0] + best[1]) / 2) * bin;
  let leftRows = 0;
  let rightRows = 0;
  let sidedChars = 0;
  let total = 0;
  const gaps: number[] = [];
  const sizes: number[] = [];
  for (const row of rows) {
    const chars = row.pieces.reduce((n, p) => n + p.str.length, 0);
    total += chars;
    if (row.pieces.some((p) => p.x < gutter - 0.5 && p.x + p.width > gutter + 0.5)) continue;
    let leftEnd = -Infinity;
    let rightStart = Infinity;
    for (const p of row.pieces) {
      if (p.x + p.width <= gutter + 0.5) leftEnd = Math.max(leftEnd, p.x + p.width);
      else rightStart = Math.min(rightStart, p.x);
      sizes.push(p.fontSize);
    }
    if (leftEnd > -Infinity) leftRows++;
    if (rightStart < Infinity) rightRows++;
    if (leftEnd > -Infinity && rightStart < Infinity) gaps.push(rightStart - leftEnd);
    sidedChars += chars;
  }
  // Columns are separated by a gutter wider than a word gap on every row that has both.
  const em = median(sizes) || 10;
  if (gaps.length < 4 || median(gaps) < em * 0.9 || leftRows < 5 || rightRows < 5 || sidedChars < total * 0.2) return undefined;
  return gutter;
}

/**
 * Orders a page's pieces into lines for reading: one column top to bottom, or, on a two-column
 * page, band by band (left column, right column, then the full-width line closing the band).
 */
export function layoutPage(pieces: TextPiece[], pageWidth: number): LayoutLine[] {
  const visible = pieces.filter((p) => p.str.trim().length > 0);
  const rows = toRows(visible);
  const gutter = findGutter(visible, pageWidth, rows);
  if (gutter === undefined) return rows.map((r) => rowToLine(r, 0)).filter((l) => l.text);

  // A piece "spans" when it reaches well into both columns; one that only overhangs the gutter
  // (a long URL, a centred page number) goes to the side holding most of it.
  const reach = pageWidth * 0.08;
  const spanning: TextPiece[] = [];
  const sided: { p: TextPiece; side: 0 | 1 }[] = [];
  for (const p of visible) {
    const end = p.x + p.width;
    if (p.x < gutter - reach && end > gutter + reach) spanning.push(p);
    else sided.push({ p, side: (p.x + end) / 2 < gutter ? 0 : 1 });
  }
  const spanRows = toRows(spanning);
  // Sided pieces on a spanning row's baseline belong to it (", pages 4582–4597" after a centred footer).
  const columnPieces: { p: TextPiece; side: 0 | 1 }[] = [];
  for (const s of sided) {
    const row = spanRows.find((r) => Math.abs(r.y - s.p.y) <= Math.max(1.5, s.p.fontSize * 0.4));
    if (row) row.pieces.push(s.p);
    else columnPieces.push(s);
  }
  const bandOf = (y: number) => {
    let band = 0;
    while (band < spanRows.length && spanRows[band].y > y) band++;
    return band;
  };
  const out: LayoutLine[] = [];
  let group = 0;
  for (let band = 0; band <= spanRows.length; band++) {
    for (const side of [0, 1] as const) {
      const inBand = columnPieces.filter((c) => c.side === side && bandOf(c.p.y) === band).map((c) => c.p);
      if (!inBand.length) continue;
      for (const row of toRows(inBand)) out.push(rowToLine(row, group));
      group++;
    }
    if (band < spanRows.length) out.push(rowToLine(spanRows[band], group++));
  }
  return out.filter((l) => l.text);
}
