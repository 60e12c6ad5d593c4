import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { fetchArxiv, loadArxivSource, parseArxivAtom, parseArxivId } from '../../src/core/sources/arxivSource';
import { SourceCache } from '../../src/core/sources/sourceCache';
import { AlignError } from '../../src/core/errors';
import { unusedPort } from '../support/freePort';
import { buildPdf } from '../support/pdfFixture';

const PDF = buildPdf([{ heading: 'Learning to summarize', paragraphs: [['We train a reward model from human comparisons.']] }]);

function atom(id: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1</opensearch:totalResults>
  <entry>
    <id>http://arxiv.org/abs/${id}v3</id>
    <updated>2022-02-15T18:59:43Z</updated>
    <published>2020-09-02T17:59:48Z</published>
    <title>Learning to summarize from human
      feedback &amp; more</title>
    <summary>  As language models become more powerful... </summary>
    <author><name>Nisan Stiennon</name></author>
    <author><name>Long Ouyang</name></author>
  </entry>
</feed>`;
}
const EMPTY_FEED = '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><opensearch:totalResults>0</opensearch:totalResults></feed>';

let server: http.Server;
let base: string;
const hits: string[] = [];
let dir: string;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sources-arxiv-'));
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    hits.push(url.pathname + url.search);
    if (url.pathname === '/api/query') {
      const id = url.searchParams.get('id_list') ?? '';
      if (id === '9999.99999') return void res.writeHead(200, { 'content-type': 'application/atom+xml' }).end(EMPTY_FEED);
      if (id === '1111.11111') return void setTimeout(() => res.end(atom(id)), 2000);
      return void res.writeHead(200, { 'content-type': 'application/atom+xml' }).end(atom(id));
    }
    if (url.pathname.startsWith('/pdf/')) {
      const id = url.pathname.slice('/pdf/'.length);
      if (id === '2222.22222') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Access denied</html>');
      if (id === '3333.33333') return void res.writeHead(404).end('not found');
      return void res.writeHead(200, { 'content-type': 'application/pdf' }).end(Buffer.from(PDF));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  fs.rmSync(dir, { recursive: true, force: true });
});

// Generous: on a loaded 2-core machine the local server can take seconds to answer; the timeout test sets its own.
const opts = (cacheDir: string) => ({ cacheDir, baseUrl: `${base}/api/query`, pdfBaseUrl: `${base}/pdf/`, timeoutMs: 15_000 });

test('arXiv ids are found in the ways people write them', () => {
  const cases: [string, string | undefined][] = [
    ['2009.01325', '2009.01325'],
    ['2009.01325v2', '2009.01325v2'],
    ['arXiv:2009.01325', '2009.01325'],
    ['  ARXIV: 2009.01325 ', '2009.01325'],
    ['https://arxiv.org/abs/2009.01325', '2009.01325'],
    ['http://export.arxiv.org/abs/2009.01325v3?context=cs', '2009.01325v3'],
    ['https://arxiv.org/pdf/2009.01325v1.pdf', '2009.01325v1'],
    ['/pdf/2009.01325v1', '2009.01325v1'],
    ['2009.01325.pdf', '2009.01325'],
    ['hep-th/9901001', 'hep-th/9901001'],
    ['https://arxiv.org/abs/math.GT/0309136', 'math.GT/0309136'],
    ['1706.0374', '1706.0374'],
    ['not an id', undefined],
    ['2009.013', undefined],
    ['https://arxiv.org/list/cs.LG/recent', undefined],
    ['https://example.org/abs/2009.01325', undefined],
  ];
  for (const [input, id] of cases) assert.equal(parseArxivId(input), id, input);
});

test('Atom metadata: title, authors, dates; an empty feed means no such paper', () => {
  const m = parseArxivAtom(atom('2009.01325'), '2009.01325');
  assert.deepEqual(m, {
    id: '2009.01325',
    title: 'Learning to summarize from human feedback & more',
    authors: ['Nisan Stiennon', 'Long Ouyang'],
    published: '2020-09-02',
    updated: '2022-02-15',
    abstract: 'As language models become more powerful...',
    absUrl: 'https://arxiv.org/abs/2009.01325',
  });
  assert.equal(parseArxivAtom(EMPTY_FEED, '9999.99999'), undefined);
  assert.equal(parseArxivAtom('<feed><entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_x</id><title>Error</title></entry></feed>', 'x'), undefined);
});

test('fetch gets metadata and PDF, caches them, and the cache serves when arXiv is down', async () => {
  const cacheDir = path.join(dir, 'c1');
  hits.length = 0;
  const paper = await fetchArxiv('2009.01325', opts(cacheDir));
  assert.equal(paper.fromCache, false);
  assert.equal(paper.meta.title, 'Learning to summarize from human feedback & more');
  assert.deepEqual(Buffer.from(paper.pdf), Buffer.from(PDF));
  assert.deepEqual(hits, ['/api/query?id_list=2009.01325&max_results=1', '/pdf/2009.01325']);
  const port = await unusedPort();
  const offline = { cacheDir, baseUrl: `http://127.0.0.1:${port}/api/query`, pdfBaseUrl: `http://127.0.0.1:${port}/pdf/` };
  const again = await fetchArxiv('2009.01325', offline);
  assert.equal(again.fromCache, true);
  assert.deepEqual(again.meta, paper.meta);
});

