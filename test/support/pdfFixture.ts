/**
 * A tiny PDF writer for tests: real PDF syntax (objects, content streams, xref table, trailer)
 * with text placed at given positions in Helvetica, so the PDF parser is tested on documents
 * the project makes itself. Characters outside printable ASCII are given codes through a font
 * `/Differences` array with their glyph names (`fi`, `uniE001`…), which pdf.js maps back to
 * Unicode — enough for ligatures and unmappable private-use glyphs.
 */

/** One run of text placed on a page (PDF points, origin bottom-left). */
export interface FixtureText {
  text: string;
  x: number;
  y: number;
  /** Font size in points; 10 by default. */
  size?: number;
  /** Set bottom-to-top, turned 90° (arXiv's identifier stamp in the left margin). */
  rotate?: boolean;
}

/** A page: free-placed text and/or generated layouts. */
export interface FixturePage {
  /** Text runs, written to the content stream in this order (which need not be reading order). */
  texts?: FixtureText[];
  /** Paragraphs of lines set in one column from the top margin down. */
  paragraphs?: string[][];
  /** Two columns of paragraphs: left, then right, each from the top margin down. */
  columns?: [string[][], string[][]];
  /** A full-width line above the columns or paragraphs (a title, a heading). */
  heading?: string;
  /** A running header at the top of the page. */
  header?: string;
  /** A running footer at the bottom of the page. */
  footer?: string;
  /** A page number (or "Page 3 of 9") at the bottom centre; emitted FIRST in the stream, as in ACL papers. */
  pageLabel?: string;
  /** No text at all: only a filled rectangle, like a scanned page's image. */
  noText?: boolean;
}

/** Document-level options. */
export interface FixtureOptions {
  title?: string;
  author?: string;
  /** PDF date string, e.g. `D:20200902120000Z`. */
  creationDate?: string;
  /** Adds a Standard security handler whose password check fails: pdf.js asks for a password. */
  encrypted?: boolean;
  width?: number;
  height?: number;
}

/** Glyph names pdf.js maps to these characters. */
const GLYPH_NAMES: Record<string, string> = {
  '\uFB00': 'ff',
  '\uFB01': 'fi',
  '\uFB02': 'fl',
  '\uFB03': 'ffi',
  '\uFB04': 'ffl',
  '\u2013': 'endash',
  '\u2014': 'emdash',
  '\u2019': 'quoteright',
};

const LINE_GAP = 12;
const PARA_GAP = 10;

