import { unified } from 'unified';
import rehypeParse from 'rehype-parse';
import { toText } from 'hast-util-to-text';
import type { Element, ElementContent, Root, RootContent } from 'hast';
import type { ParsedSource, SourceBlock } from './sourceTypes';
import { baseRef, normaliseDate, type SourceMeta } from './sourceMeta';
import { headingNumber } from './markdownSource';

/** Page furniture, never article text. */
const SKIP = new Set(['script', 'style', 'noscript', 'nav', 'header', 'footer', 'aside', 'form', 'template', 'svg', 'iframe', 'button', 'head', 'select', 'input', 'canvas']);
const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
/** Elements read whole as one block. */
const BLOCKS = new Set(['p', 'li', 'blockquote', 'pre', 'table', 'figcaption', 'dd', 'dt', 'math', 'address']);
/** Elements that flow inside a line of text: runs of these (and bare text) form a block. */
const INLINE = new Set(['a', 'abbr', 'b', 'bdi', 'bdo', 'br', 'cite', 'code', 'data', 'dfn', 'em', 'i', 'kbd', 'mark', 'q', 's', 'samp', 'small', 'span', 'strong', 'sub', 'sup', 'time', 'u', 'var', 'wbr', 'del', 'ins', 'img', 'label']);

function isElement(n: unknown): n is Element {
  return typeof n === 'object' && n !== null && (n as Element).type === 'element';
}

function find(node: Root | Element, test: (e: Element) => boolean): Element | undefined {
  for (const child of node.children as RootContent[]) {
    if (!isElement(child)) continue;
    if (test(child)) return child;
    const inner = find(child, test);
    if (inner) return inner;
  }
  return undefined;
}

function findAll(node: Root | Element, test: (e: Element) => boolean, out: Element[] = []): Element[] {
  for (const child of node.children as RootContent[]) {
    if (!isElement(child)) continue;
    if (test(child)) out.push(child);
    findAll(child, test, out);
  }
  return out;
}

function metaKey(e: Element): string {
  const v = e.properties.name ?? e.properties.property ?? e.properties.itemProp;
  return (Array.isArray(v) ? v.join(' ') : String(v ?? '')).toLowerCase();
}

function metaValues(tree: Root, names: string[]): string[] {
  return findAll(tree, (e) => e.tagName === 'meta' && names.includes(metaKey(e)))
    .map((e) => e.properties.content)
    .filter((c): c is string => typeof c === 'string' && c.trim().length > 0)
    .map((c) => c.trim());
}

function clean(text: string): string {
  return text.replace(/[ \t\u00A0]+/g, ' ').replace(/ *\n */g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}

/**
 * A saved web page (arXiv HTML, a blog post) as a source: the article's text (the <article> or
 * <main> when there is one, without navigation, headers, footers and asides), one block per
 * paragraph, under its heading path, located by its lines in the HTML file.
 */
export function parseHtml(text: string, meta: SourceMeta = {}): ParsedSource {
  const tree = unified().use(rehypeParse).parse(text) as Root;
  const root = find(tree, (e) => e.tagName === 'article') ?? find(tree, (e) => e.tagName === 'main' || e.properties.role === 'main') ?? find(tree, (e) => e.tagName === 'body') ?? tree;
  const blocks: SourceBlock[] = [];
  const path: { level: number; text: string; number?: string }[] = [];
  let h1: string | undefined;
  const push = (body: string, first: ElementContent | Element, last: ElementContent | Element) => {
    const t = clean(body);
    if (!t) return;
    const section = path.map((p) => p.text).join(' > ');
    const sectionNumber = [...path].reverse().find((p) => p.number)?.number;
    blocks.push({
      text: t,
      location: {
        ...(first.position ? { startLine: first.position.start.line } : {}),
        ...(last.position ? { endLine: last.position.end.line } : {}),
        ...(section ? { section } : {}),
        ...(sectionNumber ? { sectionNumber } : {}),
      },
    });
  };
  const walk = (node: Root | Element) => {
    let run: ElementContent[] = [];
    const flush = () => {
      const blank = (n: ElementContent | undefined) => n?.type === 'text' && !n.value.trim();
      while (blank(run[0])) run.shift();
      while (blank(run[run.length - 1])) run.pop();
      if (run.length) push(run.map((n) => (n.type === 'text' ? n.value : isElement(n) ? toText(n) : '')).join(''), run[0], run[run.length - 1]);
      run = [];
    };
    for (const child of node.children as RootContent[]) {
      if (child.type === 'text') {
        run.push(child);
        continue;
      }
      if (!isElement(child)) continue;
      if (SKIP.has(child.tagName) || child.properties.hidden !== undefined && child.properties.hidden !== false) continue;
      if (INLINE.has(child.tagName)) {
        run.push(child);
        continue;
      }
      flush();
      if (HEADINGS.has(child.tagName)) {
        const level = Number(child.tagName[1]);
        const t = clean(toText(child)).replace(/\s+/g, ' ');
        if (!t) continue;
        if (level === 1) h1 ??= t;
        while (path.length && path[path.length - 1].level >= level) path.pop();
        path.push({ level, text: t, number: headingNumber(t) });
      } else if (BLOCKS.has(child.tagName)) {
        push(toText(child), child, child);
      } else {
        walk(child);
      }
    }
    flush();
  };
  walk(root);
  const titleEl = find(tree, (e) => e.tagName === 'title');
  const titleTag = titleEl ? clean(toText(titleEl)).replace(/\s+/g, ' ') : '';
  const title = metaValues(tree, ['citation_title', 'dc.title', 'og:title'])[0] ?? h1 ?? (titleTag || undefined);
  const date = normaliseDate(metaValues(tree, ['citation_publication_date', 'citation_date', 'citation_online_date', 'article:published_time', 'dc.date', 'date', 'datepublished'])[0]);
  const authors = metaValues(tree, ['citation_author', 'dc.creator', 'author', 'article:author']);
  const ref = baseRef(text, 'html', { ...meta, ...(title ? { title } : {}) });
  return {
    ref: { ...ref, ...(date && !meta.date ? { date } : {}), ...(authors.length && !meta.authors ? { authors: [...new Set(authors)] } : {}) },
    blocks,
    warnings: blocks.length ? [] : ['The page has no readable article text (it may be built by scripts; save the rendered page or the PDF instead).'],
  };
}
