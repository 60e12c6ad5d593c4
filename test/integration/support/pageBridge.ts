// The test side of test/host/pageBridge.mjs: look at the workbench this extension host runs in.

async function op<T>(body: Record<string, unknown>): Promise<T> {
  const url = process.env.ALIGN_TEST_PAGE_BRIDGE;
  if (!url) throw new Error('ALIGN_TEST_PAGE_BRIDGE is not set: run through test/host/runIntegration.mjs');
  const res = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  const json = (await res.json()) as { result?: T; error?: string };
  if (json.error !== undefined) throw new Error(`page bridge ${String(body.op)}: ${json.error}`);
  return json.result as T;
}

export const page = {
  /** innerText of every element matching the selector. */
  texts: (selector: string) => op<string[]>({ op: 'text', selector }),
  count: (selector: string) => op<number>({ op: 'count', selector }),
  click: (selector: string, text?: string) => op<boolean>({ op: 'click', selector, text }),
  /** Saves a PNG under test-artifacts/; returns its path. */
  screenshot: (name: string) => op<string>({ op: 'screenshot', name }),
};

/** Polls until `check` returns a value (not undefined/false), or fails with the last reason. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}
