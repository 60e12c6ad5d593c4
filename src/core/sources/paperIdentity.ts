/**
 * Who a paper is, read from the paper itself: the arXiv identifier (with its version and the date
 * arXiv stamps beside it) or the DOI printed on the first page or carried in the file name, and the
 * title, authors and year as the first page sets them. A PDF's Info dictionary often names whoever
 * made the file (an uploader, a LaTeX tool, "Microsoft Word"), so the first page wins over it.
 */
import { normaliseDate } from './sourceMeta';

/** A line of the first page with the size of its text, as the PDF layout gives it. */
export interface FirstPageLine {
  text: string;
  fontSize: number;
}

/** A run of text as the PDF places it (PDF points, y upwards). */
export interface PlacedText {
  str: string;
  x: number;
  y: number;
  width: number;
  fontSize: number;
}

/**
 * First-page lines for identification: runs on one baseline joined left to right, with a wide gap
 * kept as three spaces, so names set side by side ("Xiang Lisa Li      Percy Liang") stay apart.
 */
export function linesFromRuns(runs: readonly PlacedText[]): FirstPageLine[] {
  const rows = new Map<number, PlacedText[]>();
  for (const r of runs) {
    if (!r.str.trim()) continue;
    const key = Math.round(r.y / 2);
    rows.set(key, [...(rows.get(key) ?? []), r]);
  }
  return [...rows.entries()]
    .sort((a, b) => b[0] - a[0])
    .map(([, row]) => {
      row.sort((a, b) => a.x - b.x);
      let text = '';
      let end = -Infinity;
      for (const r of row) {
        const gap = r.x - end;
        text += !text ? r.str : gap > r.fontSize * 1.5 ? `   ${r.str}` : gap > r.fontSize * 0.15 ? ` ${r.str}` : r.str;
        end = r.x + r.width;
      }
      return { text: text.trim(), fontSize: Math.max(...row.map((r) => r.fontSize)) };
    });
}

/** What a paper says about itself. Every field is absent when it could not be read. */
export interface PaperIdentity {
  /** `2305.18290` or `hep-th/9901001`, without version. */
  arxivId?: string;
  /** The version printed with the id (`v2` → 2). */
  arxivVersion?: number;
  /** `10.18653/v1/2021.acl-long.353`, lower-cased prefix kept as printed. */
  doi?: string;
  title?: string;
  authors?: string[];
  /** The paper's own date `YYYY-MM-DD`: arXiv's stamp, else the month of the arXiv id. */
  date?: string;
  year?: number;
  /** One canonical name: `arXiv:2305.18290v2` or `doi:10.…`. */
  identifier?: string;
}

/** What the PDF's Info dictionary claims. */
export interface InfoClaims {
  title?: string;
  authors?: string[];
  date?: string;
}

const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };

// arXiv identifiers: new style YYMM.NNNNN (4 digits before 2015), old style archive/YYMMNNN.
const NEW_ID = /(?<![\d.])(\d{2})(0[1-9]|1[0-2])\.(\d{4,5})(?:v(\d{1,3}))?(?![\d])/;
const OLD_ID = /\b([a-z-]+(?:\.[A-Z]{2})?)\/(\d{2})(0[1-9]|1[0-2])(\d{3})(?:v(\d{1,3}))?\b/;
const DOI = /\b(10\.\d{4,9}\/[^\s"<>]+)/i;

interface ArxivHit {
  id: string;
  version?: number;
  /** From the id: the month it was first submitted. */
  month: string;
}

function arxivIn(text: string, needPrefix: boolean): ArxivHit | undefined {
  const scope = needPrefix ? /arxiv\s*:?\s*(?:abs\/)?([^\s\]]+)/gi : undefined;
  const candidates = scope ? [...text.matchAll(scope)].map((m) => m[1]) : [text];
  for (const c of candidates) {
    const n = NEW_ID.exec(c);
    if (n) {
      const yy = Number(n[1]);
      // The new scheme began in April 2007; digits that predate it are not an arXiv id.
      if (yy < 7 || (yy === 7 && Number(n[2]) < 4)) continue;
      if (yy >= 15 ? n[3].length !== 5 : n[3].length !== 4) continue;
      return { id: `${n[1]}${n[2]}.${n[3]}`, version: n[4] ? Number(n[4]) : undefined, month: `20${n[1]}-${n[2]}` };
    }
    const o = OLD_ID.exec(c);
    if (o) {
      const yy = Number(o[2]);
      return { id: `${o[1]}/${o[2]}${o[3]}${o[4]}`, version: o[5] ? Number(o[5]) : undefined, month: `${yy > 90 ? 19 : 20}${o[2]}-${o[3]}` };
    }
  }
  return undefined;
}

/** "29 Jul 2023" right after an arXiv id, as arXiv stamps the margin of page 1. */
function stampDate(text: string): string | undefined {
  const m = /arxiv\s*:?\s*\S+\s*(?:\[[^\]]*\])?\s*(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?\s+(\d{4})/i.exec(text);
  if (!m) return undefined;
  const month = MONTHS[m[2].toLowerCase()];
  if (!month) return undefined;
  return `${m[3]}-${String(month).padStart(2, '0')}-${m[1].padStart(2, '0')}`;
}

function cleanDoi(raw: string): string {
  return raw.replace(/[.,;:)\]}>]+$/, '');
}

