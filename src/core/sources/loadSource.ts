import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { ParsedSource, SourceKind } from './sourceTypes';
import type { SourceCache } from './sourceCache';
import { CancelledError, InputFileError } from '../errors';
import { sha256Hex } from './hash';
import { decodeTextFile } from './textDecoding';
import { parseMarkdown } from './markdownSource';
import { parsePlainText } from './textSource';
import { parseLatex } from './latexSource';
import { parseHtml } from './htmlSource';
import { MAX_PDF_BYTES } from './pdfSource';
import type { SourceMeta } from './sourceMeta';
import type { PdfLimits } from './pdfLimits';

const KIND_BY_EXT: Record<string, SourceKind> = {
  '.pdf': 'pdf',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.tex': 'latex',
  '.html': 'html',
  '.htm': 'html',
  '.txt': 'text',
};

/** File extensions the assistant reads, with their dot. */
export const SUPPORTED_EXTENSIONS: readonly string[] = Object.keys(KIND_BY_EXT);
/** Largest text file read (Markdown, LaTeX, HTML, text). */
export const MAX_TEXT_BYTES = 20 * 1024 * 1024;

/** The kind of source a file name stands for, or undefined when the extension is not supported. */
export function sourceKindForPath(file: string): SourceKind | undefined {
  return KIND_BY_EXT[path.extname(file).toLowerCase()];
}

/** Parses text already in memory (an editor buffer, saved or not). PDFs are bytes: use loadSourceFile. */
export function parseSourceText(text: string, kind: SourceKind, meta: SourceMeta = {}): ParsedSource {
  switch (kind) {
    case 'markdown':
      return parseMarkdown(text, meta);
    case 'latex':
      return parseLatex(text, meta);
    case 'html':
      return parseHtml(text, meta);
    case 'text':
      return parsePlainText(text, meta);
    case 'pdf':
      throw new InputFileError(meta.path ?? meta.title ?? 'The document', 'is a PDF: it is read from its bytes, not as text.', 'Open the PDF file itself.');
  }
}

function startsWith(bytes: Uint8Array, ascii: string): boolean {
  return Buffer.from(bytes.subarray(0, 1024)).toString('latin1').trimStart().toLowerCase().startsWith(ascii.toLowerCase());
}

/**
 * Reads and parses a paper from disk, through the cache when one is given (keyed by the sha256
 * of the bytes). Every failure is an InputFileError naming the file, the reason and the fix.
 */
export async function loadSourceFile(file: string, opts: { cache?: SourceCache; signal?: AbortSignal; pdfLimits?: Partial<PdfLimits> } = {}): Promise<ParsedSource> {
  const ext = path.extname(file).toLowerCase();
  let kind = KIND_BY_EXT[ext];
  if (!kind) {
    throw new InputFileError(file, `has an extension this assistant cannot read (${ext || 'no extension'}).`, `Supported: ${SUPPORTED_EXTENSIONS.join(', ')}.`);
  }
  let stat: Awaited<ReturnType<typeof fs.stat>>;
  try {
    stat = await fs.stat(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputFileError(file, 'does not exist.', 'Check the path.');
    throw new InputFileError(file, `cannot be read (${code ?? String(e)}).`, 'Check the path and its permissions.', undefined, { cause: e });
  }
  if (stat.isDirectory()) throw new InputFileError(file, 'is a folder, not a file.', 'Pick a paper inside it.');
  const limit = kind === 'pdf' ? MAX_PDF_BYTES : MAX_TEXT_BYTES;
  if (stat.size > limit) {
    throw new InputFileError(file, `is ${Math.round(stat.size / 1e6)} MB, larger than the ${limit / 1024 / 1024} MB limit for ${kind === 'pdf' ? 'PDFs' : 'text files'}.`, 'Split it or extract the part you need.');
  }
  if (stat.size === 0) throw new InputFileError(file, 'is empty (0 bytes).', 'Save the document first, or pick another file.');
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    throw new InputFileError(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}).`, 'Check its permissions.', undefined, { cause: e });
  }
  if (opts.signal?.aborted) throw new CancelledError();
  // Content beats the extension when they disagree about PDF.
  if (kind !== 'pdf' && startsWith(bytes, '%PDF-')) kind = 'pdf';
  const contentHash = sha256Hex(bytes);
  const cached = opts.cache?.get(contentHash);
  if (cached && cached.ref.kind === kind) return { ...cached, ref: { ...cached.ref, path: file } };
  let parsed: ParsedSource;
  if (kind === 'pdf') {
    const { parsePdfBounded } = await import('./pdfWorkerClient');
    parsed = await parsePdfBounded(bytes, { path: file, title: path.basename(file), contentHash }, { signal: opts.signal, limits: opts.pdfLimits });
  } else {
    const text = decodeTextFile(bytes, file, `${ext} text`);
    if (!text.trim()) throw new InputFileError(file, 'has no text (only white space).', 'Pick a file with some text in it.');
    parsed = parseSourceText(text, kind, { path: file, contentHash });
    if (!parsed.blocks.length) throw new InputFileError(file, 'has no readable text blocks.', `Check that it really is a ${kind} document.`);
  }
  opts.cache?.put(parsed);
  return parsed;
}
