import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { ParsedSource } from './sourceTypes';
import type { SourceCache } from './sourceCache';
import { AlignError, CancelledError } from '../errors';
import { sha256Hex } from './hash';
import { parsePdfBounded } from './pdfWorkerClient';

const NEW_STYLE = /^\d{4}\.\d{4,5}(?:v\d+)?$/;
const OLD_STYLE = /^[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?\/\d{7}(?:v\d+)?$/;

/**
 * The arXiv id in what a researcher typed or pasted: `2009.01325`, `2009.01325v2`,
 * `arXiv:2009.01325`, `https://arxiv.org/abs/2009.01325`, `/pdf/2009.01325v1.pdf`,
 * `hep-th/9901001`. Undefined when there is none.
 */
export function parseArxivId(input: string): string | undefined {
  let s = input.trim();
  s = s.replace(/^arxiv:\s*/i, '');
  const url = /^(?:https?:\/\/)?(?:www\.|export\.)?arxiv\.org(\/.*)$/i.exec(s);
  if (url) s = url[1];
  s = s.replace(/[?#].*$/, '');
  const route = /^\/?(?:abs|pdf|html|format)\/(.+)$/i.exec(s);
  if (route) s = route[1];
  else if (url) return undefined;
  s = s.replace(/\/+$/, '').replace(/\.pdf$/i, '');
  return NEW_STYLE.test(s) || OLD_STYLE.test(s) ? s : undefined;
}

/** What arXiv says about a paper. */
export interface ArxivMetadata {
  id: string;
  title: string;
  authors: string[];
  /** First version's date, YYYY-MM-DD. */
  published?: string;
  /** Latest version's date, YYYY-MM-DD. */
  updated?: string;
  abstract?: string;
  /** The abstract page. */
  absUrl: string;
}

/** Options for reaching arXiv; the URLs are overridable so tests use a local server. */
export interface ArxivOptions {
  /** Folder for downloaded papers (`<cacheDir>/arxiv/…`). */
  cacheDir: string;
  fetchImpl?: typeof fetch;
  /** Per request; 30 s by default. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Atom query API; default https://export.arxiv.org/api/query. */
  baseUrl?: string;
  /** Prefix the id is appended to for the PDF; default https://arxiv.org/pdf/. */
  pdfBaseUrl?: string;
}

/** A fetched paper: metadata, PDF bytes, and whether they came from the disk cache. */
export interface ArxivPaper {
  meta: ArxivMetadata;
  pdf: Uint8Array;
  fromCache: boolean;
}

const DEFAULT_API = 'https://export.arxiv.org/api/query';
const DEFAULT_PDF = 'https://arxiv.org/pdf/';

function decodeXml(s: string): string {
  return s
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1')
    .replace(/&#x([0-9a-f]+);/gi, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function tag(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(xml);
  return m ? decodeXml(m[1]).replace(/\s+/g, ' ').trim() : undefined;
}

/** Reads the first entry of an arXiv Atom feed; undefined when the feed has no real entry (unknown id). */
export function parseArxivAtom(xml: string, id: string): ArxivMetadata | undefined {
  const entry = /<entry(?:\s[^>]*)?>([\s\S]*?)<\/entry>/.exec(xml)?.[1];
  if (!entry) return undefined;
  const entryId = tag(entry, 'id') ?? '';
  const title = tag(entry, 'title');
  if (!title || /api\/errors/.test(entryId) || title === 'Error') return undefined;
  const authors = [...entry.matchAll(/<author(?:\s[^>]*)?>([\s\S]*?)<\/author>/g)].map((m) => tag(m[1], 'name')).filter((n): n is string => !!n);
  const day = (v: string | undefined) => (v && /^\d{4}-\d{2}-\d{2}/.test(v) ? v.slice(0, 10) : undefined);
  const published = day(tag(entry, 'published'));
  const updated = day(tag(entry, 'updated'));
  const abstract = tag(entry, 'summary');
  return { id, title, authors, ...(published ? { published } : {}), ...(updated ? { updated } : {}), ...(abstract ? { abstract } : {}), absUrl: `https://arxiv.org/abs/${id}` };
}

function cachePaths(cacheDir: string, id: string): { meta: string; pdf: string } {
  const base = path.join(cacheDir, 'arxiv', id.replace(/\//g, '_'));
  return { meta: `${base}.json`, pdf: `${base}.pdf` };
}

function isMetadata(v: unknown): v is ArxivMetadata {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  return typeof m.id === 'string' && typeof m.title === 'string' && Array.isArray(m.authors) && m.authors.every((a) => typeof a === 'string') && typeof m.absUrl === 'string';
}

async function readCached(cacheDir: string, id: string): Promise<ArxivPaper | undefined> {
  const p = cachePaths(cacheDir, id);
  try {
    const meta: unknown = JSON.parse(await fs.readFile(p.meta, 'utf8'));
    const pdf = new Uint8Array(await fs.readFile(p.pdf));
    if (!isMetadata(meta) || !Buffer.from(pdf.subarray(0, 5)).toString('latin1').startsWith('%PDF-')) return undefined;
    return { meta, pdf, fromCache: true };
  } catch {
    return undefined;
  }
}

async function writeAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await fs.writeFile(tmp, data);
  await fs.rename(tmp, file);
}

function unreachable(id: string, reason: string, cause?: unknown): AlignError {
  return new AlignError(`Could not reach arXiv (${reason}): the paper ${id} is not cached; check the connection and try again.`, 'arxiv-unreachable', undefined, { cause });
}

function notFound(id: string): AlignError {
  return new AlignError(`arXiv has no paper ${id}.`, 'arxiv-not-found', 'Check the id (for example 2009.01325 or hep-th/9901001).');
}

/** One GET with a timeout; network failures become "Could not reach arXiv", the user's cancel a CancelledError. */
async function get(url: string, id: string, opts: ArxivOptions): Promise<Response> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const ctl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctl.abort();
  }, timeoutMs);
  const onAbort = () => ctl.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (opts.signal?.aborted) throw new CancelledError();
    const res = await (opts.fetchImpl ?? fetch)(url, { signal: ctl.signal, headers: { 'user-agent': 'alignment-research-assistant' } });
    return res;
  } catch (e) {
    if (e instanceof CancelledError || (opts.signal?.aborted && !timedOut)) throw new CancelledError();
    if (timedOut) throw unreachable(id, `no answer within ${Math.round(timeoutMs / 1000)} s`, e);
    const cause = (e as { cause?: { code?: unknown } }).cause;
    throw unreachable(id, typeof cause?.code === 'string' ? cause.code : e instanceof Error ? e.message : String(e), e);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

async function body(res: Response, id: string, opts: ArxivOptions): Promise<Uint8Array> {
  try {
    return new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    if (opts.signal?.aborted) throw new CancelledError();
    throw unreachable(id, 'the download was cut off', e);
  }
}

function checkStatus(res: Response, id: string): void {
  if (res.status === 404 || res.status === 410) throw notFound(id);
  if (res.status === 429 || res.status === 503) throw unreachable(id, `arXiv is busy: HTTP ${res.status}`);
  if (!res.ok) throw unreachable(id, `HTTP ${res.status}`);
}

/**
 * Metadata and PDF of an arXiv paper, from the disk cache when it has them (so a paper once
 * fetched opens offline), else from arXiv, then cached.
 */
export async function fetchArxiv(id: string, opts: ArxivOptions): Promise<ArxivPaper> {
  const cached = await readCached(opts.cacheDir, id);
  if (cached) return cached;
  const api = `${opts.baseUrl ?? DEFAULT_API}?id_list=${encodeURIComponent(id)}&max_results=1`;
  const metaRes = await get(api, id, opts);
  if (metaRes.status === 400) throw notFound(id);
  checkStatus(metaRes, id);
  const xml = new TextDecoder().decode(await body(metaRes, id, opts));
  const meta = parseArxivAtom(xml, id);
  if (!meta) throw notFound(id);
  const pdfRes = await get(`${opts.pdfBaseUrl ?? DEFAULT_PDF}${id}`, id, opts);
  checkStatus(pdfRes, id);
  const pdf = await body(pdfRes, id, opts);
  if (!Buffer.from(pdf.subarray(0, 1024)).toString('latin1').includes('%PDF-')) {
    const type = pdfRes.headers.get('content-type') ?? 'unknown content';
    throw new AlignError(`arXiv sent ${type.split(';')[0]} instead of a PDF for ${id}.`, 'arxiv-bad-response', 'The paper may have no PDF yet (withdrawn, or still processing); try again later or open its page in a browser.');
  }
  const p = cachePaths(opts.cacheDir, id);
  try {
    await writeAtomic(p.pdf, pdf);
    await writeAtomic(p.meta, JSON.stringify(meta));
  } catch {
    // Not caching only costs a download next time.
  }
  return { meta, pdf, fromCache: false };
}

/**
 * An arXiv paper as a source: fetched (or read from the cache), parsed as a PDF (through the
 * parsed-source cache when given), with arXiv's title, authors, date and URL on its reference.
 */
export async function loadArxivSource(input: string, opts: ArxivOptions & { cache?: SourceCache }): Promise<ParsedSource> {
  const id = parseArxivId(input);
  if (!id) throw new AlignError(`"${input}" is not an arXiv id or URL.`, 'arxiv-bad-id', 'Use an id like 2009.01325 or a link like https://arxiv.org/abs/2009.01325.');
  const paper = await fetchArxiv(id, opts);
  const contentHash = sha256Hex(paper.pdf);
  const parsed = opts.cache?.get(contentHash) ?? (await parsePdfBounded(paper.pdf, { title: paper.meta.title, contentHash }, { signal: opts.signal }));
  opts.cache?.put(parsed);
  const { path: _unused, ...ref } = parsed.ref;
  return {
    ...parsed,
    ref: {
      ...ref,
      title: paper.meta.title,
      url: paper.meta.absUrl,
      arxivId: id,
      authors: paper.meta.authors,
      ...(paper.meta.published ? { date: paper.meta.published } : {}),
    },
  };
}