test('errors: unknown id, server down, timeout, non-PDF answer, missing PDF', async () => {
  const cacheDir = path.join(dir, 'c2');
  const expectError = async (p: Promise<unknown>, code: string, message: RegExp) =>
    assert.rejects(p, (e: unknown) => {
      assert.ok(AlignError.is(e), String(e));
      assert.equal(e.code, code);
      assert.match(e.message, message);
      return true;
    });
  await expectError(fetchArxiv('9999.99999', opts(cacheDir)), 'arxiv-not-found', /^arXiv has no paper 9999\.99999\.$/);
  await expectError(fetchArxiv('3333.33333', opts(cacheDir)), 'arxiv-not-found', /3333\.33333/);
  const port = await unusedPort();
  await expectError(fetchArxiv('2009.01325', { cacheDir, baseUrl: `http://127.0.0.1:${port}/api/query` }), 'arxiv-unreachable', /^Could not reach arXiv \(.+\): the paper 2009\.01325 is not cached; check the connection/);
  await expectError(fetchArxiv('1111.11111', { ...opts(cacheDir), timeoutMs: 200 }), 'arxiv-unreachable', /no answer within/);
  await expectError(fetchArxiv('2222.22222', opts(cacheDir)), 'arxiv-bad-response', /text\/html instead of a PDF/);
  assert.equal(fs.existsSync(path.join(cacheDir, 'arxiv', '2222.22222.pdf')), false, 'a bad answer is not cached');
});

test('cancelling a fetch is a CancelledError, not a network error', async () => {
  const ctl = new AbortController();
  const p = fetchArxiv('1111.11111', { ...opts(path.join(dir, 'c3')), timeoutMs: 5000, signal: ctl.signal });
  setTimeout(() => ctl.abort(), 50);
  await assert.rejects(p, (e: unknown) => AlignError.is(e) && e.code === 'cancelled');
});

test('loadArxivSource: a parsed PDF with arXiv title, authors, date, URL and id', async () => {
  const cache = new SourceCache(path.join(dir, 'parsed'));
  const r = await loadArxivSource('https://arxiv.org/abs/2009.01325', { ...opts(path.join(dir, 'c4')), cache });
  assert.equal(r.ref.kind, 'pdf');
  assert.equal(r.ref.arxivId, '2009.01325');
  assert.equal(r.ref.url, 'https://arxiv.org/abs/2009.01325');
  assert.equal(r.ref.date, '2020-09-02');
  assert.deepEqual(r.ref.authors, ['Nisan Stiennon', 'Long Ouyang']);
  assert.equal(r.ref.title, 'Learning to summarize from human feedback & more');
  assert.ok(r.blocks.some((b) => b.text === 'We train a reward model from human comparisons.'));
  await assert.rejects(loadArxivSource('nonsense', opts(dir)), /is not an arXiv id/);
});
