/**
 * The PDF view in headless Chromium under its real HTML and CSP: time from the view's script start
 * to page 1 drawn, and the JS heap after page 1 and after going through the whole paper, for the
 * 68-page InstructGPT paper in ../shared/papers (skipped when absent). Baseline in the same run:
 * a one-page generated PDF, so the ratio shows what the paper's length costs. And a citation click:
 * from `reveal` to the cited passage marked on its page, against going to that page without a passage.
 *
 *   node --import tsx bench/pdfView.bench.ts     (ALIGN_PDF_BENCH=citations: the citation clicks only)
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { pdfViewHtml } from '../src/host/pdfView/pdfViewHtml';
import { buildPdf, proseLines } from '../test/support/pdfFixture';
import { chunkSource } from '../src/core/retrieval/chunker';
import { citationFocus, passageSentences } from '../src/core/retrieval/citationFocus';
import { loadSourceFile } from '../src/core/sources/loadSource';

const ROOT = path.resolve(__dirname, '..');
const PDFJS = path.join(ROOT, 'node_modules', 'pdfjs-dist');
const PAPERS = process.env.ALIGN_PAPERS ?? [path.resolve(ROOT, '../shared/papers'), path.resolve(ROOT, '../../shared/papers')].find((d) => fs.existsSync(d));
const RUNS = 3;

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

async function main(): Promise<void> {
  const paper = PAPERS && path.join(PAPERS, 'ouyang2022_instructgpt.pdf');
  if (!paper || !fs.existsSync(paper)) {
    console.log('skipped: the 68-page paper is not in ../shared/papers');
    return;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'align-pdfbench-'));
  // Removed however the bench ends (a failure is an unhandled rejection, which exits).
  process.on('exit', () => fs.rmSync(work, { recursive: true, force: true }));
  await build({ entryPoints: [path.join(ROOT, 'src/webview/pdfView/pdfView.ts')], bundle: true, minify: true, platform: 'browser', format: 'esm', target: 'es2022', outfile: path.join(work, 'pdfView.js'), logLevel: 'silent' });
  const files = http.createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]);
    const file = url === '/pdfView.js' ? path.join(work, 'pdfView.js') : url === '/pdfView.css' ? path.join(ROOT, 'media/pdfView.css') : url.startsWith('/pdfjs/') ? path.join(PDFJS, url === '/pdfjs/pdf.worker.min.mjs' ? 'build/pdf.worker.min.mjs' : url.slice(7)) : '';
    if (!file || !fs.existsSync(file)) return void res.writeHead(404, { 'access-control-allow-origin': '*' }).end();
    res.writeHead(200, { 'content-type': /\.m?js$/.test(file) ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'application/octet-stream', 'access-control-allow-origin': '*' }).end(fs.readFileSync(file));
  });
  const filesUrl = await listen(files);
  const site = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end(
      pdfViewHtml({ cspSource: filesUrl, nonce: 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6', scriptUri: `${filesUrl}/pdfView.js`, styleUri: `${filesUrl}/pdfView.css`, codiconsUri: `${filesUrl}/none.css`, workerUri: `${filesUrl}/pdfjs/pdf.worker.min.mjs`, cmapsUri: `${filesUrl}/pdfjs/cmaps/`, fontsUri: `${filesUrl}/pdfjs/standard_fonts/`, wasmUri: `${filesUrl}/pdfjs/wasm/`, title: 'bench' }),
    );
  });
  const siteUrl = await listen(site);
  // Chromium's own temporary files (org.chromium.Chromium.*, left when it is killed) go into `work` too.
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--enable-precise-memory-info'], env: { ...process.env, TMPDIR: work } });

  async function once(bytes: Uint8Array, walk: boolean): Promise<{ firstPage: number; heapFirst: number; heapAfter: number; drawn: number }> {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const heap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
      return metrics.find((m) => m.name === 'JSHeapUsedSize')!.value / 1e6;
    };
    await page.addInitScript('window.__posted=[];window.acquireVsCodeApi=()=>({postMessage:(m)=>window.__posted.push(m),getState(){},setState(){}});');
    await page.goto(siteUrl);
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string; ms?: number; pageCount?: number }[] }).__posted.some((m) => m.type === 'ready'));
    await page.evaluate((b) => window.postMessage({ type: 'load', bytes: new Uint8Array(b), name: 'p.pdf' }, '*'), [...bytes]);
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string; ms?: number; pageCount?: number }[] }).__posted.some((m) => m.type === 'firstPage'), undefined, { timeout: 60_000 });
    const firstPage = (await page.evaluate(() => (window as unknown as { __posted: { type: string; ms?: number; pageCount?: number }[] }).__posted.find((m) => m.type === 'firstPage')!.ms)) as number;
    const heapFirst = await heap();
    if (walk) {
      const n = (await page.evaluate(() => (window as unknown as { __posted: { type: string; ms?: number; pageCount?: number }[] }).__posted.find((m) => m.type === 'firstPage')!.pageCount)) as number;
      for (let p = 2; p <= n; p += 3) {
        await page.locator('#page-input').fill(String(p));
        await page.keyboard.press('Enter');
        await page.waitForSelector(`.page[data-page="${p}"] canvas`, { timeout: 30_000 });
      }
    }
    const heapAfter = await heap();
    const drawn = await page.locator('.page canvas').count();
    await page.close();
    return { firstPage, heapFirst, heapAfter, drawn };
  }

  // Citation click → highlighted passage, on the 68-page paper just opened: the time from the host's
  // `reveal` to the passage's marks on the text layer. Baseline: going to the same page without a
  // passage (page drawn, text layer ready), in another fresh view. Passages from our own parser.
  async function citationClicks(bytes: Uint8Array): Promise<{ go: number[]; mark: number[]; found: number }> {
    const parsed = await loadSourceFile(paper!);
    const passages = chunkSource(parsed).filter((p) => p.location.page !== undefined && p.text.length > 200);
    const picks = [0.2, 0.5, 0.8, 0.35, 0.65].map((f) => passages[Math.floor(f * passages.length)]);
    // Each measurement in a freshly loaded view, so neither one finds its page already drawn.
    const timeTo = async (msg: object, selector: string): Promise<number> => {
      const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
      await page.addInitScript('window.__posted=[];window.acquireVsCodeApi=()=>({postMessage:(m)=>window.__posted.push(m),getState(){},setState(){}});');
      await page.goto(siteUrl);
      await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
      await page.evaluate((b) => window.postMessage({ type: 'load', bytes: new Uint8Array(b), name: 'p.pdf' }, '*'), [...bytes]);
      await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'firstPage'), undefined, { timeout: 60_000 });
      // A string, not a function: tsx would wrap a named inner function in a helper the page lacks.
      const ms = await Promise.race([
        page.evaluate(`new Promise((resolve) => {
          const t0 = performance.now();
          window.postMessage(${JSON.stringify(msg)}, '*');
          const poll = () => (document.querySelector(${JSON.stringify(selector)}) ? resolve(performance.now() - t0) : requestAnimationFrame(poll));
          poll();
        })`) as Promise<number>,
        new Promise<number>((r) => setTimeout(() => r(NaN), 20_000)),
      ]);
      await page.close();
      return ms;
    };
    const go: number[] = [];
    const mark: number[] = [];
    let found = 0;
    for (const p of picks) {
      const n = p.location.page!;
      go.push(await timeTo({ type: 'reveal', page: n }, `.page[data-page="${n}"] .textLayer span`));
      const claim = passageSentences(p.text)[1] ?? p.text.slice(0, 200);
      const ms = await timeTo({ type: 'reveal', page: n, quote: p.text, focus: citationFocus(p.text, claim) }, `.page[data-page="${n}"] .textLayer .highlight`);
      if (!Number.isNaN(ms)) {
        mark.push(ms);
        found++;
      }
    }
    return { go, mark, found };
  }

  const small = buildPdf([{ paragraphs: [proseLines('Only', 30)] }]);
  const big = new Uint8Array(fs.readFileSync(paper));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const base: number[] = [];
  const real: { firstPage: number; heapFirst: number; heapAfter: number; drawn: number }[] = [];
  for (let i = 0; i < (process.env.ALIGN_PDF_BENCH === 'citations' ? 0 : RUNS); i++) {
    base.push((await once(small, false)).firstPage);
    real.push(await once(big, true));
  }
  if (real.length) {
    const fp = median(real.map((r) => r.firstPage));
    console.log(`first page drawn: 1-page baseline ${median(base)} ms, 68-page paper ${fp} ms (×${(fp / median(base)).toFixed(2)}), median of ${RUNS}`);
    console.log(`JS heap, 68-page paper: ${median(real.map((r) => r.heapFirst)).toFixed(1)} MB after page 1, ${median(real.map((r) => r.heapAfter)).toFixed(1)} MB after visiting every third page; canvases kept ${Math.max(...real.map((r) => r.drawn))} (limit 8)`);
  }
  const clicks = await citationClicks(big);
  console.log(
    `citation click → highlighted passage, 68-page paper: go to the page ${median(clicks.go).toFixed(0)} ms (baseline), ` +
      `to the passage's marks ${clicks.found ? median(clicks.mark).toFixed(0) : '—'} ms (×${clicks.found ? (median(clicks.mark) / median(clicks.go)).toFixed(2) : '—'}), ` +
      `median of ${clicks.go.length}; passages found on their page ${clicks.found}/${clicks.go.length}`,
  );
  await browser.close();
  files.close();
  site.close();
}
void main();
