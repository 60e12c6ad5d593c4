// The PDF view's front end in a real headless Chromium, under the exact HTML and CSP the extension
// serves (pdfViewHtml), with the extension's files on another origin than the page as in VS Code
// (so pdf.js must start its worker from a blob). A generated PDF is posted as bytes, as the host does.
// Run: node --import tsx --test test/browser/pdfViewRender.test.ts  (needs /usr/bin/chromium or $CHROMIUM)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { pdfViewHtml } from '../../src/host/pdfView/pdfViewHtml';
import { buildPdf, proseLines } from '../support/pdfFixture';

const ROOT = path.resolve(__dirname, '..', '..');
const MEDIA = path.join(ROOT, 'media');
const PDFJS = path.join(ROOT, 'node_modules', 'pdfjs-dist');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const NONCE = '5a1c3e7a9b1d2f4e6a8c0b2d4f6e8a1c';

let page0: http.Server;
let files: http.Server;
let pageUrl = '';
let filesUrl = '';
let browser: BrowserContext;
let workDir = '';
const remoteHits: string[] = [];

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.wasm': 'application/wasm' };

before(async () => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'align-pdfview-'));
  await build({ entryPoints: [path.join(ROOT, 'src/webview/pdfView/pdfView.ts')], bundle: true, platform: 'browser', format: 'esm', target: 'es2022', outfile: path.join(workDir, 'pdfView.js'), logLevel: 'silent' });
  // The extension's files (VS Code's resource origin): media/ and pdf.js's data, with CORS as VS Code serves them.
  files = http.createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]);
    let file: string | undefined;
    if (url === '/pdfView.js') file = path.join(workDir, 'pdfView.js');
    else if (url === '/pdfView.css') file = path.join(MEDIA, 'pdfView.css');
    else if (url.startsWith('/codicons/')) file = path.join(ROOT, 'node_modules/@vscode/codicons/dist', path.basename(url));
    else if (url === '/pdfjs/pdf.worker.min.mjs') file = path.join(PDFJS, 'build', 'pdf.worker.min.mjs');
    else if (/^\/pdfjs\/(cmaps|standard_fonts|wasm)\/[\w.-]+$/.test(url)) file = path.join(PDFJS, url.slice('/pdfjs/'.length));
    if (!file || !fs.existsSync(file)) {
      res.writeHead(404, { 'access-control-allow-origin': '*' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'access-control-allow-origin': '*' }).end(fs.readFileSync(file));
  });
  filesUrl = await listen(files);
  page0 = http.createServer((req, res) => {
    if ((req.url ?? '/') !== '/') {
      remoteHits.push(req.url ?? '');
      res.writeHead(404).end();
      return;
    }
    const html = pdfViewHtml({
      cspSource: filesUrl,
      nonce: NONCE,
      scriptUri: `${filesUrl}/pdfView.js`,
      styleUri: `${filesUrl}/pdfView.css`,
      codiconsUri: `${filesUrl}/codicons/codicon.css`,
      workerUri: `${filesUrl}/pdfjs/pdf.worker.min.mjs`,
      cmapsUri: `${filesUrl}/pdfjs/cmaps/`,
      fontsUri: `${filesUrl}/pdfjs/standard_fonts/`,
      wasmUri: `${filesUrl}/pdfjs/wasm/`,
      title: 'paper.pdf',
    });
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  pageUrl = await listen(page0);
  browser = await chromium.launchPersistentContext(path.join(workDir, 'profile'), {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    viewport: { width: 900, height: 800 },
  });
});

after(async () => {
  await browser?.close();
  page0?.close();
  files?.close();
  fs.rmSync(workDir, { recursive: true, force: true });
});

/** Opens the view with a stand-in for VS Code's webview API that records what it posts. */
async function openView(pdf: Uint8Array): Promise<{ page: Page; posted: () => Promise<{ type: string; [k: string]: unknown }[]>; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  // A string, not a function: tsx would wrap a function's source in helpers the page does not have.
  await page.addInitScript(`window.__posted = [];
    window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => undefined, setState: () => undefined });`);
  await page.goto(pageUrl);
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready')).catch((e: Error) => {
    throw new Error(`${e.message}; console: ${errors.join(' | ')}`);
  });
  await page.evaluate((bytes) => window.postMessage({ type: 'load', bytes: new Uint8Array(bytes), name: 'paper.pdf' }, '*'), [...pdf]);
  return { page, errors, posted: () => page.evaluate(() => (window as unknown as { __posted: { type: string }[] }).__posted) };
}

function longPaper(pages: number): Uint8Array {
  return buildPdf(
    Array.from({ length: pages }, (_, i) =>
      i === 0
        ? { texts: [{ text: 'A Long Paper About Reward Models', x: 120, y: 700, size: 18 }], paragraphs: [[''], [''], [''], proseLines('Intro', 20)] }
        : { paragraphs: [proseLines(`Page ${i + 1}`, 40)], pageLabel: String(i + 1) },
    ),
  );
}

