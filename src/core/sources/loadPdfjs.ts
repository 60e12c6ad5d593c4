type Unpdf = typeof import('unpdf');
let loading: Promise<Unpdf> | undefined;

/**
 * Loads unpdf (pdf.js) once. pdf.js's top level runs `globalThis.navigator ??= {}` and then sets
 * `navigator.platform`; VS Code's Node extension host hides `navigator` behind a getter that
 * stays undefined, so that line throws there. For the duration of the import of unpdf and of pdf.js only, give it a
 * plain object, then put back whatever the host had, so no other extension sees a change.
 */
export function loadUnpdf(): Promise<Unpdf> {
  loading ??= (async () => {
    const g = globalThis as { navigator?: unknown };
    const original = Object.getOwnPropertyDescriptor(g, 'navigator');
    const hidden = g.navigator === undefined && (!original || original.configurable);
    if (hidden) Object.defineProperty(g, 'navigator', { value: { platform: '', userAgent: '' }, configurable: true, writable: true });
    try {
      const unpdf = await import('unpdf');
      // unpdf imports pdf.js itself on first use: do that now, inside the patched window.
      await unpdf.getResolvedPDFJS();
      return unpdf;
    } finally {
      if (hidden) {
        if (original) Object.defineProperty(g, 'navigator', original);
        else delete g.navigator;
      }
    }
  })();
  loading.catch(() => (loading = undefined));
  return loading;
}
