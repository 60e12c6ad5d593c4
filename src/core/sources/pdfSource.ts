import { pdfHeading, START, type HeadingState, type PdfHeading } from './pdfHeadings';
import { loadUnpdf } from './loadPdfjs';
import type { ParsedSource, SourceBlock, SourceRef } from './sourceTypes';
import { CancelledError, InputFileError } from '../errors';
import { layoutPage, type LayoutLine, type TextPiece } from './pdfLayout';
import { buildVocabulary, continues, dropRunningLines, garbageRatio, joinLines, toParagraphs } from './pdfCleanup';
import { sha256Hex } from './hash';
import { DEFAULT_PDF_LIMITS, checkStreams, longZlibStreams, type PdfLimits } from './pdfLimits';
import { chooseTitle, identifyPaper, linesFromRuns } from './paperIdentity';

/** Largest PDF read: bigger files are refused before they are read whole. */
export const MAX_PDF_BYTES = 200 * 1024 * 1024;

/** What the caller knows about the PDF; any SourceRef fields given are kept. */
export type PdfMeta = { path?: string; title?: string } & Partial<SourceRef>;

/** A PDF item as pdf.js gives it; checked field by field, since it crosses a library boundary. */
function toPiece(item: unknown): TextPiece | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const it = item as { str?: unknown; transform?: unknown; width?: unknown; height?: unknown };
  if (typeof it.str !== 'string' || !Array.isArray(it.transform) || it.transform.length < 6) return undefined;
  const t = it.transform as number[];
  const size = Math.hypot(t[2], t[3]) || (typeof it.height === 'number' ? it.height : 0) || 10;
  return { str: it.str, x: t[4], y: t[5], width: typeof it.width === 'number' ? it.width : 0, fontSize: size };
}

/** Rotated text (the arXiv stamp in the margin, axis labels): read only when a page has nothing else. */
function isRotated(item: unknown): boolean {
  const t = (item as { transform?: number[] }).transform;
  return !!t && (Math.abs(t[1]) > Math.abs(t[0]) * 0.1 || t[0] <= 0);
}

/** "D:20200902134512Z" → "2020-09-02". */
export function pdfDate(raw: unknown): string | undefined {
  const m = typeof raw === 'string' ? /^(?:D:)?(\d{4})(\d{2})?(\d{2})?/.exec(raw.trim()) : null;
  if (!m || Number(m[1]) < 1980) return undefined;
  return `${m[1]}-${m[2] ?? '01'}-${m[3] ?? '01'}`;
}

/** Metadata titles that are really file names, URLs or tool defaults. */
const JUNK_TITLE = /^(untitled|microsoft word|arxiv|paper|title|document\d*)\b|\.(dvi|tex|pdf|docx?)$|^https?:|^\S*[/\\]\S*$/i;

function fileLabel(meta: PdfMeta): string {
  return meta.path ?? meta.title ?? 'The PDF';
}

/** Checks the header before pdf.js sees the bytes: an HTML page saved as .pdf is a common download mistake. */
function checkHeader(bytes: Uint8Array, name: string): void {
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1');
  if (head.includes('%PDF-')) return;
  if (/^\s*(<!doctype html|<html|<head|<body|<\?xml|<!--)/i.test(head) || /<html[\s>]/i.test(head)) {
    throw new InputFileError(name, 'is an HTML page saved with a .pdf name, not a PDF.', 'Download the real PDF (on arXiv, the "View PDF" link), or rename the file to .html to read it as a web page.');
  }
  throw new InputFileError(name, 'is not a PDF: it does not start with a %PDF- header.', 'Check that the download finished and that the file really is a PDF.');
}

/** Pages read at once: pdf.js interleaves their work, and memory stays bounded by the batch. */
const PAGE_BATCH = 8;

/**
 * A PDF as a source: per-page text in reading order (two columns included), running headers,
 * footers and page numbers removed, hyphenated line ends joined, ligatures normalised, one block
 * per paragraph located by page. Parsed with script evaluation disabled: papers come from anywhere.
 * The page, text and stream budgets of `limits` are checked here; time and memory are bounded
 * by the caller running this in a worker (`parsePdfBounded` in pdfWorkerClient.ts).
 */
