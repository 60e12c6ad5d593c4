/**
 * A library from the researcher's reference manager: a BibTeX file as Zotero or Better BibTeX
 * exports it (and keeps up to date), whose entries name each paper's attachments in `file = {…}`
 * and give its title, authors, date, DOI and arXiv id, and the Zotero storage folder those
 * attachments live in.
 *
 * A small reader of our own rather than a package: the parser by Better BibTeX's author
 * (@retorquere/bibtex-parser 9) brings an NLP model (wink, ~5 MB) into every bundle for title
 * casing we do not need, and does not load under Node's CommonJS resolution (its dependency
 * tiny-merge-patch exports no `require` entry). What a library needs is narrow: entries, fields
 * with `{}` nesting, quotes, `#` concatenation and @string macros, the common LaTeX escapes, and
 * Zotero's `file` layouts, read in one linear pass with limits.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SourceRef } from './sourceTypes';
import { InputFileError } from '../errors';
import { SUPPORTED_EXTENSIONS } from './loadSource';

/** Largest BibTeX file read: a 10,000-entry Zotero export is about 10 MB. */
export const MAX_BIBTEX_BYTES = 64 * 1024 * 1024;
/** Deepest `{}` nesting in a value: real titles use 2 or 3. */
const MAX_DEPTH = 64;
/** Longest field value: an abstract is a few kilobytes. */
const MAX_VALUE = 1024 * 1024;
/** Entry problems listed one by one; past this they are counted. */
const MAX_PROBLEMS = 50;

/** One entry: its key, type, line (1-based, of the `@`) and fields (names lower-case, values as written). */
export interface BibEntry {
  type: string;
  key: string;
  line: number;
  fields: Record<string, string>;
}

/** An entry that could not be read, with its line. */
export interface BibProblem {
  line: number;
  message: string;
}

/** The reader's failure: names the file and the line. */
function bibError(file: string, line: number, reason: string, hint = 'Export the library again from Zotero, or fix the entry at that line.'): InputFileError {
  return new InputFileError(`${file}:${line}`, reason, hint);
}

/**
 * Reads the entries of a BibTeX text. An entry that is not well formed (unbalanced braces, a
 * missing key) is a problem with its line and the reading goes on at the next line that starts
 * with `@`; `@comment`, `@preamble` and unknown junk between entries are skipped. Linear in the
 * text, and bounded: nesting deeper than 64 or a value over 1 MB is a problem, not a hang.
 */
