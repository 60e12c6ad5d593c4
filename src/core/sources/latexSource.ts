import type { ParsedSource, SourceBlock, SourceRef } from './sourceTypes';

const SECTION = /^\\(section|subsection|subsubsection)\*?\{(.*)\}\s*$/;

/** Reads `\cmd{...}` with balanced braces starting at `open` (the index of `{`). */
function braced(s: string, open: number): { body: string; end: number } | undefined {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '{' && s[i - 1] !== '\\') depth++;
    else if (s[i] === '}' && s[i - 1] !== '\\') {
      depth--;
      if (depth === 0) return { body: s.slice(open + 1, i), end: i + 1 };
    }
  }
  return undefined;
}

function command(text: string, name: string): string | undefined {
  const i = text.search(new RegExp(`\\\\${name}\\*?\\s*(\\[[^\\]]*\\])?\\s*\\{`));
  if (i < 0) return undefined;
  const open = text.indexOf('{', i);
  return braced(text, open)?.body;
}

/**
 * LaTeX markup to readable text: formatting commands keep their argument, citations and
 * references become markers, math is kept as written between `$…$`.
 */
export function latexToText(s: string): string {
  let out = s
    .replace(/(^|[^\\])%.*$/gm, '$1')
    .replace(/\\(cite[tp]?|citep|citet|citeauthor)\*?(\[[^\]]*\])*\{[^}]*\}/g, '[cite]')
    .replace(/\\(eq)?ref\{[^}]*\}/g, '[ref]')
    .replace(/\\label\{[^}]*\}/g, '')
    .replace(/\\(url|href)\{([^}]*)\}(\{([^}]*)\})?/g, (_m, _c, url, _t, label) => label ?? url)
    .replace(/\\begin\{(equation|align|gather|multline)\*?\}([\s\S]*?)\\end\{\1\*?\}/g, (_m, _e, body: string) => `$$${body.trim()}$$`)
    .replace(/\\\[([\s\S]*?)\\\]/g, (_m, body: string) => `$$${body.trim()}$$`)
    .replace(/\\\(([\s\S]*?)\\\)/g, (_m, body: string) => `$${body.trim()}$`)
    .replace(/\\item\s*/g, '• ')
    .replace(/\\(begin|end)\{[^}]*\}(\[[^\]]*\])?(\{[^}]*\})?/g, '')
    .replace(/~/g, ' ')
    .replace(/\\\\/g, '\n');
  // Formatting commands keep their text; loop for nesting.
  for (let i = 0; i < 4; i++) {
    out = out.replace(/\\(emph|textbf|textit|texttt|textsc|underline|mbox|text|caption|footnote|paragraph|textrm|textsf)\*?\{([^{}]*)\}/g, '$2');
  }
  // Outside math, drop remaining argument-less commands like \centering or \small.
  return out
    .split(/(\$\$?[^$]*\$\$?)/)
    .map((part, i) => (i % 2 ? part : part.replace(/\\[a-zA-Z]+\*?(\[[^\]]*\])?/g, '').replace(/[{}]/g, '')))
    .join('')
    .replace(/[ \t]+/g, ' ')
    .trim();
}

export function parseLatex(text: string, ref: SourceRef): ParsedSource {
  const title = command(text, 'title');
  const author = command(text, 'author');
  const date = command(text, 'date');
  const beginDoc = text.indexOf('\\begin{document}');
  const startLine = beginDoc >= 0 ? text.slice(0, beginDoc).split('\n').length + 1 : 1;
  const lines = text.split(/\r?\n/);
  const endDoc = lines.findIndex((l) => l.includes('\\end{document}'));
  const counters = [0, 0, 0];
  let section: string | undefined;
  let sectionNumber: string | undefined;
  const blocks: SourceBlock[] = [];
  let buf: string[] = [];
  let bufStart = 0;
  const flush = (endIdx: number) => {
    const body = latexToText(buf.join('\n'));
    if (body) blocks.push({ text: body, location: { startLine: bufStart + 1, endLine: endIdx + 1, ...(section ? { section } : {}), ...(sectionNumber ? { sectionNumber } : {}) } });
    buf = [];
  };
  let inAbstract = false;
  for (let i = startLine - 1; i < (endDoc >= 0 ? endDoc : lines.length); i++) {
    const line = lines[i];
    const m = SECTION.exec(line.trim());
    if (m || /\\begin\{abstract\}/.test(line)) {
      flush(i - 1);
      if (m) {
        const level = m[1] === 'section' ? 0 : m[1] === 'subsection' ? 1 : 2;
        counters[level]++;
        for (let k = level + 1; k < 3; k++) counters[k] = 0;
        sectionNumber = counters.slice(0, level + 1).join('.');
        section = `${sectionNumber} ${latexToText(m[2])}`;
      } else {
        inAbstract = true;
        section = 'Abstract';
        sectionNumber = undefined;
      }
      bufStart = i + 1;
      continue;
    }
    if (inAbstract && /\\end\{abstract\}/.test(line)) {
      flush(i - 1);
      inAbstract = false;
      bufStart = i + 1;
      continue;
    }
    if (/\\(maketitle|title|author|date)\b/.test(line)) continue;
    if (!line.trim()) {
      flush(i - 1);
      bufStart = i + 1;
      continue;
    }
    if (!buf.length) bufStart = i;
    buf.push(line);
  }
  flush((endDoc >= 0 ? endDoc : lines.length) - 1);
  return {
    ref: {
      ...ref,
      kind: 'latex',
      title: title ? latexToText(title) : ref.title,
      ...(author ? { authors: latexToText(author).split(/\s*(?:\\and|,| and )\s*/).filter(Boolean) } : {}),
      ...(date && /\d{4}/.test(date) ? { date: date.match(/\d{4}-\d{2}-\d{2}/)?.[0] ?? undefined } : {}),
    },
    blocks,
    warnings: [],
  };
}
