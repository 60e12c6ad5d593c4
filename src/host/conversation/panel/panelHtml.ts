/**
 * The research panel's HTML. Pure (no `vscode`), so the browser tests render exactly what the
 * extension serves. The Content-Security-Policy allows only the extension's own script (by
 * nonce), styles, fonts and images: no inline script or style, no remote images (tracking
 * beacons), no frames, no forms, no network requests. There is no <form> at all: VS Code's webview
 * sandbox lacks allow-forms, so a submitted form is blocked; the question box posts a message instead.
 */
export interface PanelHtmlOptions {
  /** `webview.cspSource`: the origin the webview may load the extension's files from. */
  cspSource: string;
  /** Fresh per render, from a cryptographic random source (`makeNonce`). */
  nonce: string;
  /** media/panel.js as a webview URI. */
  scriptUri: string;
  /** media/panel.css as a webview URI. */
  styleUri: string;
  /** The codicon font's stylesheet (media/codicons/codicon.css), when present. */
  codiconsUri?: string;
  /** The document title (for assistive technology; the tab shows the panel's own title). */
  title: string;
}

/** For double-quoted attributes and text (a `'` is harmless there, and CSP keywords keep theirs). */
export function escapeAttr(s: string): string {
  return s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The `content` of the panel's CSP meta tag. */
export function panelCsp(cspSource: string, nonce: string): string {
  // A `;` or line break would end the directive and let the value add directives of its own.
  if (/[;,\r\n]/.test(cspSource)) throw new Error('cspSource must be a source list');
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(nonce)) throw new Error('nonce must be at least 16 base64 characters');
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    // Not covered by default-src: block form posts and <base> tricks too.
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export function panelHtml(o: PanelHtmlOptions): string {
  const csp = panelCsp(o.cspSource, o.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${o.codiconsUri ? `<link rel="stylesheet" href="${escapeAttr(o.codiconsUri)}">\n` : ''}<link rel="stylesheet" href="${escapeAttr(o.styleUri)}">
<title>${escapeAttr(o.title)}</title>
</head>
<body>
<header id="header"></header>
<div id="notice" hidden></div>
<div id="status" class="visually-hidden" role="status" aria-live="polite"></div>
<main id="conversation" aria-label="Conversation"></main>
<div id="ask-form" role="form" aria-label="Ask a question">
  <label for="question" class="visually-hidden">Your question</label>
  <textarea id="question" rows="2" placeholder="Ask a follow-up question" aria-describedby="question-hint"></textarea>
  <span id="question-hint" class="visually-hidden">Enter sends; Shift+Enter starts a new line; Escape stops an answer that is streaming.</span>
  <div class="ask-actions">
    <button id="stop" type="button" class="secondary" hidden aria-label="Stop the answer" title="Stop the answer (Escape)"><span class="codicon codicon-debug-stop" aria-hidden="true"></span> Stop</button>
    <button id="send" type="button" class="primary" aria-label="Send the question" title="Send (Enter)"><span class="codicon codicon-send" aria-hidden="true"></span> Ask</button>
  </div>
</div>
<script nonce="${escapeAttr(o.nonce)}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>`;
}

/** 32 hex characters for the CSP nonce, from `random` (pass `crypto.randomBytes`). */
export function makeNonce(random: (n: number) => Uint8Array): string {
  return Array.from(random(16), (b) => b.toString(16).padStart(2, '0')).join('');
}
