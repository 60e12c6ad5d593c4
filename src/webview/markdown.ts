import MarkdownIt from 'markdown-it';
import DOMPurify from 'dompurify';

/** Answers longer than this are shown as plain text: rendering them could freeze the panel. */
export const MAX_RENDERED_CHARS = 200_000;

// Raw HTML is off, links are checked, images become links (a remote image would be a tracking
// beacon), and nesting is capped so hostile deeply nested Markdown cannot stall the parser.
const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false, maxNesting: 20 });
md.validateLink = (url: string) => /^(https?:|mailto:|#)/i.test(url.trim());
md.renderer.rules.image = (tokens, idx) => {
  const token = tokens[idx];
  const src = String(token.attrGet('src') ?? '');
  const alt = String(token.content || 'image');
  const safe = /^https?:/i.test(src) ? md.utils.escapeHtml(src) : '';
  return safe ? `<a href="${safe}" title="Image (not loaded)">[image: ${md.utils.escapeHtml(alt)}]</a>` : `[image: ${md.utils.escapeHtml(alt)}]`;
};

const ALLOWED_TAGS = ['p', 'br', 'strong', 'em', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'hr', 's', 'del'];

/** Markdown to sanitised HTML: markdown-it without raw HTML, then DOMPurify with an allow-list. */
export function renderMarkdown(source: string): string {
  const html = md.render(source);
  return DOMPurify.sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR: ['href', 'title', 'class', 'start', 'align'],
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|#)/i,
    ALLOW_DATA_ATTR: false,
  });
}

const CITATION = /\[(P\d{1,6}(?:\s*[,;]\s*P\d{1,6})*)\]/g;

/**
 * Replaces `[P3]` markers in the rendered answer's text (not inside code) with citation buttons
 * built through the DOM, so nothing from the model is ever parsed as HTML here.
 */
export function linkCitations(root: HTMLElement, label: (id: string) => { text: string; valid: boolean }, onClick: (id: string) => void): void {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes: Text[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const parent = n.parentElement;
    if (parent && !parent.closest('code, pre') && CITATION.test((n as Text).data)) nodes.push(n as Text);
    CITATION.lastIndex = 0;
  }
  for (const node of nodes) {
    const frag = document.createDocumentFragment();
    let last = 0;
    for (const m of node.data.matchAll(CITATION)) {
      frag.append(node.data.slice(last, m.index));
      for (const id of m[1].split(/\s*[,;]\s*/)) {
        const info = label(id);
        const btn = document.createElement('button');
        btn.type = 'button';
        btn.className = info.valid ? 'citation' : 'citation invalid';
        btn.textContent = info.valid ? info.text : `${id}?`;
        btn.title = info.valid ? `Open ${info.text} in the source` : `${id} matches no passage given to the model: not a real citation`;
        btn.setAttribute('aria-label', btn.title);
        if (info.valid) btn.addEventListener('click', () => onClick(id));
        else btn.disabled = true;
        frag.append(btn);
      }
      last = (m.index ?? 0) + m[0].length;
    }
    frag.append(node.data.slice(last));
    node.replaceWith(frag);
  }
}
