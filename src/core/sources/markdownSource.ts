import { unified } from 'unified';
import remarkParse from 'remark-parse';
import remarkGfm from 'remark-gfm';
import remarkMath from 'remark-math';
import remarkFrontmatter from 'remark-frontmatter';
import { parse as parseYaml } from 'yaml';
import type { Heading, List, Root, RootContent } from 'mdast';
import { toString } from 'mdast-util-to-string';
import type { ParsedSource, SourceBlock } from './sourceTypes';
import { baseRef, normaliseDate, type SourceMeta } from './sourceMeta';
import { checkMarkdownNesting } from './nestingLimits';

export { normaliseDate } from './sourceMeta';

/** Front matter fields the assistant uses. */
export interface FrontMatter {
  title?: string;
  /** YYYY-MM-DD. */
  date?: string;
  authors?: string[];
}

/** A heading with the lines its section covers, and its subsections. */
export interface MarkdownSection {
  title: string;
  depth: number;
  /** Number written in the heading ("2.1"), if any. */
  number?: string;
  /** 1-based line of the heading. */
  startLine: number;
  /** 1-based last line before the next heading of the same or a higher level (or the end). */
  endLine: number;
  children: MarkdownSection[];
}

/** The document title and its heading tree, for outlines and section-by-section work (draft critique). */
export interface MarkdownOutline {
  title?: string;
  frontMatter: FrontMatter;
  sections: MarkdownSection[];
}

const processor = unified().use(remarkParse).use(remarkGfm).use(remarkMath).use(remarkFrontmatter, ['yaml', 'toml']);

/**
 * Parses Markdown into an mdast tree with positions (GFM, math, YAML front matter). Nesting past
 * the budgets of nestingLimits.ts is an InputFileError naming `file`, raised before remark runs.
 */
export function parseMarkdownTree(text: string, file = 'The Markdown document'): Root {
  checkMarkdownNesting(text, file);
  return processor.parse(text);
}

function stringList(v: unknown): string[] | undefined {
  if (typeof v === 'string' && v.trim()) return v.split(/\s*(?:;|\band\b)\s*/).map((s) => s.trim()).filter(Boolean);
  if (!Array.isArray(v)) return undefined;
  const names = v
    .map((a) => (typeof a === 'string' ? a : typeof a === 'object' && a !== null && typeof (a as { name?: unknown }).name === 'string' ? (a as { name: string }).name : ''))
    .map((s) => s.trim())
    .filter(Boolean);
  return names.length ? names : undefined;
}

/** Reads title, date and authors from YAML front matter; bad YAML yields nothing rather than an error. */
export function readFrontMatter(tree: Root): FrontMatter {
  const node = tree.children.find((c) => c.type === 'yaml');
  if (!node || node.type !== 'yaml') return {};
  let data: unknown;
  try {
    data = parseYaml(node.value);
  } catch {
    return {};
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) return {};
  const d = data as Record<string, unknown>;
  const title = typeof d.title === 'string' && d.title.trim() ? d.title.trim() : undefined;
  const date = normaliseDate(d.date ?? d.published ?? d.date_published ?? d['date-published'] ?? d.created);
  const authors = stringList(d.authors ?? d.author);
  return { ...(title ? { title } : {}), ...(date ? { date } : {}), ...(authors ? { authors } : {}) };
}

const NUMBERED = /^((?:\d+\.)*\d+|[A-Z](?:\.\d+)+|[A-Z](?=\s))\.?\s+\S/;

/** The section number a heading carries ("2.1 Method" → "2.1"); none for unnumbered headings. */
export function headingNumber(text: string): string | undefined {
  return NUMBERED.exec(text)?.[1];
}

/** Source text of a node exactly as written. */
function slice(text: string, node: RootContent): string {
  const start = node.position?.start.offset ?? 0;
  const end = node.position?.end.offset ?? start;
  return text.slice(start, end);
}

/** Prose as written, minus link targets and image URLs that only cost tokens. */
function readable(raw: string): string {
  return raw
    .replace(/!\[([^\]]*)\]\((?:[^()\s]|\([^)]*\))*(?:\s+"[^"]*")?\)/g, (_m, alt: string) => (alt ? `[image: ${alt}]` : '[image]'))
    .replace(/\[([^\]]+)\]\((?:[^()\s]|\([^)]*\))*(?:\s+"[^"]*")?\)/g, '$1')
    .replace(/<!--[\s\S]*?-->/g, '')
    .trim();
}

