import type { ParsedSource, SourceBlock } from './sourceTypes';
import { baseRef, normaliseDate, type SourceMeta } from './sourceMeta';
import { checkLatexNesting } from './nestingLimits';

/** Reads a `{…}` group with balanced braces starting at `open` (the index of `{`). */
function braced(s: string, open: number): { body: string; end: number } | undefined {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '\\') {
      i++;
      continue;
    }
    if (s[i] === '{') depth++;
    else if (s[i] === '}') {
      depth--;
      if (depth === 0) return { body: s.slice(open + 1, i), end: i + 1 };
    }
  }
  return undefined;
}

/** The argument of the first `\name[opt]{…}` in the text. */
function command(text: string, name: string): string | undefined {
  const m = new RegExp(`\\\\${name}\\*?\\s*(?:\\[[^\\]]*\\])?\\s*\\{`).exec(text);
  if (!m) return undefined;
  return braced(text, m.index + m[0].length - 1)?.body;
}

/** Drops `%` comments (not `\%`). */
function stripComments(s: string): string {
  return s.replace(/(^|[^\\])%.*$/gm, '$1');
}

const KEEP_ARG = 'emph|textbf|textit|texttt|textsc|textsf|textrm|textup|textnormal|underline|mbox|hbox|text|caption|footnote|paragraph|subparagraph|textcolor\\{[^}]*\\}|colorbox\\{[^}]*\\}|fbox|uline|noindent|small|large|mathrm';
const DROP_WITH_ARG = 'label|vspace|hspace|includegraphics|bibliographystyle|bibliography|usepackage|documentclass|newcommand|renewcommand|input|include|thanks|setlength|addtolength|pagestyle|thispagestyle';

/** Replaces each `\name{…}` (balanced) with `fn(arg)`, innermost first so nesting works. */
function replaceCommand(s: string, names: string, fn: (arg: string) => string): string {
  const re = new RegExp(`\\\\(?:${names})\\*?\\s*(?:\\[[^\\]]*\\])?\\s*\\{`, 'g');
  let out = '';
  let last = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const group = braced(s, m.index + m[0].length - 1);
    if (!group) break;
    out += s.slice(last, m.index) + fn(replaceCommand(group.body, names, fn));
    last = group.end;
    re.lastIndex = group.end;
  }
  return out + s.slice(last);
}

/** Text outside math: remaining commands dropped, escapes and quotes made plain. */
function plainProse(s: string): string {
  return s
    .replace(/\\([%&_#$])/g, '$1')
    .replace(/\\(?:ldots|dots)\b\s?/g, '…')
    .replace(/``|''/g, '"')
    .replace(/---/g, '—')
    .replace(/--/g, '–')
    .replace(/\\[a-zA-Z]+\*?(?:\[[^\]]*\])?/g, '')
    .replace(/\\[,;:! ]/g, ' ')
    .replace(/[{}]/g, '');
}

/**
 * LaTeX markup to readable text: formatting commands keep their text, citations and references
 * become [cite] and [ref], list items become "• " lines, and math stays as written between
 * `$…$` (display math `$$…$$`) so the model sees the real formula.
 */
export function latexToText(src: string): string {
  let s = stripComments(src)
    .replace(/\\(?:cite[a-z]*|nocite)\*?(?:\s*\[[^\]]*\])*\s*\{[^}]*\}/g, '[cite]')
    .replace(/\\(?:eq|auto|c|C|page|name)?ref\*?\{[^}]*\}/g, '[ref]')
    .replace(/\\href\{([^}]*)\}\{([^}]*)\}/g, '$2')
    .replace(/\\url\{([^}]*)\}/g, '$1')
    .replace(/\\begin\{(equation|align|gather|multline|eqnarray|displaymath)(\*?)\}([\s\S]*?)\\end\{\1\2\}/g, (_m, _e, _s, body: string) => `$$${body.trim()}$$`)
    .replace(/\\\[([\s\S]*?)\\\]/g, (_m, body: string) => `$$${body.trim()}$$`)
    .replace(/\\\(([\s\S]*?)\\\)/g, (_m, body: string) => `$${body.trim()}$`);
  s = replaceCommand(s, DROP_WITH_ARG, () => '');
  // Split into math and prose: only prose loses its commands.
  const parts = s.split(/(\$\$[\s\S]*?\$\$|(?<!\\)\$(?:\\\$|[^$])+?\$)/);
  // Source line breaks are spaces; \u2029 marks the breaks that matter (items, environments, \\).
  return parts
    .map((part, i) => {
      if (i % 2) return part.replace(/\\label\{[^}]*\}/g, '').replace(/\s*\n\s*/g, ' ');
      let prose = replaceCommand(part.replace(/\n/g, ' '), KEEP_ARG, (arg) => arg);
      prose = prose
        .replace(/\\item\s*(?:\[([^\]]*)\])?\s*/g, (_m, label?: string) => `\u2029• ${label ? `${label} ` : ''}`)
        .replace(/\\(?:begin|end)\{[^}]*\}(?:\[[^\]]*\])?(?:\{[^}]*\})?/g, '\u2029')
        .replace(/\\\\(?:\[[^\]]*\])?/g, '\u2029')
        .replace(/~/g, ' ');
      return plainProse(prose);
    })
    .join('')
    .replace(/[ \t]+/g, ' ')
    .replace(/ ?\u2029[\u2029 ]*/g, '\n')
    .trim();
}

