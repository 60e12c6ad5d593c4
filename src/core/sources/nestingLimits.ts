import { InputFileError } from '../errors';

/**
 * Nesting budgets checked before a parser sees the text. remark (micromark) re-reads every open
 * container on every line and recurses per level when building the tree: 40 KB of `- - - …`
 * parses for minutes and then overflows the stack; LaTeX groups are unwound recursively too.
 * One linear pass finds the depth, and a file past the limit is an error naming the line.
 */
export const MAX_MARKDOWN_DEPTH = 32;
/** Container levels beyond the first, summed over lines: the work nesting adds to a parse. */
export const MAX_MARKDOWN_NESTING_WORK = 20_000;
export const MAX_LATEX_DEPTH = 100;
/**
 * Brackets, and emphasis markers (`*`, `_`), in one paragraph outside code: micromark matches
 * them against each other, so thousands in a paragraph cost minutes (20,000 `[` took 35 s).
 */
export const MAX_INLINE_MARKERS = 1000;

/** Block containers (`>`, `-`, `*`, `+`, `1.`, `1)`) opened at the start of a line. */
function containerDepth(line: string): number {
  let depth = 0;
  let i = 0;
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    const c = line[i];
    if (c === '>') {
      depth++;
      i++;
      continue;
    }
    const next = line[i + 1];
    if ((c === '-' || c === '*' || c === '+') && (next === ' ' || next === '\t' || next === undefined)) {
      depth++;
      i++;
      continue;
    }
    const m = /^\d{1,9}[.)](?=[ \t]|$)/.exec(line.slice(i, i + 11));
    if (m) {
      depth++;
      i += m[0].length;
      continue;
    }
    return depth;
  }
}

/** Throws an InputFileError naming `file` and the line when Markdown nests past the budgets. */
export function checkMarkdownNesting(text: string, file: string): void {
  let work = 0;
  let lineNo = 0;
  let fence: string | undefined;
  let brackets = 0;
  let emphasis = 0;
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    lineNo++;
    const line = text.slice(start, end);
    const fenceMark = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence) {
      if (fenceMark && fenceMark[0] === fence[0] && fenceMark.length >= fence.length) fence = undefined;
      start = end + 1;
      continue;
    }
    if (fenceMark) {
      fence = fenceMark;
      start = end + 1;
      continue;
    }
    if (!line.trim()) {
      brackets = 0;
      emphasis = 0;
    } else if (!/^ {4}/.test(line) && !/^ {0,3}([-*_])( *\1){2,} *$/.test(line)) {
      // Not indented code, not a thematic break (a line of `*****` is one rule, not 5 markers).
      for (let i = 0; i < line.length; i++) {
        const c = line.charCodeAt(i);
        if (c === 0x5b /* [ */) brackets++;
        else if (c === 0x2a /* * */ || c === 0x5f /* _ */) emphasis++;
      }
      if (brackets > MAX_INLINE_MARKERS || emphasis > MAX_INLINE_MARKERS) {
        throw new InputFileError(
          file,
          `has more than ${MAX_INLINE_MARKERS} ${brackets > MAX_INLINE_MARKERS ? '"[" brackets' : 'emphasis markers ("*" or "_")'} in one paragraph (by line ${lineNo}), more than can be parsed in reasonable time, so it was not parsed.`,
          'Put such text in a code block (``` fences), or split the paragraph.',
        );
      }
    }
    const depth = containerDepth(line.slice(0, 4 * MAX_MARKDOWN_DEPTH + 64));
    if (depth > MAX_MARKDOWN_DEPTH) {
      throw new InputFileError(
        file,
        `nests lists or block quotes more than ${MAX_MARKDOWN_DEPTH} levels deep at line ${lineNo}, so it was not parsed.`,
        'Flatten the nesting at that line (remove the extra "-", "*", "1." or ">" markers).',
      );
    }
    work += Math.max(0, depth - 1);
    if (work > MAX_MARKDOWN_NESTING_WORK) {
      throw new InputFileError(
        file,
        `has more nested lists and block quotes than can be parsed in reasonable time (past line ${lineNo}), so it was not parsed.`,
        'Flatten deeply nested lists or quotes, or split the document.',
      );
    }
    start = end + 1;
  }
}

/** Throws an InputFileError naming `file` and the line when `{…}` groups nest past the limit. */
export function checkLatexNesting(text: string, file: string): void {
  let depth = 0;
  let lineNo = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i++;
    else if (c === 0x0a) lineNo++;
    else if (c === 0x7b /* { */ && ++depth > MAX_LATEX_DEPTH) {
      throw new InputFileError(file, `nests {…} groups more than ${MAX_LATEX_DEPTH} levels deep at line ${lineNo}, so it was not parsed.`, 'Check that line for runaway braces or a generated document.');
    } else if (c === 0x7d /* } */ && depth > 0) depth--;
  }
}
