import type { ParsedSource, SourceBlock, SourceRef } from './sourceTypes';
import { InputFileError } from '../errors';
import { dropRunningLines, garbageRatio, readingOrder, toParagraphs, toSegments, type LayoutLine, type TextPiece } from './pdfLayout';

export const MAX_PDF_BYTES = 200 * 1024 * 1024;

interface PdfTextItem {
  str?: string;
  transform?: number[];
  width?: number;
  height?: number;
}

/** "D:20200902134512Z" → "2020-09-02". */
function pdfDate(raw: unknown): string | undefined {
  const m = typeof raw === 'string' ? /D?:?(\d{4})(\d{2})(\d{2})/.exec(raw) : null;
  return m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

/**
 * A PDF as a source: per-page text in reading order (two columns included), running headers,
 * footers and page numbers removed, hyphenated line ends joined, ligatures normalised. Parsed
 * with script evaluation disabled, since papers come from anywhere.
 */
export async function parsePdf(bytes: Uint8Array, ref: SourceRef, opts: { signal?: AbortSignal } = {}): Promise<ParsedSource> {
  const name = ref.path ?? ref.title;
  if (bytes.byteLength > MAX_PDF_BYTES) {
    throw new InputFileError(name, `is ${(bytes.byteLength / 1e6).toFixed(0)} MB, larger than the ${MAX_PDF_BYTES / 1e6} MB this assistant reads.`, 'Split the PDF or extract the pages you need.');
  }
  const head = Buffer.from(bytes.subarray(0, 1024)).toString('latin1');
  if (!head.includes('%PDF-')) {
    const looksHtml = /<(!doctype html|html|head|body)/i.test(head);
    throw new InputFileError(name, looksHtml ? 'is an HTML page saved with a .pdf name, not a PDF.' : 'is not a PDF (no %PDF- header).', looksHtml ? 'Rename it to .html to read it as a web page, or download the real PDF.' : 'Check that the file is a complete PDF.');
  }
  const { getDocumentProxy } = await import('unpdf');
  let doc: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // pdf.js takes ownership of the buffer it is given: hand it a copy.
    doc = await getDocumentProxy(new Uint8Array(bytes), { isEvalSupported: false, useSystemFonts: false, stopAtErrors: false, verbosity: 0 });
  } catch (e) {
    const n = (e as { name?: string }).name ?? '';
    if (n === 'PasswordException') throw new InputFileError(name, 'is encrypted with a password.', 'Save an unencrypted copy and ask about that.');
    if (n === 'InvalidPDFException') throw new InputFileError(name, 'is corrupt or truncated: it cannot be read as a PDF.', 'Download it again.');
    throw new InputFileError(name, `could not be read as a PDF (${(e as Error).message}).`, 'Download it again or try another copy.', undefined, { cause: e });
  }
  try {
    const pages: LayoutLine[][] = [];
    const warnings: string[] = [];
    let firstPageLines: LayoutLine[] = [];
    for (let p = 1; p <= doc.numPages; p++) {
      if (opts.signal?.aborted) throw new InputFileError(name, 'reading was cancelled.');
      let pieces: TextPiece[] = [];
      let width = 612;
      try {
        const page = await doc.getPage(p);
        width = page.getViewport({ scale: 1 }).width;
        const content = await page.getTextContent();
        pieces = (content.items as PdfTextItem[])
          .filter((it) => typeof it.str === 'string' && it.transform)
          .map((it) => {
            const t = it.transform!;
            return { str: it.str!, x: t[4], y: t[5], width: it.width ?? 0, fontSize: Math.hypot(t[2], t[3]) || it.height || 10 };
          });
        page.cleanup();
      } catch (e) {
        warnings.push(`Page ${p} could not be read (${(e as Error).message}); it is left out.`);
      }
      const lines = readingOrder(toSegments(pieces), width);
      if (p === 1) firstPageLines = lines;
      pages.push(lines);
    }
    const cleaned = dropRunningLines(pages);
    const blocks: SourceBlock[] = [];
    const empty: number[] = [];
    const garbled: number[] = [];
    cleaned.forEach((lines, i) => {
      const paragraphs = toParagraphs(lines);
      if (!paragraphs.length) empty.push(i + 1);
      const text = paragraphs.join('\n');
      if (garbageRatio(text) > 0.03) garbled.push(i + 1);
      for (const para of paragraphs) blocks.push({ text: para, location: { page: i + 1 } });
    });
    if (!blocks.length) {
      throw new InputFileError(name, `has no text layer on any of its ${doc.numPages} page${doc.numPages === 1 ? '' : 's'} (a scanned document?).`, 'Run OCR on it first (for example with ocrmypdf), then ask about the result.');
    }
    if (empty.length) warnings.push(`${pageList(empty)} ${empty.length === 1 ? 'has' : 'have'} no text (scanned or images only).`);
    if (garbled.length) warnings.push(`${pageList(garbled)}: much of the text is unreadable glyphs (a math font without a Unicode map); equations there may be garbled.`);
    const meta = await doc.getMetadata().catch(() => undefined);
    const info = (meta?.info ?? {}) as Record<string, unknown>;
    const metaTitle = typeof info.Title === 'string' && info.Title.trim().length > 3 && !/^untitled|\.(dvi|tex|pdf)$|^microsoft word/i.test(info.Title.trim()) ? info.Title.trim() : undefined;
    const biggest = [...firstPageLines].sort((a, b) => b.fontSize - a.fontSize)[0];
    const title = metaTitle ?? (biggest && biggest.text.length > 3 ? biggest.text : ref.title);
    const author = typeof info.Author === 'string' && info.Author.trim() ? info.Author.split(/[;,]| and /).map((a) => a.trim()).filter(Boolean) : undefined;
    const date = pdfDate(info.CreationDate);
    return {
      ref: { ...ref, kind: 'pdf', title, ...(author ? { authors: author } : {}), ...(date && !ref.date ? { date } : {}) },
      blocks,
      warnings,
      pageCount: doc.numPages,
    };
  } finally {
    await doc.destroy().catch(() => undefined);
  }
}

function pageList(pages: number[]): string {
  if (pages.length === 1) return `Page ${pages[0]}`;
  return `Pages ${pages.slice(0, 8).join(', ')}${pages.length > 8 ? ', …' : ''}`;
}