export function parseBibtex(text: string): { entries: BibEntry[]; problems: BibProblem[] } {
  const entries: BibEntry[] = [];
  const problems: BibProblem[] = [];
  const macros = new Map<string, string>([
    ['jan', 'January'], ['feb', 'February'], ['mar', 'March'], ['apr', 'April'], ['may', 'May'], ['jun', 'June'],
    ['jul', 'July'], ['aug', 'August'], ['sep', 'September'], ['oct', 'October'], ['nov', 'November'], ['dec', 'December'],
  ]);
  // Line of each offset, computed on demand from a table of line starts.
  const lineStarts: number[] = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const lineAt = (pos: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  // Thrown inside the reader, caught per entry; not an Error, so no stack is captured for each.
  class Bad {
    constructor(
      readonly at: number,
      readonly message: string,
    ) {}
  }
  let dropped = 0;
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const ident = () => {
    const m = /^[^\s"#%'(),={}]+/.exec(text.slice(i, i + 256));
    if (!m) return '';
    i += m[0].length;
    return m[0];
  };
  /** A `{…}` group from text[i] === '{': its content, braces inside kept. */
  const braced = (): string => {
    const start = i;
    let depth = 0;
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '\\') {
        i++;
        continue;
      }
      if (c === '{') {
        if (++depth > MAX_DEPTH) throw new Bad(start, `nests braces more than ${MAX_DEPTH} deep`);
      } else if (c === '}') {
        if (--depth === 0) {
          i++;
          if (i - start - 2 > MAX_VALUE) throw new Bad(start, `has a value longer than ${MAX_VALUE / 1024} KB`);
          return text.slice(start + 1, i - 1);
        }
      } else if (c === '@' && depth <= 2 && text[i - 1] === '\n') {
        // An entry starting at the beginning of a line inside a value: the braces before it never closed.
        break;
      }
    }
    throw new Bad(start, 'has a { that is never closed');
  };
  const quoted = (): string => {
    const start = i++;
    let depth = 0;
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '\\') {
        i++;
        continue;
      }
      if (c === '{') depth++;
      else if (c === '}') depth--;
      else if (c === '"' && depth === 0) {
        i++;
        return text.slice(start + 1, i - 1);
      }
      if (i - start > MAX_VALUE) break;
    }
    throw new Bad(start, 'has a " that is never closed');
  };
  const value = (): string => {
    let out = '';
    for (;;) {
      ws();
      const c = text[i];
      if (c === '{') out += braced();
      else if (c === '"') out += quoted();
      else {
        const name = ident();
        if (!name) throw new Bad(i, 'has a field with no value');
        out += /^\d+$/.test(name) ? name : (macros.get(name.toLowerCase()) ?? name);
      }
      ws();
      if (text[i] !== '#') return out;
      i++;
    }
  };
  /** Skips to the next line that starts with `@`, after a bad entry. */
  const resync = (from: number) => {
    const next = text.slice(from).search(/\n\s*@/);
    i = next < 0 ? text.length : from + next + 1;
  };
  while (i < text.length) {
    const at = text.indexOf('@', i);
    if (at < 0) break;
    i = at + 1;
    const type = ident().toLowerCase();
    ws();
    const open = text[i];
    if (!type || (open !== '{' && open !== '(')) continue;
    if (type === 'comment') {
      // @comment{…} (Zotero, JabRef metadata) is skipped whole; "@comment text" to the end of its line.
      try {
        if (open === '{') braced();
      } catch {
        resync(at + 1);
      }
      continue;
    }
    const close = open === '{' ? '}' : ')';
    i++;
    try {
      if (type === 'preamble') {
        value();
        ws();
        if (text[i] !== close) throw new Bad(at, `@preamble is not closed with ${close}`);
        i++;
        continue;
      }
      if (type === 'string') {
        ws();
        const name = ident();
        ws();
        if (!name || text[i] !== '=') throw new Bad(at, '@string has no name = value');
        i++;
        macros.set(name.toLowerCase(), value());
        ws();
        if (text[i] !== close) throw new Bad(at, `@string is not closed with ${close}`);
        i++;
        continue;
      }
      ws();
      const key = ident().replace(/,$/, '');
      ws();
      if (!key || text[i] !== ',') {
        if (text[i] === close) throw new Bad(at, `@${type} has no fields`);
        throw new Bad(at, `@${type} has no citation key followed by a comma`);
      }
      i++;
      const fields: Record<string, string> = {};
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          break;
        }
        if (i >= text.length || (text[i] === '@' && text[i - 1] === '\n')) throw new Bad(at, `@${type}{${key}, … is never closed`);
        const name = ident().toLowerCase();
        ws();
        if (!name || text[i] !== '=') throw new Bad(i, `@${type}{${key}, …: expected "field = value"`);
        i++;
        fields[name] = value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== close) throw new Bad(i, `@${type}{${key}, …: expected "," or "${close}" after field ${name}`);
      }
      entries.push({ type, key, line: lineAt(at), fields });
    } catch (e) {
      if (!(e instanceof Bad)) throw e;
      // A broken file would otherwise give a problem per line: the first ones say where to look.
      if (problems.length < MAX_PROBLEMS) problems.push({ line: lineAt(e.at), message: e.message });
      else dropped++;
      resync(at + 1);
    }
  }
  if (dropped) problems.push({ line: problems[problems.length - 1].line, message: `and ${dropped} more entries that cannot be read after this one` });
  return { entries, problems };
}

const ACCENTS: Record<string, string> = { '"': '\u0308', "'": '\u0301', '`': '\u0300', '^': '\u0302', '~': '\u0303', '=': '\u0304', '.': '\u0307', u: '\u0306', v: '\u030c', H: '\u030b', c: '\u0327', k: '\u0328', r: '\u030a' };
const SYMBOLS: Record<string, string> = { ss: 'ß', o: 'ø', O: 'Ø', aa: 'å', AA: 'Å', ae: 'æ', AE: 'Æ', oe: 'œ', OE: 'Œ', l: 'ł', L: 'Ł', i: 'ı', j: 'ȷ' };