export async function parsePdf(bytes: Uint8Array, meta: PdfMeta = {}, opts: { signal?: AbortSignal; limits?: Partial<PdfLimits> } = {}): Promise<ParsedSource> {
  const limits = { ...DEFAULT_PDF_LIMITS, ...opts.limits };
  const name = fileLabel(meta);
  if (bytes.byteLength > MAX_PDF_BYTES) {
    throw new InputFileError(name, `is ${Math.round(bytes.byteLength / 1e6)} MB, larger than the ${MAX_PDF_BYTES / 1024 / 1024} MB limit for PDFs.`, 'Split the PDF or extract the pages you need.');
  }
  if (bytes.byteLength === 0) throw new InputFileError(name, 'is empty (0 bytes).', 'Download it again.');
  checkHeader(bytes, name);
  // Every long compressed stream is inflated (on libuv's thread pool) before pdf.js sees the file,
  // images included: pdf.js never decodes an image to read text, but a stream whose dictionary says
  // image can still be a page's contents, and pdf.js's buffers are outside the worker's heap limit.
  // (Checked while pdf.js read the pages, a disguised 300 MB bomb was decoded by pdf.js first.)
  await checkStreams(longZlibStreams(bytes, limits.maxStreamBytes), name, limits.maxStreamBytes);
  return readPdf(bytes, meta, limits, name, opts.signal);
}

