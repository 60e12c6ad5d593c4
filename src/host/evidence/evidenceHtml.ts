import { escapeAttr as esc, panelCsp } from '../conversation/panel/panelHtml';

/**
 * The evidence views' HTML (scorecard and blind study). Pure, like the research panel's, and under
 * the same Content-Security-Policy: default-src 'none', the extension's own script by nonce, styles
 * from the extension only.
 */
export function evidenceHtml(o: { cspSource: string; nonce: string; scriptUri: string; styleUri: string; title: string }): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${esc(panelCsp(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${esc(o.styleUri)}">
<title>${esc(o.title)}</title>
</head>
<body>
<div id="status" class="visually-hidden" role="status" aria-live="polite"></div>
<main id="root"><p class="empty">Loading…</p></main>
<script nonce="${esc(o.nonce)}" src="${esc(o.scriptUri)}"></script>
</body>
</html>`;
}
