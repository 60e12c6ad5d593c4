// Lets a test running inside the extension host look at the workbench it runs in: what the
// Chat view shows, a click on a button there, a screenshot. The runner holds the Playwright page;
// this serves a few operations on it over HTTP on 127.0.0.1 (ALIGN_TEST_PAGE_BRIDGE).
import http from 'node:http';
import path from 'node:path';
import fs from 'node:fs';

/** Starts the bridge; `setPage` gives it the page once the browser has one. */
export async function startPageBridge(artifacts) {
  let page;
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    try {
      if (!page) throw new Error('no page yet');
      const op = JSON.parse(body);
      let result;
      switch (op.op) {
        case 'text':
          // innerText of every match: what a person sees, not the markup.
          result = await page.evaluate((sel) => [...document.querySelectorAll(sel)].map((e) => e.innerText), op.selector);
          break;
        case 'count':
          result = await page.locator(op.selector).count();
          break;
        case 'click': {
          const loc = op.text ? page.locator(op.selector, { hasText: op.text }) : page.locator(op.selector);
          await loc.last().click({ timeout: op.timeoutMs ?? 10_000 });
          result = true;
          break;
        }
        case 'screenshot': {
          fs.mkdirSync(artifacts, { recursive: true });
          const file = path.join(artifacts, path.basename(op.name));
          await page.screenshot({ path: file });
          result = file;
          break;
        }
        default:
          throw new Error(`unknown op ${op.op}`);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result }));
    } catch (e) {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(e?.message ?? e) }));
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    setPage: (p) => (page = p),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
