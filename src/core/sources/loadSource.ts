import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ParsedSource, SourceKind, SourceRef } from './sourceTypes';
import type { SourceCache } from './sourceCache';
import { InputFileError } from '../errors';
import { sha256Hex } from './hash';
import { parseMarkdown } from './markdownSource';
import { parsePlainText } from './textSource';
import { parseLatex } from './latexSource';
import { parseHtml } from './htmlSource';
import { MAX_PDF_BYTES } from './pdfSource';

const KIND_BY_EXT: Record<string, SourceKind> = {
  '.pdf': 'pdf',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.tex': 'latex',
  '.html': 'html',
  '.htm': 'html',
  '.txt': 'text',
};

export const SUPPORTED_EXTENSIONS = Object.keys(KIND_BY_EXT);
const MAX_TEXT_BYTES = 20 * 1024 * 1024;

/** Parses text already in memory (an editor buffer, saved or not). */
export function parseSourceText(text: string, kind: SourceKind, meta: { path?: string; title?: string; url?: string }): ParsedSource {
  const ref: SourceRef = {
    title: meta.title ?? (meta.path ? path.basename(meta.path) : 'Untitled'),
    kind,
    contentHash: sha256Hex(text),
    ...(meta.path ? { path: meta.path } : {}),
    ...(meta.url ? { url: meta.url } : {}),
  };
  switch (kind) {
    case 'markdown':
      return parseMarkdown(text, ref);
    case 'latex':
      return parseLatex(text, ref);
    case 'html':
      return parseHtml(text, ref);
    case 'text':
      return parsePlainText(text, ref);
    case 'pdf':
      throw new InputFileError(ref.title, 'is a PDF: it must be read from its file.');
  }
}

/** True when the bytes look binary: NUL bytes in the first few kilobytes. */
function looksBinary(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 8192);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return true;
  return false;
}

/**
 * Reads and parses a paper from disk, through the cache when one is given. Every failure is an
 * InputFileError naming the file, the reason and the fix.
 */
export async function loadSourceFile(file: string, opts: { cache?: SourceCache; signal?: AbortSignal } = {}): Promise<ParsedSource> {
  const ext = path.extname(file).toLowerCase();
  const kind = KIND_BY_EXT[ext];
  if (!kind) throw new InputFileError(file, `has an extension (${ext || 'none'}) this assistant cannot read.`, `Supported: ${SUPPORTED_EXTENSIONS.join(' ')}.`);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputFileError(file, code === 'ENOENT' ? 'does not exist.' : `cannot be read (${code}).`, 'Check the path.');
  }
  if (stat.isDirectory()) throw new InputFileError(file, 'is a folder, not a file.', 'Pick a paper inside it.');
  const limit = kind === 'pdf' ? MAX_PDF_BYTES : MAX_TEXT_BYTES;
  if (stat.size > limit) throw new InputFileError(file, `is ${(stat.size / 1e6).toFixed(0)} MB, larger than the ${limit / 1e6} MB this assistant reads.`, 'Split it or extract the part you need.');
  if (stat.size === 0) throw new InputFileError(file, 'is empty.', 'Open a file with some text in it.');
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new InputFileError(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}).`, 'Check its permissions.');
  }
  const hash = sha256Hex(bytes);
  const cached = opts.cache?.get(hash);
  if (cached) return { ...cached, ref: { ...cached.ref, path: file } };
  let parsed: ParsedSource;
  const ref: SourceRef = { title: path.basename(file), kind, contentHash: hash, path: file };
  if (kind === 'pdf') {
    const { parsePdf } = await import('./pdfSource');
    parsed = await parsePdf(bytes, ref, { signal: opts.signal });
  } else {
    if (looksBinary(bytes)) throw new InputFileError(file, 'is binary, not text.', `Is it really a ${ext} file?`);
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new InputFileError(file, 'is not valid UTF-8 text.', 'Re-save it as UTF-8 (in VS Code: "Save with Encoding").');
    }
    if (!text.trim()) throw new InputFileError(file, 'has no text (only white space).', 'Open a file with some text in it.');
    parsed = parseSourceText(text, kind, { path: file });
    parsed.ref.contentHash = hash;
    if (!parsed.blocks.length) throw new InputFileError(file, 'has no readable text blocks.', 'Check that it is really a ' + kind + ' document.');
  }
  opts.cache?.put(parsed);
  return parsed;
}
