import { toString } from 'mdast-util-to-string';
import { parseMarkdownTree, readFrontMatter } from '../sources/markdownSource';
import { checkMarkdownNesting } from '../sources/nestingLimits';
import { scanTopLevelBlocks, type TopBlock } from './draftBlocks';
import { estimateTokens, estimateTokensOfLength } from '../retrieval/tokenCount';

/** A section of a draft: its heading and the exact lines under it. */
export interface DraftSection {
  id: string;
  heading: string;
  level: number;
  /** Headings of the enclosing sections. */
  path: string[];
  /** 1-based, inclusive, including the heading line. */
  startLine: number;
  endLine: number;
  /** Paragraph-level blocks with their lines (code and tables marked). */
  blocks: { startLine: number; endLine: number; text: string; kind: 'prose' | 'code' | 'table' | 'math' }[];
}

export interface DraftOutline {
  title: string;
  /** Every section, including headings with nothing under them (they still belong in the outline). */
  sections: DraftSection[];
  /** Lines of the file, for anchoring quotes. */
  lines: string[];
}

/**
 * Splits a Markdown draft into sections (by headings, any level) with exact line ranges, as remark
 * (GFM, math, front matter) reads it. A post without headings is one section; front matter
 * belongs to no section. The blocks come from a one-pass line scanner (draftBlocks.ts): a remark
 * parse of a 15,000-word post took most of a critique run's own time before the first request.
 * Where the scanner is unsure it says so, and remark decides.
 */
export function outlineDraft(text: string, file = 'The draft'): DraftOutline {
  checkMarkdownNesting(text, file);
  const blocks = scanTopLevelBlocks(text);
  return blocks ? outlineFromBlocks(text, blocks) : outlineDraftWithRemark(text, file);
}

/** The same outline from a full remark parse: the reference the scanner is tested against. */
export function outlineDraftWithRemark(text: string, file = 'The draft'): DraftOutline {
  const tree = parseMarkdownTree(text, file);
  const blocks: TopBlock[] = tree.children.map((node) => {
    const startLine = node.position?.start.line ?? 1;
    const endLine = node.position?.end.line ?? startLine;
    if (node.type === 'heading') return { type: 'heading', startLine, endLine, depth: node.depth, heading: toString(node) };
    const type = node.type === 'yaml' || node.type === 'code' || node.type === 'table' || node.type === 'math' ? node.type : 'prose';
    return { type, startLine, endLine };
  });
  return outlineFromBlocks(text, blocks, readFrontMatter(tree));
}

function outlineFromBlocks(text: string, blocks: TopBlock[], frontMatter?: { title?: string }): DraftOutline {
  const lines = text.split(/\r?\n/);
  const yaml = blocks.find((b) => b.type === 'yaml');
  const fm =
    frontMatter ??
    (yaml ? readFrontMatter({ type: 'root', children: [{ type: 'yaml', value: lines.slice(yaml.startLine, yaml.endLine - 1).join('\n') }] }) : {});
  const sections: DraftSection[] = [];
  const stack: { level: number; heading: string }[] = [];
  let current: DraftSection | undefined;
  const open = (heading: string, level: number, line: number) => {
    if (current) current.endLine = line - 1;
    while (stack.length && stack[stack.length - 1].level >= level) stack.pop();
    current = { id: `S${sections.length + 1}`, heading, level, path: stack.map((s) => s.heading), startLine: line, endLine: lines.length, blocks: [] };
    stack.push({ level, heading });
    sections.push(current);
  };
  for (const block of blocks) {
    if (block.type === 'yaml') continue;
    const start = block.startLine;
    const end = block.endLine;
    if (block.type === 'heading') {
      open(block.heading!.trim() || '(untitled section)', block.depth!, start);
      continue;
    }
    if (!current) open(fm.title ?? '(introduction)', 0, start);
    const kind = block.type === 'code' || block.type === 'table' || block.type === 'math' ? block.type : 'prose';
    const body = lines.slice(start - 1, end).join('\n');
    if (body.trim()) current!.blocks.push({ startLine: start, endLine: end, text: body, kind });
  }
  if (current) current.endLine = lines.length;
  // Trailing blank lines belong to no section.
  for (const s of sections) while (s.endLine > s.startLine && !lines[s.endLine - 1]?.trim()) s.endLine--;
  const title = fm.title ?? sections.find((s) => s.level === 1)?.heading ?? sections[0]?.heading ?? 'Untitled draft';
  return { title, sections, lines };
}

/** A piece of the draft sent to the model in one request, with the context to judge it. */
export interface CritiqueUnit {
  section: DraftSection;
  /** The text to critique, exactly as in the file (prose; big code blocks and tables left out). */
  text: string;
  startLine: number;
  endLine: number;
  /** Title and outline of the whole post. */
  context: string;
  /** Notes about what was left out. */
  omitted: string[];
}

/**
 * Cuts the outline into units of at most `maxTokensPerUnit`: a section per unit, long sections
 * split at block boundaries. Code blocks and tables larger than a quarter of the budget are left
 * out (and said to be), since they would crowd out the prose being reviewed.
 */
export function planCritiqueUnits(outline: DraftOutline, opts: { maxTokensPerUnit?: number } = {}): CritiqueUnit[] {
  const max = opts.maxTokensPerUnit ?? 3000;
  const toc = outline.sections.map((s) => `${'  '.repeat(Math.max(0, s.level - 1))}- ${s.heading}`).join('\n');
  const context = `Title: ${outline.title}\nOutline:\n${toc}`;
  const units: CritiqueUnit[] = [];
  for (const section of outline.sections) {
    let blocks: DraftSection['blocks'] = [];
    // The unit's length so far, as its text will be: blocks joined by a blank line.
    let length = 0;
    let omitted: string[] = [];
    const flush = () => {
      if (!blocks.length) return;
      units.push({
        section,
        text: blocks.map((b) => b.text).join('\n\n'),
        startLine: blocks[0].startLine,
        endLine: blocks[blocks.length - 1].endLine,
        context,
        omitted,
      });
      blocks = [];
      length = 0;
      omitted = [];
    };
    for (const b of section.blocks) {
      const cost = estimateTokens(b.text);
      if (b.kind !== 'prose' && cost > max / 4) {
        omitted.push(`a ${b.kind === 'code' ? 'code block' : b.kind} at lines ${b.startLine}–${b.endLine} (too large to include)`);
        continue;
      }
      if (blocks.length && estimateTokensOfLength(length) + cost > max) flush();
      length += (blocks.length ? 2 : 0) + b.text.length;
      blocks.push(b);
    }
    flush();
  }
  return units;
}