const LONG_LIST_CHARS = 1500;

/** Markdown as a source: blocks (paragraphs, lists, tables, code, math) with exact line ranges and section paths. */
export function parseMarkdown(text: string, meta: SourceMeta = {}): ParsedSource {
  const tree = parseMarkdownTree(text, meta.path ?? meta.title);
  const fm = readFrontMatter(tree);
  const blocks: SourceBlock[] = [];
  const path: { depth: number; text: string; number?: string }[] = [];
  let firstH1: string | undefined;
  let firstHeading: string | undefined;
  const push = (body: string, node: RootContent) => {
    if (!body || !node.position) return;
    const section = path.map((p) => p.text).join(' > ');
    const sectionNumber = [...path].reverse().find((p) => p.number)?.number;
    blocks.push({
      text: body,
      location: {
        startLine: node.position.start.line,
        endLine: node.position.end.line,
        ...(section ? { section } : {}),
        ...(sectionNumber ? { sectionNumber } : {}),
      },
    });
  };
  for (const node of tree.children) {
    // TOML front matter is not in mdast's type list but remark-frontmatter produces it.
    if ((node.type as string) === 'toml') continue;
    switch (node.type) {
      case 'yaml':
      case 'definition':
        continue;
      case 'heading': {
        const headingText = toString(node).replace(/\s+/g, ' ').trim();
        if (node.depth === 1) firstH1 ??= headingText;
        firstHeading ??= headingText;
        while (path.length && path[path.length - 1].depth >= node.depth) path.pop();
        path.push({ depth: node.depth, text: headingText, number: headingNumber(headingText) });
        continue;
      }
      case 'code':
      case 'math':
        push(slice(text, node).trim(), node);
        continue;
      case 'html': {
        const raw = slice(text, node);
        if (raw.replace(/<[^>]*>/g, '').trim()) push(readable(raw), node);
        continue;
      }
      case 'list': {
        const raw = slice(text, node);
        if (raw.length > LONG_LIST_CHARS) for (const item of (node as List).children) push(readable(slice(text, item as unknown as RootContent)), item as unknown as RootContent);
        else push(readable(raw), node);
        continue;
      }
      default:
        push(readable(slice(text, node)), node);
    }
  }
  const title = fm.title ?? firstH1 ?? firstHeading ?? meta.title ?? (meta.path ? undefined : 'Untitled');
  const ref = baseRef(text, 'markdown', { ...meta, ...(title ? { title } : {}) });
  return {
    ref: { ...ref, ...(fm.date && !meta.date ? { date: fm.date } : {}), ...(fm.authors && !meta.authors ? { authors: fm.authors } : {}) },
    blocks,
    warnings: blocks.length ? [] : ['The document has no text outside headings and front matter.'],
  };
}

/** The title and heading tree of a Markdown text, each section with its line range. */
export function markdownSections(text: string, file?: string): MarkdownOutline {
  const tree = parseMarkdownTree(text, file);
  const frontMatter = readFrontMatter(tree);
  const lastLine = text.replace(/\r?\n$/, '').split(/\r?\n/).length;
  const roots: MarkdownSection[] = [];
  const open: MarkdownSection[] = [];
  let firstH1: string | undefined;
  for (const node of tree.children) {
    if (node.type !== 'heading' || !node.position) continue;
    const h = node as Heading;
    const title = toString(h).replace(/\s+/g, ' ').trim();
    if (h.depth === 1) firstH1 ??= title;
    const line = node.position.start.line;
    while (open.length && open[open.length - 1].depth >= h.depth) open.pop()!.endLine = line - 1;
    const number = headingNumber(title);
    const section: MarkdownSection = { title, depth: h.depth, ...(number ? { number } : {}), startLine: line, endLine: lastLine, children: [] };
    (open.length ? open[open.length - 1].children : roots).push(section);
    open.push(section);
  }
  const title = frontMatter.title ?? firstH1;
  return { ...(title ? { title } : {}), frontMatter, sections: roots };
}
