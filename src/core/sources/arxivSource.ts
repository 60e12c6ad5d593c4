import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ParsedSource } from './sourceTypes';
import type { SourceCache } from './sourceCache';
import { AlignError } from '../errors';
import { sha256Hex } from './hash';
import { writeFileAtomic } from '../dataset/jsonlFile';

const NEW_ID = /(\d{4}\.\d{4,5})(v\d+)?/;
const OLD_ID = /([a-z-]+(?:\.[A-Z]{2})?\/\d{7})(v\d+)?/;

/** The arXiv id in `2009.01325`, `arXiv:2009.01325v2`, `https://arxiv.org/abs/…`, `…/pdf/….pdf`; undefined otherwise. */
export function parseArxivId(input: string): string | undefined {
  const s = input.trim();
  const looksArxiv = /arxiv/i.test(s) || /^\d{4}\.\d{4,5}(v\d+)?$/.test(s) || /^[a-z-]+(\.[A-Z]{2})?\/\d{7}(v\d+)?$/.test(s);
  if (!looksArxiv) return undefined;
  const m = NEW_ID.exec(s) ?? OLD_ID.exec(s);
  return m ? m[1] + (m[2] ?? '') : undefined;
}

export interface ArxivMetadata {
  id: string;
  title: string;
  authors: string[];
  /** First version's date, YYYY-MM-DD: what information constraints compare with. */
  published: string;
  pdfUrl: string;
}

export interface ArxivOptions {
  cacheDir: string;
  cache?: SourceCache;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Overridable for tests (a local server); the defaults are arXiv's. */
  apiUrl?: string;
  pdfBaseUrl?: string;
  fetchImpl?: typeof fetch;
}

function decodeXml(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&').replace(/\s+/g, ' ').trim();
}

/** Reads one entry of arXiv's Atom API answer. */
export function parseArxivAtom(xml: string, id: string, pdfBaseUrl: string): ArxivMetadata | undefined {
  const entry = /<entry>([\s\S]*?)<\/entry>/.exec(xml)?.[1];
  if (!entry) return undefined;
  const title = /<title[^>]*>([\s\S]*?)<\/title>/.exec(entry)?.[1];
  // arXiv answers an unknown id with an entry titled "Error".
  if (!title || /^error$/i.test(title.trim()) || /<id>[^<]*api\/errors/.test(entry)) return undefined;
  const authors = [...entry.matchAll(/<author>\s*<name>([\s\S]*?)<\/name>/g)].map((m) => decodeXml(m[1]));
  const published = /<published>(\d{4}-\d{2}-\d{2})/.exec(entry)?.[1] ?? '';
  return { id, title: decodeXml(title), authors, published, pdfUrl: `${pdfBaseUrl.replace(/\/$/, '')}/${id}` };
}

async function fetchWithTimeout(url: string, o: ArxivOptions): Promise<Response> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), o.timeoutMs ?? 30_000);
  const onAbort = () => abort.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    return await (o.fetchImpl ?? fetch)(url, { signal: abort.signal, headers: { 'user-agent': 'alignment-research-assistant' } });
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * An arXiv paper as a source: metadata from arXiv's API (title, authors, first-version date) and
 * the PDF, both cached on disk by id, so a paper read once opens offline.
 */
export async function loadArxiv(input: string, o: ArxivOptions): Promise<ParsedSource> {
  const id = parseArxivId(input);
  if (!id) throw new AlignError(`"${input}" is not an arXiv id or URL.`, 'arxiv-id', 'Use an id like 2009.01325 or a link like https://arxiv.org/abs/2009.01325.');
  const dir = path.join(o.cacheDir, 'arxiv', id.replace(/\//g, '_'));
  const metaFile = path.join(dir, 'meta.json');
  const pdfFile = path.join(dir, 'paper.pdf');
  let meta: ArxivMetadata | undefined;
  try {
    meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as ArxivMetadata;
  } catch {
    meta = undefined;
  }
  const offline = (e: unknown) =>
    new AlignError(`Could not reach arXiv for ${id} (${(e as Error).name === 'AbortError' ? 'timed out' : (e as Error).message}); the paper is not cached.`, 'arxiv-network', 'Check the connection, or download the PDF and use Ask About Paper.');
  if (!meta) {
    let res: Response;
    try {
      res = await fetchWithTimeout(`${o.apiUrl ?? 'https://export.arxiv.org/api/query'}?id_list=${encodeURIComponent(id)}`, o);
    } catch (e) {
      throw offline(e);
    }
    if (!res.ok) throw new AlignError(`arXiv answered ${res.status} for ${id}.`, 'arxiv-http', 'Try again later.');
    meta = parseArxivAtom(await res.text(), id, o.pdfBaseUrl ?? 'https://arxiv.org/pdf');
    if (!meta) throw new AlignError(`arXiv has no paper ${id}.`, 'arxiv-unknown', 'Check the id.');
  }
  let bytes: Uint8Array;
  if (fs.existsSync(pdfFile)) {
    bytes = fs.readFileSync(pdfFile);
  } else {
    let res: Response;
    try {
      res = await fetchWithTimeout(meta.pdfUrl, o);
    } catch (e) {
      throw offline(e);
    }
    if (res.status === 404) throw new AlignError(`arXiv has no PDF for ${id}.`, 'arxiv-unknown', 'Check the id.');
    if (!res.ok) throw new AlignError(`arXiv answered ${res.status} for the PDF of ${id}.`, 'arxiv-http', 'Try again later.');
    bytes = new Uint8Array(await res.arrayBuffer());
    if (!Buffer.from(bytes.subarray(0, 5)).toString('latin1').startsWith('%PDF-')) {
      throw new AlignError(`arXiv sent something that is not a PDF for ${id}.`, 'arxiv-not-pdf', 'Open the paper in a browser and download the PDF.');
    }
    fs.mkdirSync(dir, { recursive: true });
    writeFileAtomic(pdfFile, bytes);
  }
  writeFileAtomic(metaFile, JSON.stringify(meta, null, 2));
  const hash = sha256Hex(bytes);
  const cached = o.cache?.get(hash);
  const url = `https://arxiv.org/abs/${id}`;
  if (cached) return { ...cached, ref: { ...cached.ref, title: meta.title, authors: meta.authors, date: meta.published, url, arxivId: id } };
  const { parsePdf } = await import('./pdfSource');
  const parsed = await parsePdf(bytes, { title: meta.title, kind: 'pdf', contentHash: hash, url, arxivId: id, date: meta.published, authors: meta.authors }, { signal: o.signal });
  parsed.ref = { ...parsed.ref, title: meta.title, authors: meta.authors, date: meta.published, url, arxivId: id };
  o.cache?.put(parsed);
  return parsed;
}