test('shows page 1 with a selectable text layer under the strict CSP, drawing only pages near the view', async () => {
  const { page, posted, errors } = await openView(longPaper(68));
  await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'firstPage'), undefined, { timeout: 30_000 });
  const first = (await posted()).find((m) => m.type === 'firstPage')!;
  assert.equal(first.pageCount, 68);
  await page.waitForSelector('.page[data-page="1"] .textLayer span');
  const text = await page.locator('.page[data-page="1"] .textLayer').textContent();
  assert.match(text ?? '', /A Long Paper About Reward Models/);
  const drawn = await page.locator('.page canvas').count();
  assert.ok(drawn >= 1 && drawn <= 8, `only pages near the view are drawn (${drawn})`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, 'pdf-view-browser.png') });
  // Through the paper by keyboard and the go-to box: pages there are drawn, far ones dropped.
  await page.locator('#viewer').focus();
  await page.keyboard.press('End');
  await page.waitForSelector('.page[data-page="68"] canvas', { timeout: 30_000 });
  for (const n of [10, 20, 30, 40, 50, 60]) {
    await page.locator('#page-input').fill(String(n));
    await page.keyboard.press('Enter');
    await page.waitForSelector(`.page[data-page="${n}"] .textLayer span`, { timeout: 30_000 });
  }
  await page.waitForFunction(() => !document.querySelector('.page[data-page="1"] canvas'), undefined, { timeout: 30_000 });
  const kept = await page.locator('.page canvas').count();
  assert.ok(kept <= 8, `at most 8 pages stay drawn (${kept})`);
  assert.deepEqual(errors.filter((e) => !/favicon/.test(e)), [], 'no errors (CSP violations included) in the console');
  assert.deepEqual(remoteHits, [], 'nothing is fetched from the page origin');
  assert.deepEqual((await posted()).filter((m) => m.type === 'error'), [], 'the view reported no error (its worker started)');
  await page.close();
});

test('finds text on a page not yet drawn (Ctrl+F) and highlights it', async () => {
  const { page } = await openView(longPaper(30));
  await page.waitForSelector('.page[data-page="1"] .textLayer span', { timeout: 30_000 });
  await page.locator('#viewer').click();
  await page.keyboard.press('Control+f');
  await page.locator('#find-input').fill('Page 27 line 3 of');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.page[data-page="27"] .textLayer .highlight', { timeout: 30_000 });
  assert.equal(await page.locator('#find-status').textContent(), '1 of 1');
  assert.match((await page.locator('.page[data-page="27"] .highlight').first().textContent()) ?? '', /Page 27 line 3 of/);
  assert.equal(await page.locator('#page-input').inputValue(), '27');
  await page.close();
});

test('a page given in the go-to box is scrolled to; zoom changes the page size', async () => {
  const { page } = await openView(longPaper(20));
  await page.waitForSelector('.page[data-page="1"] .textLayer span', { timeout: 30_000 });
  const before = await page.locator('.page[data-page="1"]').boundingBox();
  await page.locator('#page-input').fill('12');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.page[data-page="12"] canvas', { timeout: 30_000 });
  await page.locator('#zoom-in').click();
  const after = await page.locator('.page[data-page="1"]').boundingBox();
  assert.ok(after!.width > before!.width, 'zoom in makes pages wider');
  assert.equal(await page.locator('#page-input').inputValue(), '12', 'the page in view stays the same');
  await page.close();
});

test('a mouse drag over two lines selects those lines only, and the view reports the selection with its page', async () => {
  const pdf = buildPdf([
    { paragraphs: [['Title page']] },
    { paragraphs: [proseLines('Before', 6), ['The KL penalty serves two purposes: it acts as an entropy bonus', 'and it keeps the policy close to the data the reward model saw.'], proseLines('After', 6)] },
  ]);
  const { page, posted } = await openView(pdf);
  await page.waitForSelector('.page[data-page="2"] .textLayer span', { timeout: 30_000 });
  await page.locator('#page-input').fill('2');
  await page.keyboard.press('Enter');
  const a = await page.locator('.page[data-page="2"] .textLayer span', { hasText: 'The KL penalty serves' }).boundingBox();
  const b = await page.locator('.page[data-page="2"] .textLayer span', { hasText: 'and it keeps the policy' }).boundingBox();
  await page.mouse.move(a!.x + 1, a!.y + a!.height / 2);
  await page.mouse.down();
  // Through the white space right of the lines, as a hand does.
  await page.mouse.move(b!.x + b!.width + 40, a!.y + a!.height, { steps: 5 });
  await page.mouse.move(b!.x + b!.width - 1, b!.y + b!.height / 2, { steps: 5 });
  await page.mouse.up();
  // The view reports the selection as it grows; wait for the one that ends where the mouse was released.
  await page
    .waitForFunction(() => (window as unknown as { __posted: { type: string; text?: string }[] }).__posted.some((m) => m.type === 'selection' && /model saw/.test(m.text ?? '')), undefined, { timeout: 10_000 })
    .catch(() => undefined);
  const sel = (await posted()).filter((m) => m.type === 'selection').at(-1)!;
  assert.equal(sel.page, 2);
  assert.match(String(sel.text), /^The KL penalty serves two purposes.*and it keeps the policy close to the data the reward model saw/);
  assert.doesNotMatch(String(sel.text), /Before line|After line/);
  await page.close();
});