/** Lines that are not names: affiliations, addresses, e-mails, notes, section starts. */
const NOT_NAMES = /@|https?:|www\.|\b(universit|institut|college|school|department|dept\.|lab(oratory|s)?\b|research|inc\b|corp|google|openai|deepmind|microsoft|meta\b|facebook|anthropic|stanford|berkeley|abstract|introduction|equal contribution|correspondence|preprint|conference|proceedings|workshop|arxiv)/i;
/** A personal name: two to four words, each capitalised or an initial, maybe a particle. */
const NAME = /^(?:[A-Z][\p{L}'’-]+|[A-Z]\.|(?:van|von|de|der|da|di|le|la)\b)(?:\s+(?:[A-Z][\p{L}'’-]+|[A-Z]\.(?:\s?[A-Z]\.)*|(?:van|von|de|der|da|di|le|la)\b)){1,3}$/u;

const INITIAL = /^[A-Z]\.$/;
const PARTICLE = /^(van|von|de|der|da|di|le|la)$/;
const CAPITALISED = /^[A-Z][\p{L}'’-]+$/u;

/**
 * Names run together with single spaces ("Stefano Ermon Christopher D. Manning"): read as
 * given name, initials or particles, surname — repeated. Undefined when a word fits no name.
 */
function splitRunTogether(chunk: string): string[] | undefined {
  const words = chunk.split(' ');
  if (words.length < 4 || !words.every((w) => CAPITALISED.test(w) || INITIAL.test(w) || PARTICLE.test(w))) return undefined;
  const names: string[] = [];
  let i = 0;
  while (i < words.length) {
    const name = [words[i++]];
    while (i < words.length && (INITIAL.test(words[i]) || PARTICLE.test(words[i]))) name.push(words[i++]);
    if (i >= words.length) return undefined;
    name.push(words[i++]);
    names.push(name.join(' '));
  }
  return names;
}

/** Splits an author line into names: commas, "and", wide gaps; footnote marks removed. */
function namesIn(line: string): string[] {
  return line
    .replace(/[∗*†‡§¶♯♮⋆⋄◇♠♣♥♦]+/g, ' ')
    .replace(/(\p{L})\d+(?:,\d+)*/gu, '$1')
    .split(/\s*,\s*|\s+and\s+|\s*&\s*|\s{2,}/)
    .map((n) => n.replace(/\s+/g, ' ').trim())
    // Four or more words are more often two names run together than one long name.
    .flatMap((n) => splitRunTogether(n) ?? (NAME.test(n) ? [n] : []));
}

/** The largest text near the top of the page, joined over its lines: the title. */
function titleOf(lines: readonly FirstPageLine[]): { title: string; end: number } | undefined {
  const texty = lines.map((l, i) => ({ ...l, i })).filter((l) => /[A-Za-z]{3}/.test(l.text) && !/arxiv\s*:/i.test(l.text));
  if (!texty.length) return undefined;
  const big = Math.max(...texty.map((l) => l.fontSize));
  const first = texty.find((l) => Math.abs(l.fontSize - big) < 0.5)!;
  const parts = [first.text];
  let end = first.i;
  for (let i = first.i + 1; i < lines.length && parts.length < 4 && Math.abs(lines[i].fontSize - big) < 0.5; i++) {
    parts.push(lines[i].text);
    end = i;
  }
  const title = parts.join(' ').replace(/-\s+(?=[a-z])/g, '').replace(/\s+/g, ' ').trim();
  return title.length > 3 ? { title: title.slice(0, 300), end } : undefined;
}

/** Authors: the name-like lines between the title and the abstract. */
function authorsAfter(lines: readonly FirstPageLine[], from: number): string[] {
  const names: string[] = [];
  for (let i = from + 1; i < lines.length && i <= from + 14; i++) {
    const t = lines[i].text.trim();
    if (/^abstract\b/i.test(t) || /^\d+(\.\d+)*\s+introduction/i.test(t)) break;
    if (!t || NOT_NAMES.test(t)) continue;
    for (const n of namesIn(t)) if (!names.includes(n)) names.push(n);
  }
  return names;
}

/**
 * Reads a paper's identity from its first page (upright lines with their font sizes, plus any
 * other text on it such as arXiv's rotated margin stamp), its file name and its Info dictionary.
 */
export function identifyPaper(input: { lines: readonly FirstPageLine[]; otherText?: string; fileName?: string; info?: InfoClaims }): PaperIdentity {
  const pageText = [input.otherText ?? '', ...input.lines.map((l) => l.text)].join('\n');
  const out: PaperIdentity = {};
  const fromPage = arxivIn(pageText, true);
  const fromName = input.fileName ? arxivIn(input.fileName.replace(/\.pdf$/i, ''), false) : undefined;
  const arxiv = fromPage ?? fromName;
  if (arxiv) {
    out.arxivId = arxiv.id;
    const version = fromPage?.version ?? (fromName?.id === arxiv.id ? fromName.version : undefined);
    if (version) out.arxivVersion = version;
  }
  const doi = DOI.exec(pageText) ?? (input.fileName ? DOI.exec(input.fileName.replace(/_/g, '/')) : null);
  if (doi) out.doi = cleanDoi(doi[1]);
  const t = titleOf(input.lines);
  if (t) out.title = t.title;
  else if (input.info?.title) out.title = input.info.title;
  const authors = t ? authorsAfter(input.lines, t.end) : [];
  if (authors.length) out.authors = authors;
  else if (input.info?.authors?.length) out.authors = input.info.authors;
  // The paper's own date: the stamp of this arXiv version, else the month of the id, else a year on the page.
  const stamped = stampDate(pageText);
  if (stamped && normaliseDate(stamped)) out.date = stamped;
  else if (arxiv) out.date = `${arxiv.month}-01`;
  const yearOnPage = /\b(?:NeurIPS|NIPS|ICML|ICLR|ACL|EMNLP|NAACL|AAAI|IJCAI|CVPR|Conference|Proceedings|Workshop|©|Copyright)[^\n]{0,60}?\b((?:19|20)\d{2})\b/.exec(pageText);
  if (out.date) out.year = Number(out.date.slice(0, 4));
  else if (yearOnPage) out.year = Number(yearOnPage[1]);
  else if (input.info?.date) out.year = Number(input.info.date.slice(0, 4));
  if (out.arxivId) out.identifier = `arXiv:${out.arxivId}${out.arxivVersion ? `v${out.arxivVersion}` : ''}`;
  else if (out.doi) out.identifier = `doi:${out.doi}`;
  return out;
}

function words(s: string): string[] {
  return s.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

/**
 * The title to keep: the Info dictionary's when it agrees with the first page (most of the
 * shorter one's words are in the longer one: often the fuller form), else the first page's.
 */
export function chooseTitle(firstPage: string | undefined, info: string | undefined): string | undefined {
  if (!firstPage || !info) return firstPage ?? info;
  const [short, long] = words(firstPage).length <= words(info).length ? [words(firstPage), new Set(words(info))] : [words(info), new Set(words(firstPage))];
  const shared = short.filter((w) => long.has(w)).length;
  return short.length && shared / short.length >= 0.8 ? info : firstPage;
}

/** The date a knowledge cut-off should compare: the paper's own, or its arXiv id's month. */
export function paperDate(ref: { date?: string; arxivId?: string }): string | undefined {
  if (ref.date) return ref.date.slice(0, 10);
  const hit = ref.arxivId ? arxivIn(ref.arxivId, false) : undefined;
  return hit ? `${hit.month}-01` : undefined;
}
