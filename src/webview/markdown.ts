// Markdown from the model (untrusted) to a sanitised DOM fragment. Two locks: markdown-it never
// emits raw HTML and only safe links, then DOMPurify keeps an allow-list of tags and attributes.
import MarkdownIt from 'markdown-it';
import type { StateInline } from 'markdown-it';
import DOMPurify from 'dompurify';

/** Answers longer than this are shown as plain text: rendering them could freeze the panel. */
export const MAX_RENDERED_CHARS = 200_000;
/** Longest `$…$` span taken as math; longer ones stay text (and the search for `$` stays short). */
const MAX_MATH_CHARS = 4_000;

const SAFE_URL = /^(?:https?:|mailto:|#)/i;

// Raw HTML off; nesting capped so hostile deeply nested Markdown cannot stall the parser (past
// the cap markdown-it stops nesting and the rest stays text).
const md = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false, maxNesting: 20 });
md.validateLink = (url: string) => SAFE_URL.test(url.trim());

// An image would be fetched from wherever the model says (a tracking beacon): show a link instead.
md.renderer.rules.image = (tokens, idx) => {
  const token = tokens[idx];
  const src = String(token.attrGet('src') ?? '');
  const alt = md.utils.escapeHtml(token.content || 'image');
  return /^https?:/i.test(src)
    ? `<a href="${md.utils.escapeHtml(src)}" title="Image, not loaded">[image: ${alt}]</a>`
    : `[image: ${alt}]`;
};

/** `$x^2$` and `$$…$$` shown as code, readable without a math renderer. */
function mathInline(state: StateInline, silent: boolean): boolean {
  const src = state.src;
  const start = state.pos;
  if (src.charCodeAt(start) !== 0x24 /* $ */) return false;
  const display = src.charCodeAt(start + 1) === 0x24;
  const fence = display ? '$$' : '$';
  const from = start + fence.length;
  if (from >= state.posMax || (!display && /\s/.test(src[from]))) return false;
  let end = src.indexOf(fence, from);
  while (end > 0 && src.charCodeAt(end - 1) === 0x5c /* \ */) end = src.indexOf(fence, end + 1);
  if (end < 0 || end === from || end + fence.length > state.posMax || end - from > MAX_MATH_CHARS) return false;
  // "$5 and $6" is money, not math: a closing `$` after a space or before a digit does not count.
  if (!display && (/\s/.test(src[end - 1]) || /\d/.test(src[end + 1] ?? ''))) return false;
  if (!silent) {
    const token = state.push('math', 'code', 0);
    token.content = src.slice(from, end);
    token.markup = fence;
  }
  state.pos = end + fence.length;
  return true;
}
md.inline.ruler.after('escape', 'math', mathInline);
md.renderer.rules.math = (tokens, idx) => {
  const t = tokens[idx];
  return `<code class="${t.markup === '$$' ? 'math display' : 'math'}">${md.utils.escapeHtml(t.content)}</code>`;
};

const ALLOWED_TAGS = [
  'p', 'br', 'strong', 'em', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'hr', 's', 'del',
];
const FORBID_TAGS = ['script', 'style', 'iframe', 'frame', 'object', 'embed', 'form', 'input', 'svg', 'math', 'img', 'video', 'audio', 'link', 'meta', 'base'];
/** The only classes markdown-it and the math rule produce; anything else could restyle the panel. */
const SAFE_CLASS = /^(?:language-[\w+#.-]{1,40}|math|math display)$/;

DOMPurify.addHook('uponSanitizeAttribute', (_node, data) => {
  if (data.attrName.startsWith('on')) data.keepAttr = false;
  if (data.attrName === 'class' && !SAFE_CLASS.test(data.attrValue)) data.keepAttr = false;
});

/** Markdown to a sanitised fragment: markdown-it without raw HTML, then DOMPurify with an allow-list. */
export function renderMarkdown(source: string): DocumentFragment {
  return DOMPurify.sanitize(md.render(source), {
    ALLOWED_TAGS,
    ALLOWED_ATTR: ['href', 'title', 'class', 'start'],
    FORBID_TAGS,
    FORBID_ATTR: ['style', 'src', 'srcset', 'action', 'formaction', 'xlink:href'],
    ALLOWED_URI_REGEXP: SAFE_URL,
    ALLOW_DATA_ATTR: false,
    RETURN_DOM_FRAGMENT: true,
  });
}

/** One or more passage ids in brackets: `[P3]`, `[P3, P5]`. */
const CITATION = /\[(P\d{1,6}(?:\s*[,;]\s*P\d{1,6})*)\]/g;

/** How a cited id should look. */
export type CitationLook =
  | { kind: 'valid'; label: string; quote?: string }
  | { kind: 'invalid' }
  /** The answer is still streaming: labels arrive with the finished turn. */
  | { kind: 'pending' };

/**
 * Replaces `[P3]` markers in rendered text (not inside code or links) with citation buttons,
 * built through the DOM so nothing from the model is parsed as HTML here.
 */
export function linkCitations(root: HTMLElement, look: (id: string) => CitationLook, open: (id: string) => void): void {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes: Text[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n as Text;
    CITATION.lastIndex = 0;
    if (CITATION.test(text.data) && !text.parentElement?.closest('code, pre, a')) nodes.push(text);
  }
  for (const node of nodes) {
    const frag = document.createDocumentFragment();
    let last = 0;
    for (const m of node.data.matchAll(CITATION)) {
      frag.append(node.data.slice(last, m.index));
      for (const id of m[1].split(/\s*[,;]\s*/)) frag.append(citationButton(id, look(id), open));
      last = (m.index ?? 0) + m[0].length;
    }
    frag.append(node.data.slice(last));
    node.replaceWith(frag);
  }
}

/** What hovering a citation shows: the passage it quotes, then how to open it. */
export function citationTooltip(label: string, quote: string | undefined): string {
  return quote ? `${label}: “${quote}”\n\nClick to open it in the source.` : `Open ${label} in the source`;
}

function citationButton(id: string, look: CitationLook, open: (id: string) => void): HTMLElement {
  if (look.kind === 'pending') {
    const span = document.createElement('span');
    span.className = 'citation pending';
    span.textContent = id;
    return span;
  }
  const btn = document.createElement('button');
  btn.type = 'button';
  if (look.kind === 'valid') {
    btn.className = 'citation';
    btn.textContent = look.label;
    // The quoted passage as a tooltip: a property, so the paper's text is never parsed as HTML.
    btn.title = citationTooltip(look.label, look.quote);
    btn.setAttribute('aria-label', `Citation ${look.label}: open it in the source`);
    btn.addEventListener('click', () => open(id));
  } else {
    // Kept focusable (aria-disabled, not disabled) so keyboard users can reach the explanation.
    btn.className = 'citation invalid';
    btn.setAttribute('aria-disabled', 'true');
    const s = document.createElement('s');
    s.textContent = id;
    btn.append(s, '? (no such passage)');
    btn.title = `${id} matches no passage given to the model: not a real citation`;
    btn.setAttribute('aria-label', `${id}: no such passage, an invented citation`);
  }
  return btn;
}