/** parsePdf once the cheap checks passed: pdf.js reads the pages; `signal` stops it between batches of pages. */
async function readPdf(bytes: Uint8Array, meta: PdfMeta, limits: PdfLimits, name: string, signal: AbortSignal | undefined): Promise<ParsedSource> {
  const contentHash = meta.contentHash ?? sha256Hex(bytes);
  const { getDocumentProxy } = await loadUnpdf();
  if (signal?.aborted) throw new CancelledError();
  let doc: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // pdf.js may transfer (detach) the buffer it is given: hand it a copy so the caller's stays usable.
    doc = await getDocumentProxy(new Uint8Array(bytes), { isEvalSupported: false, useSystemFonts: false, verbosity: 0 });
  } catch (e) {
    const kind = typeof e === 'object' && e !== null ? String((e as { name?: unknown }).name) : '';
    if (kind === 'PasswordException') throw new InputFileError(name, 'is encrypted (password protected), so its text cannot be read.', 'Save an unencrypted copy (print to PDF) and use that.', undefined, { cause: e });
    if (kind === 'InvalidPDFException') throw new InputFileError(name, 'is corrupt or truncated: it has no readable PDF structure.', 'Download it again; the copy may be incomplete.', undefined, { cause: e });
    throw new InputFileError(name, `could not be read as a PDF (${e instanceof Error ? e.message : String(e)}).`, 'Download it again or try another copy.', undefined, { cause: e });
  }
  try {
    // The page tree's /Count, read before any page is: a few KB can name a million pages.
    if (doc.numPages > limits.maxPages) {
      throw new InputFileError(
        name,
        `has ${doc.numPages.toLocaleString('en-US')} pages by its page tree, more than the ${limits.maxPages.toLocaleString('en-US')}-page limit; it was not read.`,
        'Extract the pages you need into a smaller PDF (for example `qpdf in.pdf --pages . 1-50 -- out.pdf`).',
      );
    }
    type PageRead = { items: unknown[]; width: number; height: number } | null;
    const read: PageRead[] = [];
    let textChars = 0;
    for (let first = 0; first < doc.numPages; first += PAGE_BATCH) {
      if (signal?.aborted) throw new CancelledError();
      const batch = await Promise.all(
        Array.from({ length: Math.min(PAGE_BATCH, doc.numPages - first) }, async (_, k): Promise<PageRead> => {
          try {
            const page = await doc.getPage(first + k + 1);
            const vp = page.getViewport({ scale: 1 });
            const content = await page.getTextContent();
            page.cleanup();
            return { items: Array.isArray(content.items) ? (content.items as unknown[]) : [], width: vp.width, height: vp.height };
          } catch {
            return null;
          }
        }),
      );
      for (const page of batch) {
        for (const it of page?.items ?? []) textChars += typeof (it as { str?: unknown }).str === 'string' ? (it as { str: string }).str.length : 0;
        read.push(page);
      }
      if (textChars > limits.maxTextChars) {
        throw new InputFileError(
          name,
          `has more than ${limits.maxTextChars.toLocaleString('en-US')} characters of text in its first ${read.length} pages, more than the limit for one document; it was not read.`,
          'Extract the pages you need into a smaller PDF.',
        );
      }
    }
    if (signal?.aborted) throw new CancelledError();
    const pages: LayoutLine[][] = [];
    const heights: number[] = [];
    /** Page 1's rotated text: arXiv's margin stamp with the id, version and date. */
    let firstPageRotated = '';
    let firstPageRuns: TextPiece[] = [];
    const warnings: string[] = [];
    const unreadable: number[] = [];
    read.forEach((page, i) => {
      if (!page) {
        unreadable.push(i + 1);
        pages.push([]);
        heights.push(792);
        return;
      }
      const upright = page.items.filter((it) => !isRotated(it));
      if (i === 0) firstPageRotated = page.items.filter(isRotated).map((it) => String((it as { str?: unknown }).str ?? '')).join(' ');
      const chosen = upright.some((it) => typeof (it as { str?: unknown }).str === 'string' && (it as { str: string }).str.trim()) ? upright : page.items;
      const pieces = chosen.map(toPiece).filter((x): x is TextPiece => !!x);
      if (i === 0) firstPageRuns = pieces;
      pages.push(layoutPage(pieces, page.width));
      heights.push(page.height);
    });
    const cleaned = dropRunningLines(pages, heights);
    const paragraphs = cleaned.map(toParagraphs);
    const vocab = buildVocabulary(cleaned.flatMap((lines) => lines.map((l) => l.text)));
    const blocks: SourceBlock[] = [];
    const empty: number[] = [];
    const garbled: number[] = [];
    let section: PdfHeading | undefined;
    let where: HeadingState = START;
    paragraphs.forEach((paras, i) => {
      const page = i + 1;
      if (!paras.length && !unreadable.includes(page)) empty.push(page);
      let chars = 0;
      let bad = 0;
      paras.forEach((para, j) => {
        // Heading lines name the section of what follows; they are not text of their own.
        let lines = para.lines;
        for (let h = pdfHeading(lines[0] ?? '', where); h && lines.length; h = pdfHeading(lines[0] ?? '', where)) {
          section = h.heading;
          where = h.state;
          lines = lines.slice(1);
        }
        const text = joinLines(lines, vocab);
        if (!text) return;
        const location = { page, ...(section ? { section: section.title, ...(section.number ? { sectionNumber: section.number } : {}) } : {}) };
        const g = garbageRatio(text);
        bad += g.bad;
        chars += text.length;
        const prev = blocks[blocks.length - 1];
        // A paragraph broken by a column or page turn is one paragraph: join it back.
        const sameSection = prev?.location.section === location.section;
        if (j === 0 && prev && sameSection && continues(prev.text, text) && (prev.location.endPage ?? prev.location.page) === page - 1) {
          prev.text = joinLines([prev.text, text], vocab);
          prev.location.endPage = page;
        } else if (j > 0 && prev && sameSection && continues(prev.text, text) && para.group !== paras[j - 1].group) {
          prev.text = joinLines([prev.text, text], vocab);
        } else {
          blocks.push({ text, location });
        }
      });
      if (bad >= 5 && bad / Math.max(1, chars) > 0.004) garbled.push(page);
    });
    if (!blocks.length) {
      const n = doc.numPages;
      throw new InputFileError(name, `has no text layer on any of its ${n} page${n === 1 ? '' : 's'} (scanned?), so there is nothing to read.`, 'OCR it first (for example `ocrmypdf in.pdf out.pdf`), then open the result.');
    }
    if (unreadable.length) warnings.push(`${pageList(unreadable)}: could not be read and ${unreadable.length === 1 ? 'is' : 'are'} left out.`);
    if (empty.length) warnings.push(`${pageList(empty)}: no text layer (scanned or images only); OCR the PDF first to read ${empty.length === 1 ? 'it' : 'them'}.`);
    if (garbled.length) warnings.push(`${pageList(garbled)}: much of the text is unreadable glyphs (a math font without a Unicode map); equations may be garbled.`);
    const info = await readInfo(doc);
    // The paper's first page says who it is; the Info dictionary often names whoever made the file.
    const id = identifyPaper({ lines: linesFromRuns(firstPageRuns), otherText: firstPageRotated, fileName: meta.path?.split(/[\\/]/).pop(), info });
    const title = chooseTitle(id.title, info.title) ?? titleFromLines(pages[0] ?? []) ?? meta.title ?? 'Untitled PDF';
    const authors = id.authors ?? info.authors;
    const date = id.date ?? info.date;
    const ref: SourceRef = {
      ...meta,
      title,
      kind: 'pdf',
      contentHash,
      ...(authors && !meta.authors ? { authors } : {}),
      ...(date && !meta.date ? { date } : {}),
      ...(id.arxivId && !meta.arxivId ? { arxivId: id.arxivId } : {}),
      ...(id.arxivVersion && !meta.arxivVersion ? { arxivVersion: id.arxivVersion } : {}),
      ...(id.doi && !meta.doi ? { doi: id.doi } : {}),
      ...(id.identifier && !meta.identifier ? { identifier: id.identifier } : {}),
    };
    return { ref, blocks, warnings, pageCount: doc.numPages };
  } finally {
    await doc.destroy().catch(() => undefined);
  }
}