/** A BibTeX value as plain text: accents composed, escapes undone, commands and braces dropped. */
export function latexToText(value: string): string {
  let s = value
    // {\"U}, \"{U}, \"U, \'{\i}
    .replace(/\\([`'^"~=.]|[uvHckr](?=[\s{]))\s*\{?\s*(\\[ij]|[A-Za-z])\s*\}?/g, (_m, acc: string, ch: string) => (ch === '\\i' ? 'i' : ch === '\\j' ? 'j' : ch) + (ACCENTS[acc] ?? ''))
    .replace(/\\(ss|aa|AA|ae|AE|oe|OE|o|O|l|L|i|j)(?![A-Za-z])\s?/g, (_m, k: string) => SYMBOLS[k])
    .replace(/\\([&%$#_{}])/g, '$1')
    .replace(/---/g, '—')
    .replace(/--/g, '–')
    .replace(/~/g, ' ')
    // \emph{x}, \textit{x} → x
    .replace(/\\[A-Za-z]+\s*/g, '')
    .replace(/[{}]/g, '');
  s = s.normalize('NFC');
  return s.replace(/\s+/g, ' ').trim();
}

/**
 * The attachment paths of a `file` field, in the layouts Zotero and Better BibTeX write:
 * `description:path:mime` items separated by `;` (Zotero's, with `\:`, `\;` and `\\` escaped,
 * as Windows paths need), or bare paths separated by `;` (Better BibTeX's).
 */
export function fileFieldPaths(field: string): string[] {
  const items: string[] = [];
  let cur = '';
  for (let i = 0; i < field.length; i++) {
    const c = field[i];
    // Zotero escapes only these three; any other backslash is part of a (Windows) path.
    if (c === '\\' && /[\\:;]/.test(field[i + 1] ?? '')) {
      cur += c + field[++i];
      continue;
    }
    if (c === ';') {
      items.push(cur);
      cur = '';
    } else cur += c;
  }
  items.push(cur);
  const out: string[] = [];
  for (const raw of items) {
    const item = raw.trim();
    if (!item) continue;
    // Split at unescaped colons; a Windows drive letter written bare ("C:\…") is kept with its path.
    const parts: string[] = [];
    let p = '';
    for (let i = 0; i < item.length; i++) {
      const c = item[i];
      if (c === '\\' && /[\\:;]/.test(item[i + 1] ?? '')) {
        p += item[++i];
        continue;
      }
      if (c === ':' && !(p.length === 1 && /[A-Za-z]/.test(p) && /[\\/]/.test(item[i + 1] ?? ''))) {
        parts.push(p);
        p = '';
      } else p += c;
    }
    parts.push(p);
    const file = parts.length >= 3 ? parts.slice(1, -1).join(':') : parts.length === 2 && /\//.test(parts[1]) && !/\//.test(parts[0]) ? parts[1] : parts.join(':');
    if (file.trim()) out.push(file.trim());
  }
  return out;
}

const MONTHS: Record<string, string> = { jan: '01', feb: '02', mar: '03', apr: '04', may: '05', jun: '06', jul: '07', aug: '08', sep: '09', oct: '10', nov: '11', dec: '12' };

/**
 * What an entry says about its paper, as SourceRef fields. A year alone becomes its last day:
 * a knowledge cut-off then never lets through a paper that may be later than it.
 */
export function entryMetadata(e: BibEntry): Partial<SourceRef> {
  const f = (name: string) => (e.fields[name] !== undefined ? latexToText(e.fields[name]) : undefined);
  const out: Partial<SourceRef> = {};
  const title = f('title');
  if (title) out.title = title;
  const authors = f('author')
    ?.split(/\s+and\s+/i)
    .map((a) => a.trim())
    .filter(Boolean)
    .map((a) => (a.includes(',') ? a.split(',').slice(1).join(',').trim() + ' ' + a.split(',')[0].trim() : a));
  if (authors?.length) out.authors = authors;
  const date = f('date');
  const year = f('year');
  const iso = date && /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(date);
  if (iso) out.date = `${iso[1]}-${iso[2] ?? '12'}-${iso[3] ?? (iso[2] ? lastDay(iso[1], iso[2]) : '31')}`;
  else if (year && /^\d{4}$/.test(year)) {
    const month = f('month')?.toLowerCase().slice(0, 3);
    const mm = month ? (MONTHS[month] ?? (/^\d{1,2}$/.test(month) ? month.padStart(2, '0') : undefined)) : undefined;
    out.date = mm ? `${year}-${mm}-${lastDay(year, mm)}` : `${year}-12-31`;
  }
  const doi = f('doi')?.replace(/^https?:\/\/(dx\.)?doi\.org\//i, '');
  if (doi && /^10\.\d{4,9}\//.test(doi)) out.doi = doi;
  const eprint = f('eprint');
  const isArxiv = /arxiv/i.test(`${f('eprinttype') ?? ''} ${f('archiveprefix') ?? ''}`) || /arxiv/i.test(f('journal') ?? '') || /arxiv/i.test(f('url') ?? '');
  const fromEprint = eprint && isArxiv ? /(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?\/\d{7})(v\d+)?/i.exec(eprint) : null;
  const fromUrl = /arxiv\.org\/(?:abs|pdf)\/(\d{4}\.\d{4,5})(v\d+)?/i.exec(f('url') ?? '') ?? /arXiv:(\d{4}\.\d{4,5})(v\d+)?/i.exec(f('journal') ?? '');
  const arxiv = fromEprint ?? fromUrl;
  if (arxiv) {
    out.arxivId = arxiv[1];
    if (arxiv[2]) out.arxivVersion = Number(arxiv[2].slice(1));
  }
  if (out.arxivId) out.identifier = `arXiv:${out.arxivId}${out.arxivVersion ? `v${out.arxivVersion}` : ''}`;
  else if (out.doi) out.identifier = `doi:${out.doi}`;
  return out;
}

function lastDay(year: string, month: string): string {
  return String(new Date(Date.UTC(Number(year), Number(month), 0)).getUTCDate()).padStart(2, '0');
}

/** A paper of a BibTeX library: an attachment's path and what its entry says about it. */
export interface BibAttachment {
  path: string;
  meta: Partial<SourceRef>;
  key: string;
}

/** What a BibTeX library yields: its attachments, and its problems (entry or attachment, by line). */
export interface BibLibrary {
  attachments: BibAttachment[];
  problems: { path: string; message: string }[];
}

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Reads a BibTeX library: every entry's attachments that the assistant can read, with the entry's
 * metadata. An attachment is taken only when it is a regular file inside the BibTeX file's folder
 * or the Zotero storage folder (given, or ~/Zotero/storage) and not a symbolic link: an exported
 * file cannot make the assistant read elsewhere. Each refusal is a problem naming file and line.
 * Throws InputFileError when the file itself cannot be read or is too large.
 */
export function readBibtexLibrary(bibFile: string, opts: { storage?: string } = {}): BibLibrary {
  let st: fs.Stats;
  try {
    st = fs.statSync(bibFile);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputFileError(bibFile, code === 'ENOENT' ? 'does not exist.' : `cannot be read (${code ?? String(e)}).`, 'Check the BibTeX path (alignment.library.bibtex, CLI --bibtex).');
  }
  if (!st.isFile()) throw new InputFileError(bibFile, 'is not a file.', 'Give the .bib file Zotero or Better BibTeX exports.');
  if (st.size > MAX_BIBTEX_BYTES) throw new InputFileError(bibFile, `is ${Math.round(st.size / 1e6)} MB, larger than the ${MAX_BIBTEX_BYTES / 1024 / 1024} MB limit for BibTeX files.`, 'Export a smaller collection.');
  const text = fs.readFileSync(bibFile, 'utf8');
  const { entries, problems } = parseBibtex(text);
  const out: BibLibrary = { attachments: [], problems: problems.map((p) => ({ path: bibFile, message: bibError(bibFile, p.line, `${p.message}.`).display })) };
  const bibDir = path.dirname(path.resolve(bibFile));
  const roots = [bibDir, opts.storage ?? path.join(os.homedir(), 'Zotero', 'storage')].map((r) => {
    try {
      return fs.realpathSync(r);
    } catch {
      return path.resolve(r);
    }
  });
  const seen = new Set<string>();
  for (const e of entries) {
    if (e.fields.file === undefined) continue;
    const meta = entryMetadata(e);
    for (const raw of fileFieldPaths(e.fields.file)) {
      const p = path.resolve(bibDir, raw);
      // Web-page snapshots (Zotero saves the arXiv abstract page beside the PDF) are not the paper.
      const ext = path.extname(p).toLowerCase();
      if (!SUPPORTED_EXTENSIONS.includes(ext) || ext === '.html' || ext === '.htm') continue;
      const refuse = (why: string, hint: string) => out.problems.push({ path: bibFile, message: bibError(bibFile, e.line, `entry ${e.key}: the attachment ${raw} ${why}`, hint).display });
      let lst: fs.Stats;
      try {
        lst = fs.lstatSync(p);
      } catch {
        refuse('does not exist.', 'Let Zotero find the file (or export again), or remove the attachment.');
        continue;
      }
      if (lst.isSymbolicLink()) {
        refuse('is a symbolic link; attachments are read only as real files inside the library.', 'Replace the link with the file.');
        continue;
      }
      if (!lst.isFile()) {
        refuse('is not a file.', 'Point the attachment at the PDF.');
        continue;
      }
      let real: string;
      try {
        real = fs.realpathSync(p);
      } catch {
        real = p;
      }
      if (!roots.some((r) => inside(r, real))) {
        refuse(`is outside the BibTeX file's folder and the Zotero storage folder (${roots[1]}).`, 'Set the Zotero storage folder (alignment.library.zoteroStorage, CLI --zotero-storage) to where the attachments are.');
        continue;
      }
      if (seen.has(real)) continue;
      seen.add(real);
      out.attachments.push({ path: p, meta, key: e.key });
    }
  }
  return out;
}