/** Builds a PDF with the given pages. */
export function buildPdf(pages: FixturePage[], opts: FixtureOptions = {}): Uint8Array {
  const width = opts.width ?? 612;
  const height = opts.height ?? 792;
  const codes = new Map<string, number>();
  let nextCode = 128;
  const encodeChar = (ch: string): string => {
    const cp = ch.codePointAt(0)!;
    if (cp >= 32 && cp < 127) return ch === '(' || ch === ')' || ch === '\\' ? `\\${ch}` : ch;
    let code = codes.get(ch);
    if (code === undefined) {
      code = nextCode++;
      if (code > 255) throw new Error('pdfFixture: too many distinct non-ASCII characters');
      codes.set(ch, code);
    }
    return `\\${code.toString(8).padStart(3, '0')}`;
  };
  const encodeText = (s: string) => [...s].map(encodeChar).join('');
  const show = (t: FixtureText) =>
    t.rotate
      ? `BT /F1 ${t.size ?? 10} Tf 0 1 -1 0 ${t.x.toFixed(2)} ${t.y.toFixed(2)} Tm (${encodeText(t.text)}) Tj ET`
      : `BT /F1 ${t.size ?? 10} Tf ${t.x.toFixed(2)} ${t.y.toFixed(2)} Td (${encodeText(t.text)}) Tj ET`;

  const streams = pages.map((page) => {
    const ops: string[] = [];
    if (page.noText) return '0.5 g 72 72 468 648 re f';
    if (page.pageLabel) ops.push(show({ text: page.pageLabel, x: width / 2 - 10, y: 40 }));
    if (page.header) ops.push(show({ text: page.header, x: 72, y: height - 40, size: 9 }));
    let top = height - 72;
    if (page.heading) {
      ops.push(show({ text: page.heading, x: 72, y: top, size: 14 }));
      top -= 30;
    }
    const setColumn = (paras: string[][], x: number) => {
      let y = top;
      for (const para of paras) {
        for (const line of para) {
          ops.push(show({ text: line, x, y }));
          y -= LINE_GAP;
        }
        y -= PARA_GAP;
      }
    };
    if (page.paragraphs) setColumn(page.paragraphs, 72);
    if (page.columns) {
      setColumn(page.columns[0], 72);
      setColumn(page.columns[1], width / 2 + 14);
    }
    for (const t of page.texts ?? []) ops.push(show(t));
    if (page.footer) ops.push(show({ text: page.footer, x: 72, y: 24, size: 9 }));
    return ops.join('\n');
  });

  // Objects: 1 catalog, 2 pages, 3 font, 4 info, then per page: page object + content stream.
  const objects: string[] = [];
  const pageIds = pages.map((_, i) => 5 + i * 2);
  objects[1] = '<< /Type /Catalog /Pages 2 0 R >>';
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pages.length} >>`;
  const diffs = [...codes].map(([ch, code]) => `${code} /${GLYPH_NAMES[ch] ?? `uni${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`}`).join(' ');
  objects[3] = `<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Type /Encoding /BaseEncoding /WinAnsiEncoding${diffs ? ` /Differences [${diffs}]` : ''} >> >>`;
  const info: string[] = [];
  if (opts.title) info.push(`/Title (${escapeLiteral(opts.title)})`);
  if (opts.author) info.push(`/Author (${escapeLiteral(opts.author)})`);
  if (opts.creationDate) info.push(`/CreationDate (${escapeLiteral(opts.creationDate)})`);
  objects[4] = `<< ${info.join(' ')} >>`;
  pages.forEach((_, i) => {
    const id = pageIds[i];
    objects[id] = `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${width} ${height}] /Resources << /Font << /F1 3 0 R >> >> /Contents ${id + 1} 0 R >>`;
    const body = streams[i];
    objects[id + 1] = `<< /Length ${Buffer.byteLength(body, 'latin1')} >>\nstream\n${body}\nendstream`;
  });
  let encryptId: number | undefined;
  if (opts.encrypted) {
    encryptId = objects.length;
    objects[encryptId] = `<< /Filter /Standard /V 1 /R 2 /O <${'5a'.repeat(32)}> /U <${'c3'.repeat(32)}> /P -44 >>`;
  }

  let out = '%PDF-1.4\n%\xE2\xE3\xCF\xD3\n';
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = Buffer.byteLength(out, 'latin1');
    out += `${id} 0 obj\n${objects[id]}\nendobj\n`;
  }
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id++) out += `${String(offsets[id]).padStart(10, '0')} 00000 n \n`;
  const fileId = '<0123456789abcdef0123456789abcdef>';
  out += `trailer\n<< /Size ${objects.length} /Root 1 0 R /Info 4 0 R${encryptId ? ` /Encrypt ${encryptId} 0 R /ID [${fileId} ${fileId}]` : ''} >>\nstartxref\n${xref}\n%%EOF\n`;
  return new Uint8Array(Buffer.from(out, 'latin1'));
}

function escapeLiteral(s: string): string {
  return s.replace(/[()\\]/g, (c) => `\\${c}`);
}

/** The first `fraction` of the bytes: a download cut short. */
export function truncatePdf(bytes: Uint8Array, fraction: number): Uint8Array {
  return bytes.slice(0, Math.max(1, Math.floor(bytes.length * fraction)));
}

/** A PDF header followed by bytes that are no PDF structure at all. */
export function corruptPdf(): Uint8Array {
  return new Uint8Array(Buffer.from('%PDF-1.7\n' + 'garbage '.repeat(64), 'latin1'));
}

/** Lines of filler prose, numbered so tests can check order: `${tag} line 1 of prose …`. */
export function proseLines(tag: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${tag} line ${i + 1} of steady prose here`);
}
