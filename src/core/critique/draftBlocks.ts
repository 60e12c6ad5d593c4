import { toString } from 'mdast-util-to-string';
import { parseMarkdownTree } from '../sources/markdownSource';

/**
 * A top-level block of a Markdown draft, as remark (GFM, math, front matter) would make it: what
 * draft critique needs to outline a post (sections by heading, blocks with exact lines).
 */
export interface TopBlock {
  type: 'heading' | 'code' | 'table' | 'math' | 'yaml' | 'prose';
  /** 1-based, inclusive, counted as remark counts them. */
  startLine: number;
  endLine: number;
  depth?: number;
  /** The heading's text as `mdast-util-to-string` gives it. */
  heading?: string;
}

/** Thrown inside the scanner when the draft uses something it does not model; the caller then uses remark. */
class Unsure extends Error {}

const ATX = /^(#{1,6})(?:[ \t]+|$)/;
const FENCE = /^(`{3,}|~{3,})(.*)$/;
const MATH_FENCE = /^(\${2,})(.*)$/;
const THEMATIC = /^(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$/;
const SETEXT = /^(?:=+|-+)[ \t]*$/;
const BULLET = /^([-+*])(?=[ \t]|$)/;
const ORDERED = /^(\d{1,9})([.)])(?=[ \t]|$)/;
const FOOTNOTE = /^\[\^[^\]\s]+\]:/;
const DEF_START = /^\[(?!\^)(?:[^\\[\]]|\\.)+\]:/;
const DEF_LINE = /^ {0,3}\[(?!\^)(?:[^\\[\]]|\\.)*[^\s\\[\]](?:[^\\[\]]|\\.)*\]:[ \t]*(?:<[^<>\n]*>|[^\s<][^\s]*)(?:[ \t]+(?:"[^"]*"|'[^']*'|\([^()]*\)))?[ \t]*$/;
const TABLE_DELIM = /^ {0,3}(?:\|[ \t]*)?:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
const BLOCK_NAMES = 'address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|thead|title|tr|track|ul';
const HTML_STARTS: [RegExp, RegExp | undefined][] = [
  [/^<(?:script|pre|style|textarea)(?:[ \t>]|$)/i, /<\/(?:script|pre|style|textarea)>/i],
  [/^<!--/, /-->/],
  [/^<\?/, /\?>/],
  [/^<![A-Za-z]/, />/],
  [/^<!\[CDATA\[/, /\]\]>/],
  [new RegExp(`^</?(?:${BLOCK_NAMES})(?:[ \\t]|/?>|$)`, 'i'), undefined],
];
const HTML_7 = /^(?:<[A-Za-z][A-Za-z0-9-]*(?:[ \t]+[A-Za-z_:][A-Za-z0-9_.:-]*(?:[ \t]*=[ \t]*(?:[^ \t"'=<>`]+|'[^']*'|"[^"]*"))?)*[ \t]*\/?>|<\/[A-Za-z][A-Za-z0-9-]*[ \t]*>)[ \t]*$/;
/** Heading text with none of these needs no inline parse: its text is the characters as written. */
const INLINE_SYNTAX = /[\\&*_`[\]<>!~$]/;

type Container =
  | { kind: 'quote' }
  | { kind: 'list'; marker: string }
  | { kind: 'item'; width: number; emptyStart: boolean; hasContent: boolean }
  | { kind: 'footnote' };

type Leaf =
  | { kind: 'para'; lines: string[]; start: number; depth: number; onlyDefs: boolean }
  | { kind: 'fence'; char: string; size: number; math: boolean; depth: number }
  | { kind: 'html'; end: RegExp | undefined; depth: number }
  | { kind: 'icode'; depth: number }
  | { kind: 'table'; depth: number };

function indentOf(s: string, from: number): number {
  let i = from;
  while (s.charCodeAt(i) === 32) i++;
  return i - from;
}

function cells(row: string): number {
  const t = row.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '');
  return t.split(/(?<!\\)\|/).length;
}

/**
 * The top-level blocks of a Markdown text in one pass over its lines, without building a syntax
 * tree: CommonMark block structure (block quotes, lists, lazy lines, fences, HTML blocks, setext
 * headings, link definitions) plus GFM tables and footnote definitions, math and front matter.
 * Returns undefined for what it does not model (tabs in indentation, lone CR, tables inside
 * containers, multi-line link definitions, …), so the caller falls back to remark and the answer
 * never differs.
 */
export function scanTopLevelBlocks(text: string): TopBlock[] | undefined {
  try {
    return scan(text);
  } catch (e) {
    if (e instanceof Unsure) return undefined;
    throw e;
  }
}

function scan(text: string): TopBlock[] {
  if (/\r(?!\n)|\0/.test(text)) throw new Unsure();
  const lines = text.split(/\r?\n/);
  const blocks: TopBlock[] = [];
  /** The open top-level node, and the raw lines its heading text comes from (headings only). */
  let top: (TopBlock & { src?: string[] }) | undefined;
  const stack: Container[] = [];
  let leaf: Leaf | undefined;
  let needsDefs = false;
  /** Link and footnote definitions, wherever they are: they decide what `[x]` in a heading reads as. */
  const definitions: string[] = [];

  const closeTop = () => {
    if (top) blocks.push(top);
    top = undefined;
  };
  const openTop = (type: TopBlock['type'], line: number) => {
    closeTop();
    top = { type, startLine: line, endLine: line };
  };
  /** A paragraph at the top level: leading link definitions are nodes of their own. */
  const closeLeaf = () => {
    if (leaf?.kind === 'para' && leaf.depth === 0) splitDefinitions(leaf);
    leaf = undefined;
  };
  const splitDefinitions = (p: Extract<Leaf, { kind: 'para' }>) => {
    let n = 0;
    while (n < p.lines.length && DEF_START.test(p.lines[n].trimStart())) {
      if (!DEF_LINE.test(p.lines[n]) || /^\s*["'(]/.test(p.lines[n + 1] ?? '')) throw new Unsure();
      n++;
    }
    if (!n || !top) return;
    const end = top.endLine;
    top.endLine = p.start;
    for (let k = 1; k < n; k++) {
      closeTop();
      top = { type: 'prose', startLine: p.start + k, endLine: p.start + k };
    }
    if (n < p.lines.length) {
      closeTop();
      top = { type: 'prose', startLine: p.start + n, endLine: end };
    }
  };
  const closeContainers = (keep: number) => {
    if (stack.length > keep) {
      // An unclosed fence or raw HTML ended by its container ends at positions remark computes
      // differently depending on blank lines; rare enough to leave to remark.
      if (leaf && leaf.depth > keep && (leaf.kind === 'fence' || (leaf.kind === 'html' && leaf.end))) throw new Unsure();
      if (leaf && leaf.depth > keep) closeLeaf();
      stack.length = keep;
      if (keep === 0) closeTop();
    }
  };

  let lineNo = 0;
  // Front matter: a `---` (YAML) or `+++` (TOML) fence on the first line, closed by the same.
  const fm = /^(---|\+\+\+)[ \t]*$/.exec(lines[0] ?? '');
  if (fm) {
    const close = lines.findIndex((l, i) => i > 0 && new RegExp(`^\\${fm[1][0]}{3}[ \\t]*$`).test(l));
    // An unclosed `---` on the first line: micromark's reading of what follows is its own.
    if (close < 0) throw new Unsure();
    {
      blocks.push({ type: fm[1] === '---' ? 'yaml' : 'prose', startLine: 1, endLine: close + 1 });
      lineNo = close + 1;
    }
  }

  for (; lineNo < lines.length; lineNo++) {
    const line = lines[lineNo];
    const n = lineNo + 1;
    if (/^[ >\-+*\d.)]*\t/.test(line) && !(leaf?.kind === 'fence' && stack.length === 0)) throw new Unsure();
    // 1. Which open containers does the line continue?
    let pos = 0;
    let matched = 0;
    for (; matched < stack.length; matched++) {
      const c = stack[matched];
      const ind = indentOf(line, pos);
      const blank = pos + ind >= line.length;
      if (c.kind === 'quote') {
        if (ind > 3 || line[pos + ind] !== '>') break;
        pos += ind + 1;
        if (line[pos] === ' ') pos++;
      } else if (c.kind === 'item') {
        if (blank) {
          if (!c.hasContent) break;
          pos = line.length;
        } else if (ind >= c.width) pos += c.width;
        else break;
      } else if (c.kind === 'footnote') {
        if (blank) pos = line.length;
        else if (ind >= 4) pos += 4;
        else break;
      }
    }
    const rest = line.slice(pos);
    const blankRest = !rest.trim();
    const allMatched = matched === stack.length;
    const afterIndentedCode = allMatched && leaf?.kind === 'icode';

    // 2. An open leaf that takes every line (code, math, HTML) keeps it when its containers do.
    if (leaf && allMatched) {
      if (leaf.kind === 'fence') {
        const ind = indentOf(rest, 0);
        const m = ind <= 3 ? (leaf.math ? MATH_FENCE : FENCE).exec(rest.slice(ind)) : null;
        if (m && m[1][0] === leaf.char && m[1].length >= leaf.size && !m[2].trim()) leaf = undefined;
        if (!blankRest || !leaf) touch(n);
        continue;
      }
      if (leaf.kind === 'html') {
        if (leaf.end) {
          if (leaf.end.test(rest)) leaf = undefined;
          if (line.trim()) touch(n);
          continue;
        }
        if (!blankRest) {
          touch(n);
          continue;
        }
        leaf = undefined;
      } else if (leaf.kind === 'icode') {
        if (blankRest || indentOf(rest, 0) >= 4) {
          if (line.trim()) touch(n);
          continue;
        }
        leaf = undefined;
      }
    }
    // 3. Lazy continuation: a paragraph goes on through a line that starts nothing new.
    if (!allMatched && leaf?.kind === 'para' && !blankRest && !startsBlock(rest, false, lines[lineNo + 1])) {
      leaf.lines.push(line);
      touch(n);
      continue;
    }
    if (!allMatched) {
      if (leaf?.kind === 'table') throw new Unsure();
      closeContainers(matched);
    }
    if (leaf?.kind === 'table') {
      if (blankRest) {
        leaf = undefined;
        continue;
      }
      // Any line goes on the table but one that starts another block (indented code included).
      if (HTML_7.test(rest.trimStart())) throw new Unsure();
      if (indentOf(rest, 0) < 4 && !startsBlock(rest, false, undefined)) {
        touch(n);
        continue;
      }
      leaf = undefined;
    }
    // 4. New containers and leaves.
    let para = leaf?.kind === 'para' ? leaf : undefined;
    let opened = false;
    let cursor = rest;
    let depth = stack.length;
    for (;;) {
      const ind = indentOf(cursor, 0);
      const body = cursor.slice(ind);
      const blank = !body.trim();
      const tip = stack[depth - 1];
      if (tip?.kind === 'list' && !blank && !(ind <= 3 && !THEMATIC.test(body) && listMarker(body) === tip.marker)) {
        closeContainers(depth - 1);
        depth--;
      }
      if (ind >= 4) {
        if (blank || para) break;
        // Indented code right after containers it closed: micromark splits it line by line.
        if (!allMatched) throw new Unsure();
        closeLeaf();
        start('code', n, depth);
        leaf = { kind: 'icode', depth };
        cursor = '';
        break;
      }
      if (blank) break;
      const interrupting = !!para;
      // micromark reads list items after an open paragraph or indented code (blank lines or not) as
      // interrupting it: no empty item, no ordered item but 1.
      const itemInterrupts = interrupting || afterIndentedCode;
      if (body[0] === '>') {
        closeLeaf();
        para = undefined;
        start('prose', n, depth);
        stack.push({ kind: 'quote' });
        depth++;
        opened = true;
        cursor = body.slice(1).replace(/^ /, '');
        continue;
      }
      const atx = ATX.exec(body);
      if (atx) {
        closeLeaf();
        const h = start('heading', n, depth);
        if (h) {
          h.depth = atx[1].length;
          h.heading = body.slice(atx[0].length).replace(/(?:^|[ \t]+)#+[ \t]*$/, '').trim();
          h.src = [line];
        }
        cursor = '';
        para = undefined;
        break;
      }
      const fence = FENCE.exec(body) ?? MATH_FENCE.exec(body);
      if (fence && !(fence[1][0] === '`' && fence[2].includes('`')) && !(fence[1][0] === '$' && fence[2].includes('$'))) {
        closeLeaf();
        const math = fence[1][0] === '$';
        start(math ? 'math' : 'code', n, depth);
        leaf = { kind: 'fence', char: fence[1][0], size: fence[1].length, math, depth };
        cursor = '';
        para = undefined;
        break;
      }
      const html = HTML_STARTS.find(([re]) => re.test(body)) ?? (!interrupting && HTML_7.test(body) ? ([HTML_7, undefined] as const) : undefined);
      if (html) {
        closeLeaf();
        start('prose', n, depth);
        leaf = { kind: 'html', end: html[1], depth };
        if (html[1]?.test(body)) leaf = undefined;
        cursor = '';
        para = undefined;
        break;
      }
      if (para && !opened && SETEXT.test(body)) {
        if (para.lines.every((l) => DEF_START.test(l.trimStart()))) throw new Unsure();
        if (para.depth === 0 && top) {
          // The paragraph's leading definitions stay nodes; the rest becomes the heading.
          splitDefinitions(para);
          const defs = top.startLine - para.start;
          top.type = 'heading';
          top.depth = body[0] === '=' ? 1 : 2;
          top.src = [...para.lines.slice(defs), line];
          top.heading = para.lines.length - defs === 1 ? para.lines[defs].trim() : undefined;
        }
        leaf = undefined;
        para = undefined;
        cursor = '';
        touch(n);
        break;
      }
      if (THEMATIC.test(body)) {
        closeLeaf();
        start('prose', n, depth);
        cursor = '';
        para = undefined;
        break;
      }
      if (FOOTNOTE.test(body)) {
        definitions.push(body.slice(0, body.indexOf(']:') + 2));
        closeLeaf();
        para = undefined;
        start('prose', n, depth);
        stack.push({ kind: 'footnote' });
        depth++;
        opened = true;
        cursor = body.slice(body.indexOf(']:') + 2).replace(/^ +/, '');
        continue;
      }
      const bullet = BULLET.exec(body);
      const ordered = bullet ? null : ORDERED.exec(body);
      if (bullet || ordered) {
        const mark = (bullet ?? ordered)![0];
        const after = body.slice(mark.length);
        const emptyStart = !after.trim();
        const barred = emptyStart || (ordered && ordered[1] !== '1');
        // After indented code micromark sometimes bars such items and sometimes not: remark decides.
        if (barred && afterIndentedCode && !interrupting) throw new Unsure();
        if (!(itemInterrupts && barred)) {
          const spaces = indentOf(after, 0);
          const width = ind + mark.length + (emptyStart || spaces >= 5 ? 1 : spaces);
          const marker = bullet ? bullet[1] : ordered![2];
          closeLeaf();
          para = undefined;
          const parent = stack[depth - 1];
          // Items of the same kind extend the list they follow; another kind starts a new list.
          if (parent?.kind === 'list' && parent.marker === marker) stack.length = depth;
          else {
            start('prose', n, depth);
            stack.push({ kind: 'list', marker });
            depth++;
          }
          stack.push({ kind: 'item', width, emptyStart, hasContent: false });
          depth++;
          opened = true;
          cursor = emptyStart ? '' : after.slice(Math.min(spaces, spaces >= 5 ? 1 : spaces));
          continue;
        }
      }
      const next = lines[lineNo + 1];
      if (next !== undefined && TABLE_DELIM.test(next) && (next.includes('|') || body.includes('|'))) {
        if (depth > 0 || opened || !next.includes('|') || cells(body) !== cells(next)) throw new Unsure();
        closeLeaf();
        start('table', n, 0);
        leaf = { kind: 'table', depth: 0 };
        lineNo++;
        touch(n + 1);
        cursor = '';
        para = undefined;
        break;
      }
      break;
    }
    // 5. What is left of the line is paragraph text (or nothing).
    if (cursor.trim()) {
      markContent(depth);
      const def = DEF_START.test(cursor.trimStart());
      if (para && !opened && leaf === para) {
        para.lines.push(line);
        if (para.onlyDefs && def) definitions.push(cursor.trim());
        para.onlyDefs &&= def;
      } else {
        closeLeaf();
        start('prose', n, depth);
        leaf = { kind: 'para', lines: [line], start: n, depth, onlyDefs: def };
        if (def) definitions.push(cursor.trim());
      }
    } else if (!leaf || leaf.kind === 'para') {
      if (leaf?.kind === 'para' && (blankRest || opened)) closeLeaf();
    }
    if (line.trim()) touch(n);
  }
  // Code, math and raw HTML left open run to the end of the text, blank lines included.
  if (leaf && leaf.depth > 0 && (leaf.kind === 'fence' || (leaf.kind === 'html' && leaf.end))) throw new Unsure();
  if (leaf && (leaf.kind === 'fence' || (leaf.kind === 'html' && leaf.end)) && top) top.endLine = lines.length;
  closeLeaf();
  closeTop();

  for (const b of blocks as (TopBlock & { src?: string[] })[]) {
    if (b.type !== 'heading') continue;
    if (b.heading === undefined || INLINE_SYNTAX.test(b.heading)) {
      needsDefs ||= b.src!.some((l) => l.includes('['));
      // A heading over several lines keeps its line endings in its text, as written.
      const eol = text.includes('\r\n') ? '\r\n' : '\n';
      if (b.src!.length > 2 && eol === '\r\n' && /(^|[^\r])\n/.test(text)) throw new Unsure();
      b.heading = headingText(b.src!, eol, needsDefs ? definitions.join('\n\n') : '');
    }
    delete b.src;
  }
  return blocks;

  function touch(line: number) {
    if (top && line > top.endLine) top.endLine = line;
  }
  /** Starts a node at `depth`; at depth 0 it is a new top-level block. */
  function start(type: TopBlock['type'], line: number, at: number): (TopBlock & { src?: string[] }) | undefined {
    markContent(at);
    if (at > 0) return undefined;
    openTop(type, line);
    return top;
  }
  function markContent(at: number) {
    for (let i = 0; i < at; i++) {
      const c = stack[i];
      if (c.kind === 'item') c.hasContent = true;
    }
  }
}

function listMarker(body: string): string | undefined {
  return BULLET.exec(body)?.[1] ?? ORDERED.exec(body)?.[2];
}

/**
 * Does this line (inside its containers) start a block that ends a paragraph or a table? On a
 * lazy line (`interrupting` false) new list items count whatever their number or content.
 */
function startsBlock(rest: string, interrupting: boolean, _next: string | undefined): boolean {
  const ind = indentOf(rest, 0);
  if (ind >= 4) return false;
  const body = rest.slice(ind);
  if (body[0] === '>' || ATX.test(body) || THEMATIC.test(body) || FOOTNOTE.test(body)) return true;
  const fence = FENCE.exec(body) ?? MATH_FENCE.exec(body);
  if (fence && !(fence[1][0] === '`' && fence[2].includes('`')) && !(fence[1][0] === '$' && fence[2].includes('$'))) return true;
  if (HTML_STARTS.some(([re]) => re.test(body))) return true;
  // HTML of the 7th kind on a lazy line: micromark opens it inside the container or not, depending
  // on what follows; left to remark.
  if (!interrupting && HTML_7.test(body)) throw new Unsure();
  const bullet = BULLET.exec(body);
  const ordered = bullet ? null : ORDERED.exec(body);
  if (bullet || ordered) {
    const after = body.slice((bullet ?? ordered)![0].length);
    // A list item on a lazy line is a new container, free of the rules for interrupting a paragraph.
    if (!interrupting || (after.trim() && (bullet || ordered![1] === '1'))) return true;
  }
  if (_next !== undefined && TABLE_DELIM.test(_next) && (_next.includes('|') || body.includes('|'))) throw new Unsure();
  return false;
}

/** A heading's text through remark itself, when it has inline syntax (emphasis, code, links, escapes). */
function headingText(src: string[], eol: string, defs: string): string {
  const tree = parseMarkdownTree(`${src.join(eol)}${defs ? `${eol}${eol}${defs}` : ''}`);
  const h = tree.children.find((c) => c.type === 'heading');
  if (!h) throw new Unsure();
  return toString(h);
}
