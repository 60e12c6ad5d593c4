import { unified } from 'unified';
import rehypeParse from 'rehype-parse';
import { toText } from 'hast-util-to-text';
import type { Element, Root, RootContent } from 'hast';
import type { ParsedSource, SourceBlock, SourceRef } from './sourceTypes';
import { normaliseDate } from './markdownSource';

const SKIP = new Set(['script', 'style', 'noscript', 'nav', 'header', 'footer', 'aside', 'form', 'template', 'svg', 'iframe', 'button']);
const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
const BLOCKS = new Set(['p', 'li', 'blockquote', 'pre', 'table', 'figcaption', 'dd', 'dt', 'math']);

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

function meta(tree: Root, names: string[]): string | undefined {
  const el = find(tree, (e) => e.tagName === 'meta' && names.includes(String(e.properties.name ?? e.properties.property ?? '')));
  const content = el?.properties.content;
  return typeof content === 'string' ? content : undefined;
}

/** A saved web page (arXiv HTML, a blog post) as a source: the article's text under its headings. */
export function parseHtml(text: string, ref: SourceRef): ParsedSource {
  const tree = unified().use(rehypeParse).parse(text) as Root;
  const root = find(tree, (e) => e.tagName === 'article') ?? find(tree, (e) => e.tagName === 'main') ?? find(tree, (e) => e.tagName === 'body') ?? tree;
  const blocks: SourceBlock[] = [];
  const path: { level: number; text: string }[] = [];
  let h1: string | undefined;
  const walk = (node: Root | Element) => {
    for (const child of node.children as RootContent[]) {
      if (!isElement(child) || SKIP.has(child.tagName)) continue;
      if (HEADINGS.has(child.tagName)) {
        const level = Number(child.tagName[1]);
        const t = toText(child).trim().replace(/\s+/g, ' ');
        if (level === 1) h1 ??= t;
        while (path.length && path[path.length - 1].level >= level) path.pop();
        path.push({ level, text: t });
        continue;
      }
      if (BLOCKS.has(child.tagName)) {
        const t = toText(child).trim().replace(/[ \t]+/g, ' ').replace(/\n{3,}/g, '\n\n');
        if (t) {
          const section = path.map((p) => p.text).join(' > ') || undefined;
          blocks.push({ text: t, location: { startLine: child.position?.start.line, endLine: child.position?.end.line, ...(section ? { section } : {}) } });
        }
        continue;
      }
      walk(child);
    }
  };
  walk(root);
  const titleEl = find(tree, (e) => e.tagName === 'title');
  const title = meta(tree, ['citation_title', 'og:title']) ?? h1 ?? (titleEl ? toText(titleEl).trim() : undefined) ?? ref.title;
  const date = normaliseDate(meta(tree, ['citation_date', 'citation_publication_date', 'article:published_time', 'date']));
  const author = meta(tree, ['citation_author', 'author']);
  return {
    ref: { ...ref, kind: 'html', title, ...(date ? { date } : {}), ...(author ? { authors: [author] } : {}) },
    blocks,
    warnings: blocks.length ? [] : ['The page has no readable article text.'],
  };
}
