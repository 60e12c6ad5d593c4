import type { ParsedSource, SourceBlock } from './sourceTypes';
import { baseRef, type SourceMeta } from './sourceMeta';

/** Splits text into paragraphs (separated by blank lines) with their 1-based line ranges. */
export function paragraphsWithLines(text: string, firstLine = 1): SourceBlock[] {
  const lines = text.split(/\r?\n|\r/);
  const blocks: SourceBlock[] = [];
  let start = -1;
  for (let i = 0; i <= lines.length; i++) {
    const blank = i === lines.length || !lines[i].trim();
    if (!blank && start < 0) start = i;
    if (blank && start >= 0) {
      blocks.push({ text: lines.slice(start, i).join('\n').trim(), location: { startLine: start + firstLine, endLine: i - 1 + firstLine } });
      start = -1;
    }
  }
  return blocks;
}

/** Plain text as a source: one block per paragraph; the title is the file name, or the first short line of an unnamed buffer. */
export function parsePlainText(text: string, meta: SourceMeta = {}): ParsedSource {
  const blocks = paragraphsWithLines(text);
  const firstLine = blocks[0]?.text.split('\n')[0]?.trim();
  const title = meta.title ?? (meta.path ? undefined : firstLine && firstLine.length <= 120 ? firstLine : 'Untitled text');
  return {
    ref: baseRef(text, 'text', { ...meta, ...(title ? { title } : {}) }),
    blocks,
    warnings: blocks.length ? [] : ['The text is empty.'],
  };
}
