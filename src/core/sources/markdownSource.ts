import { unified } from 'unified';
import remarkParse from 'remark-parse';
import remarkGfm from 'remark-gfm';
import remarkMath from 'remark-math';
import remarkFrontmatter from 'remark-frontmatter';
import { parse as parseYaml } from 'yaml';
import type { Root, RootContent } from 'mdast';
import { toString } from 'mdast-util-to-string';
import type { ParsedSource, SourceBlock, SourceRef } from './sourceTypes';

/** Front matter fields the assistant uses. */
export interface FrontMatter {
  title?: string;
  date?: string;
  authors?: string[];
}

const processor = unified().use(remarkParse).use(remarkGfm).use(remarkMath).use(remarkFrontmatter, ['yaml']);

/** Parses Markdown into an mdast tree with positions (GFM, math, YAML front matter). */
export function parseMarkdownTree(text: string): Root {
  return processor.parse(text);
}

/** Normalises a date to YYYY-MM-DD when it can be read. */
export function normaliseDate(value: unknown): string | undefined {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString().slice(0, 10);
  if (typeof value === 'string' || typeof value === 'number') {
    const s = String(value).trim();
    if (/^\d{4}-\d{2}-\d{2}/.test(s)) return s.slice(0, 10);
    const t = Date.parse(s);
    if (!Number.isNaN(t)) return new Date(t).toISOString().slice(0, 10);
  }
  return undefined;
}

export function readFrontMatter(tree: Root): FrontMatter {
  const node = tree.children.find((c) => c.type === 'yaml');
  if (!node || node.type !== 'yaml') return {};
  let data: unknown;
  try {
    data = parseYaml(node.value);
  } catch {
    return {};
  }
  if (!data || typeof data !== 'object') return {};
  const d = data as Record<string, unknown>;
  const authorsRaw = d.authors ?? d.author;
  const authors = Array.isArray(authorsRaw) ? authorsRaw.map(String) : typeof authorsRaw === 'string' ? [authorsRaw] : undefined;
  return {
    title: typeof d.title === 'string' ? d.title : undefined,
    date: normaliseDate(d.date ?? d.published ?? d['date-published']),
    authors,
  };
}

const NUMBERED = /^((?:\d+\.)*\d+|[A-Z](?:\.\d+)*)\.?\s+/;

/** Source text of a node, exactly as written, from its positions. */
function slice(text: string, node: RootContent): string {
  const start = node.position?.start.offset ?? 0;
  const end = node.position?.end.offset ?? start;
  return text.slice(start, end);
}

/** Markdown as a source: blocks (paragraphs, lists, tables, code, math) with exact line ranges and section paths. */
export function parseMarkdown(text: string, ref: SourceRef): ParsedSource {
  const tree = parseMarkdownTree(text);
  const fm = readFrontMatter(tree);
  const blocks: SourceBlock[] = [];
  const path: { depth: number; text: string; number?: string }[] = [];
  let firstHeading: string | undefined;
  for (const node of tree.children) {
    if (node.type === 'yaml' || node.type === 'definition' || node.type === 'html' && !slice(text, node).trim()) continue;
    if (node.type === 'heading') {
      const headingText = toString(node).trim();
      firstHeading ??= headingText;
      while (path.length && path[path.length - 1].depth >= node.depth) path.pop();
      path.push({ depth: node.depth, text: headingText, number: NUMBERED.exec(headingText)?.[1] });
      continue;
    }
    const raw = node.type === 'paragraph' || node.type === 'list' || node.type === 'blockquote' ? toString(node, { includeImageAlt: true }) : slice(text, node);
    const body = (node.type === 'list' ? slice(text, node) : raw).trim();
    if (!body) continue;
    const section = path.map((p) => p.text).join(' > ') || undefined;
    const sectionNumber = [...path].reverse().find((p) => p.number)?.number;
    blocks.push({
      text: body,
      location: {
        startLine: node.position?.start.line,
        endLine: node.position?.end.line,
        ...(section ? { section } : {}),
        ...(sectionNumber ? { sectionNumber } : {}),
      },
    });
  }
  const title = fm.title ?? firstHeading ?? ref.title;
  return {
    ref: { ...ref, kind: 'markdown', title, ...(fm.date ? { date: fm.date } : {}), ...(fm.authors ? { authors: fm.authors } : {}) },
    blocks,
    warnings: [],
  };
}
