/**
 * The PDF view's HTML. Pure (no `vscode`). The CSP allows the extension's own module script (by
 * nonce and origin), its styles and fonts, and a worker started from a blob: pdf.js wraps its
 * worker file (a webview resource, so another origin than the frame) in a blob that imports it.
 * No remote loads: the PDF arrives as bytes in a message.
 */
import { escapeAttr } from '../conversation/panel/panelHtml';
export interface PdfViewHtmlOptions {
  cspSource: string;
  nonce: string;
  /** media/pdfView.js, media/pdfView.css, the codicon stylesheet, as webview URIs. */
  scriptUri: string;
  styleUri: string;
  codiconsUri: string;
  /** pdf.js's worker, character maps, standard fonts and wasm decoders under media/pdfjs/. */
  workerUri: string;
  cmapsUri: string;
  fontsUri: string;
  wasmUri: string;
  title: string;
}

export function pdfViewCsp(cspSource: string, nonce: string): string {
  if (/[;,\r\n]/.test(cspSource)) throw new Error('cspSource must be a source list');
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(nonce)) throw new Error('nonce must be at least 16 base64 characters');
  return [
    "default-src 'none'",
    `img-src ${cspSource} data: blob:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource} data:`,
    // The worker's blob imports the worker file from the extension's origin.
    `script-src 'nonce-${nonce}' ${cspSource}`,
    `worker-src blob:`,
    // pdf.js fetches its character maps, standard fonts and wasm decoders from media/pdfjs/.
    `connect-src ${cspSource}`,
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export function pdfViewHtml(o: PdfViewHtmlOptions): string {
  const a = escapeAttr;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${a(pdfViewCsp(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${a(o.codiconsUri)}">
<link rel="stylesheet" href="${a(o.styleUri)}">
<title>${a(o.title)}</title>
</head>
<body data-worker="${a(o.workerUri)}" data-cmaps="${a(o.cmapsUri)}" data-fonts="${a(o.fontsUri)}" data-wasm="${a(o.wasmUri)}">
<div id="toolbar" role="toolbar" aria-label="PDF">
  <button id="prev" title="Previous page (P)" aria-label="Previous page"><span class="codicon codicon-arrow-up" aria-hidden="true"></span></button>
  <button id="next" title="Next page (N)" aria-label="Next page"><span class="codicon codicon-arrow-down" aria-hidden="true"></span></button>
  <label for="page-input" class="visually-hidden">Page</label>
  <input id="page-input" type="number" min="1" value="1" title="Go to page" aria-label="Page number">
  <span id="page-count"></span>
  <span class="spacer"></span>
  <button id="zoom-out" title="Zoom out (Ctrl+-)" aria-label="Zoom out"><span class="codicon codicon-zoom-out" aria-hidden="true"></span></button>
  <span id="zoom-label" aria-live="polite">100%</span>
  <button id="zoom-in" title="Zoom in (Ctrl+=)" aria-label="Zoom in"><span class="codicon codicon-zoom-in" aria-hidden="true"></span></button>
  <button id="zoom-fit" title="Fit width" aria-label="Fit width"><span class="codicon codicon-screen-normal" aria-hidden="true"></span></button>
</div>
<div id="find-bar" hidden role="search">
  <input id="find-input" type="text" placeholder="Find in paper" aria-label="Find in paper">
  <span id="find-status" aria-live="polite"></span>
  <button id="find-prev" title="Previous match (Shift+Enter)" aria-label="Previous match"><span class="codicon codicon-arrow-up" aria-hidden="true"></span></button>
  <button id="find-next" title="Next match (Enter)" aria-label="Next match"><span class="codicon codicon-arrow-down" aria-hidden="true"></span></button>
  <button id="find-close" title="Close (Escape)" aria-label="Close find"><span class="codicon codicon-close" aria-hidden="true"></span></button>
</div>
<div id="notice" role="alert" hidden></div>
<div id="viewer" tabindex="0" aria-label="${a(o.title)}"></div>
<script type="module" nonce="${a(o.nonce)}" src="${a(o.scriptUri)}"></script>
</body>
</html>`;
}