async function readInfo(doc: { getMetadata(): Promise<{ info?: unknown }> }): Promise<{ title?: string; authors?: string[]; date?: string }> {
  let info: Record<string, unknown> = {};
  try {
    const m = await doc.getMetadata();
    if (typeof m.info === 'object' && m.info !== null) info = m.info as Record<string, unknown>;
  } catch {
    return {};
  }
  const rawTitle = typeof info.Title === 'string' ? info.Title.replace(/\s+/g, ' ').trim() : '';
  const title = rawTitle.length > 3 && !JUNK_TITLE.test(rawTitle) ? rawTitle : undefined;
  const rawAuthor = typeof info.Author === 'string' ? info.Author.trim() : '';
  const authors = rawAuthor ? rawAuthor.split(/\s*(?:;|,|\band\b)\s*/).map((a) => a.trim()).filter(Boolean) : undefined;
  return { title, authors: authors?.length ? authors : undefined, date: pdfDate(info.CreationDate) };
}

/** The largest text on the first page (joined over consecutive lines of that size): usually the title. */
function titleFromLines(lines: LayoutLine[]): string | undefined {
  const candidates = lines.filter((l) => /[A-Za-z]{3}/.test(l.text));
  if (!candidates.length) return undefined;
  const big = Math.max(...candidates.map((l) => l.fontSize));
  const start = lines.findIndex((l) => Math.abs(l.fontSize - big) < 0.5 && /[A-Za-z]{3}/.test(l.text));
  const parts: string[] = [];
  for (let i = start; i < lines.length && parts.length < 3 && Math.abs(lines[i].fontSize - big) < 0.5; i++) parts.push(lines[i].text);
  const title = joinLines(parts);
  return title.length > 3 ? title.slice(0, 300) : undefined;
}

function pageList(pages: number[]): string {
  if (pages.length === 1) return `Page ${pages[0]}`;
  const shown = pages.slice(0, 10);
  return `Pages ${shown.slice(0, -1).join(', ')}${pages.length > 10 ? `, ${shown[shown.length - 1]}, …` : ` and ${shown[shown.length - 1]}`}`;
}
