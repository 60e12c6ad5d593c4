import * as fs from 'node:fs';
import * as path from 'node:path';

let next = 0;

/** Where screenshots and other things to look at go (the runner sets ALIGN_TEST_ARTIFACTS). */
export function artifactsDir(): string {
  return process.env.ALIGN_TEST_ARTIFACTS ?? path.join(process.cwd(), 'test-artifacts');
}

/**
 * Asks the test runner (test/host/runIntegration.mjs) to do something only the browser can: a
 * screenshot, a mouse drag inside a webview. The request goes out on the console, the runner
 * writes its result to a file.
 */
export async function uiAction(req: Record<string, unknown>, timeoutMs = 30_000): Promise<void> {
  const id = `${process.pid}-${Date.now()}-${next++}`;
  const done = path.join(artifactsDir(), '.ui', `${id}.json`);
  console.log(`ALIGN_UI ${JSON.stringify({ ...req, id })}`);
  const until = Date.now() + timeoutMs;
  while (!fs.existsSync(done)) {
    if (Date.now() > until) throw new Error(`the test runner did not do ${String(req.action)} within ${timeoutMs} ms (is this runIntegration.mjs?)`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const result = JSON.parse(fs.readFileSync(done, 'utf8')) as { ok: boolean; error?: string };
  fs.rmSync(done, { force: true });
  if (!result.ok) throw new Error(`${String(req.action)} failed in the browser: ${result.error}`);
}

/** Polls `check` until it returns a value (not undefined) or the time is up. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}
