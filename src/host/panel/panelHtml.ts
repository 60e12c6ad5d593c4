/**
 * The research panel's HTML. Pure (no `vscode`), so the browser tests render exactly what the
 * extension serves. The Content-Security-Policy allows only the extension's own script (by
 * nonce), styles and fonts: no inline script, no remote images (tracking beacons), no frames.
 */
export interface PanelHtmlOptions {
  /** `webview.cspSource`: the origin the webview may load the extension's files from. */
  cspSource: string;
  /** Fresh per render, from a cryptographic random source. */
  nonce: string;
  scriptUri: string;
  styleUri: string;
  /** The codicon font's stylesheet (media/codicons/codicon.css). */
  codiconsUri?: string;
  title: string;
}

function escapeAttr(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function panelHtml(o: PanelHtmlOptions): string {
  const csp = [
    "default-src 'none'",
    `img-src ${o.cspSource} data:`,
    `style-src ${o.cspSource}`,
    `font-src ${o.cspSource}`,
    `script-src 'nonce-${o.nonce}'`,
    "connect-src 'none'",
    "frame-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${o.codiconsUri ? `<link rel="stylesheet" href="${escapeAttr(o.codiconsUri)}">
` : ''}<link rel="stylesheet" href="${escapeAttr(o.styleUri)}">
<title>${escapeAttr(o.title)}</title>
</head>
<body>
<header id="header" role="banner"></header>
<div id="notice" role="status" aria-live="polite"></div>
<main id="conversation" aria-label="Conversation" aria-live="polite"></main>
<form id="ask-form" aria-label="Ask a question">
  <label for="question" class="visually-hidden">Your question</label>
  <textarea id="question" rows="2" placeholder="Ask a follow-up question (Enter to send, Shift+Enter for a new line)"></textarea>
  <div class="ask-actions">
    <button id="stop" type="button" class="secondary" hidden aria-label="Stop the answer"><span class="codicon codicon-debug-stop" aria-hidden="true"></span> Stop</button>
    <button id="send" type="submit" aria-label="Send the question">Ask</button>
  </div>
</form>
<script nonce="${escapeAttr(o.nonce)}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>`;
}

/** 32 random characters for the CSP nonce. */
export function makeNonce(random: (n: number) => Uint8Array): string {
  return Buffer.from(random(24)).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 32);
}