const SECTION = /^\s*\\(part|chapter|section|subsection|subsubsection|paragraph)(\*?)\s*(?:\[[^\]]*\])?\s*\{/;
const LEVELS: Record<string, number> = { part: -1, chapter: -1, section: 0, subsection: 1, subsubsection: 2 };

/**
 * A LaTeX paper as a source: title, authors and date from the preamble; sections numbered as
 * LaTeX numbers them (appendix sections as A, B…); one block per paragraph with its line range.
 */
export function parseLatex(text: string, meta: SourceMeta = {}): ParsedSource {
  checkLatexNesting(text, meta.path ?? meta.title ?? 'The LaTeX document');
  const clean = stripComments(text);
  const title = command(clean, 'title');
  const author = command(clean, 'author');
  const date = command(clean, 'date');
  const lines = text.split(/\r?\n/);
  const beginDoc = lines.findIndex((l) => /\\begin\{document\}/.test(stripComments(l)));
  const endDoc = lines.findIndex((l) => /\\end\{document\}/.test(stripComments(l)));
  const first = beginDoc >= 0 ? beginDoc + 1 : 0;
  const last = endDoc >= 0 ? endDoc : lines.length;
  const counters = [0, 0, 0];
  let appendix = false;
  let section: string | undefined;
  let sectionNumber: string | undefined;
  const blocks: SourceBlock[] = [];
  let buf: string[] = [];
  let bufStart = 0;
  let envDepth = 0;
  const flush = (endIdx: number) => {
    const body = latexToText(buf.join('\n'));
    if (body && /[A-Za-z0-9$]/.test(body)) {
      blocks.push({ text: body, location: { startLine: bufStart + 1, endLine: endIdx + 1, ...(section ? { section } : {}), ...(sectionNumber ? { sectionNumber } : {}) } });
    }
    buf = [];
  };
  for (let i = first; i < last; i++) {
    const line = lines[i];
    const code = stripComments(line);
    if (/\\appendix\b/.test(code) && !appendix) {
      appendix = true;
      counters.fill(0);
    }
    const m = SECTION.exec(code);
    if (m && envDepth === 0) {
      flush(i - 1);
      const arg = braced(code, m.index + m[0].length - 1);
      const heading = latexToText(arg?.body ?? '');
      const level = LEVELS[m[1]];
      if (m[1] === 'paragraph') {
        // A run-in heading: keep it as the start of the paragraph it introduces.
        buf.push(line);
        bufStart = i;
        continue;
      }
      if (m[2] || level < 0) {
        section = heading;
        sectionNumber = undefined;
      } else {
        counters[level]++;
        for (let k = level + 1; k < 3; k++) counters[k] = 0;
        const head = appendix ? String.fromCharCode(64 + counters[0]) : String(counters[0]);
        sectionNumber = [head, ...counters.slice(1, level + 1)].join('.');
        section = `${sectionNumber} ${heading}`;
      }
      const rest = arg ? code.slice(arg.end).trim() : '';
      if (rest && !/^\\label\{[^}]*\}$/.test(rest)) {
        buf.push(rest);
        bufStart = i;
      }
      continue;
    }
    if (/\\begin\{abstract\}/.test(code)) {
      flush(i - 1);
      section = 'Abstract';
      sectionNumber = undefined;
      continue;
    }
    if (/\\(maketitle|title|author|date|affiliation|email)\b/.test(code) && !buf.length) continue;
    // Blank lines end paragraphs, except inside environments (a figure or list stays one block).
    envDepth += (code.match(/\\begin\{(?!document)/g)?.length ?? 0) - (code.match(/\\end\{(?!document)/g)?.length ?? 0);
    if (envDepth < 0) envDepth = 0;
    if (!code.trim()) {
      if (envDepth === 0) flush(i - 1);
      if (!buf.length) bufStart = i + 1;
      continue;
    }
    if (!buf.length) bufStart = i;
    buf.push(line);
  }
  flush(last - 1);
  const authors = author
    ?.split(/\\and\b|\\And\b|\\AND\b/)
    // The name is the first line of each author block; affiliations follow after \\.
    .map((a) => latexToText(replaceCommand(a.split('\\\\')[0], 'thanks|footnote|affiliation|email|inst', () => '')).replace(/[,*]+$/, '').trim())
    .filter(Boolean);
  const titleText = title ? latexToText(replaceCommand(title, 'thanks', () => '')) : undefined;
  const dateText = date ? normaliseDate(latexToText(date)) : undefined;
  const ref = baseRef(text, 'latex', { ...meta, ...(titleText ? { title: titleText } : {}) });
  return {
    ref: { ...ref, ...(authors?.length && !meta.authors ? { authors } : {}), ...(dateText && !meta.date ? { date: dateText } : {}) },
    blocks,
    warnings: blocks.length ? [] : ['The LaTeX file has no text in its document body.'],
  };
}
