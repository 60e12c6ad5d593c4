import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMarkdown, markdownSections, headingNumber } from '../../src/core/sources/markdownSource';
import { parseLatex, latexToText } from '../../src/core/sources/latexSource';
import { parseHtml } from '../../src/core/sources/htmlSource';
import { parsePlainText } from '../../src/core/sources/textSource';
import { normaliseDate } from '../../src/core/sources/sourceMeta';
import { sha256Hex } from '../../src/core/sources/hash';

const MD = `---
title: "Inner and outer alignment"
date: 2022-12-02
authors:
  - Alex Turner
  - name: Second Author
---

# Ignored because front matter has a title

Intro paragraph one
continues here.

## 2 Method

See [the post](https://example.org/x "t") and ![a chart](img.png).

- item one
- item two

### 2.1 Reward model

| a | b |
|---|---|
| 1 | 2 |

$$
r(x, y) = \\beta \\log \\pi
$$

## Discussion

\`\`\`python
print("hi")
\`\`\`
`;

test('markdown: front matter, exact line ranges, section paths and written section numbers', () => {
  const r = parseMarkdown(MD, { path: '/w/post.md' });
  assert.equal(r.ref.title, 'Inner and outer alignment');
  assert.equal(r.ref.date, '2022-12-02');
  assert.deepEqual(r.ref.authors, ['Alex Turner', 'Second Author']);
  assert.equal(r.ref.kind, 'markdown');
  assert.equal(r.ref.contentHash, sha256Hex(MD));
  const lines = MD.split('\n');
  const byStart = (n: number) => r.blocks.find((b) => b.location.startLine === n);
  const intro = byStart(11)!;
  assert.equal(intro.text, 'Intro paragraph one\ncontinues here.');
  assert.equal(intro.location.endLine, 12);
  assert.equal(intro.location.section, 'Ignored because front matter has a title');
  assert.equal(intro.location.sectionNumber, undefined);
  const link = byStart(16)!;
  assert.equal(link.text, 'See the post and [image: a chart].');
  assert.equal(link.location.section, 'Ignored because front matter has a title > 2 Method');
  assert.equal(link.location.sectionNumber, '2');
  assert.equal(byStart(18)!.location.endLine, 19);
  const table = byStart(23)!;
  assert.equal(table.location.sectionNumber, '2.1');
  assert.equal(table.location.endLine, 25);
  const math = byStart(27)!;
  assert.match(math.text, /\\beta \\log \\pi/);
  assert.equal(math.location.endLine, 29);
  const code = r.blocks[r.blocks.length - 1];
  assert.equal(code.location.section, 'Ignored because front matter has a title > Discussion');
  assert.equal(code.location.sectionNumber, undefined, 'an unnumbered heading has no number');
  assert.equal(lines[code.location.startLine! - 1], '```python');
  for (const b of r.blocks) assert.ok(b.location.startLine! <= b.location.endLine!);
});

test('markdown: no front matter → first H1 is the title; bad YAML is ignored', () => {
  const r = parseMarkdown('---\ntitle: [unclosed\n---\n\n# Real Title\n\nText.\n', { title: 'buffer' });
  assert.equal(r.ref.title, 'Real Title');
  assert.equal(r.blocks.length, 1);
});

test('markdown outline: heading tree with line ranges', () => {
  const o = markdownSections(MD);
  assert.equal(o.title, 'Inner and outer alignment');
  assert.equal(o.sections.length, 1);
  const h1 = o.sections[0];
  assert.deepEqual(h1.children.map((c) => [c.title, c.number, c.startLine, c.endLine]), [
    ['2 Method', '2', 14, 30],
    ['Discussion', undefined, 31, 35],
  ]);
  assert.deepEqual(h1.children[0].children.map((c) => [c.title, c.startLine, c.endLine]), [['2.1 Reward model', 21, 30]]);
  assert.equal(headingNumber('A.2 Proofs'), 'A.2');
  assert.equal(headingNumber('Appendix'), undefined);
});

const TEX = String.raw`\documentclass{article}
\title{Reward Models\thanks{Draft}}
\author{Alice Smith \\ MIT \and Bob Jones}
\date{2023-05-29}
\begin{document}
\maketitle
\begin{abstract}
We study \emph{reward hacking}.
\end{abstract}
\section{Introduction}\label{sec:intro}
Models~\cite{brown2020} use RLHF (Section~\ref{sec:m}). % comment
It costs 5\% more.

The loss is $\max_\pi \mathbb{E}[r]$ with \textbf{KL}.
\begin{equation}
  \mathcal{L} = -\log \sigma(r_w - r_l) \label{eq:loss}
\end{equation}
\subsection{Setup}
\begin{itemize}
  \item First point
  \item Second \textit{point}
\end{itemize}

\begin{figure}
\caption{The \emph{pipeline}.}
\end{figure}
\section*{Acknowledgements}
Thanks.
\appendix
\section{Proofs}
Proof here.
\end{document}
`;

test('latex: metadata, counted sections, text without macros, math kept, line ranges', () => {
  const r = parseLatex(TEX, { path: 'paper.tex' });
  assert.equal(r.ref.title, 'Reward Models');
  assert.deepEqual(r.ref.authors, ['Alice Smith', 'Bob Jones']);
  assert.equal(r.ref.date, '2023-05-29');
  const t = r.blocks.map((b) => [b.text, b.location.startLine, b.location.endLine, b.location.section, b.location.sectionNumber]);
  assert.deepEqual(t, [
    ['We study reward hacking.', 8, 9, 'Abstract', undefined],
    ['Models [cite] use RLHF (Section [ref]). It costs 5% more.', 11, 12, '1 Introduction', '1'],
    ['The loss is $\\max_\\pi \\mathbb{E}[r]$ with KL. $$\\mathcal{L} = -\\log \\sigma(r_w - r_l) $$', 14, 17, '1 Introduction', '1'],
    ['• First point\n• Second point', 19, 22, '1.1 Setup', '1.1'],
    ['The pipeline.', 24, 26, '1.1 Setup', '1.1'],
    ['Thanks.', 28, 29, 'Acknowledgements', undefined],
    ['Proof here.', 31, 31, 'A Proofs', 'A'],
  ]);
  assert.equal(latexToText('\\href{http://x}{link} and \\url{http://y} -- ``quoted\'\''), 'link and http://y – "quoted"');
});

const HTML = `<!doctype html>
<html><head><title>Site | Post</title>
<meta name="citation_title" content="Debate as Oversight">
<meta name="citation_author" content="Geoffrey Irving">
<meta name="citation_author" content="Paul Christiano">
<meta property="article:published_time" content="2018-05-02T10:00:00Z">
<script>var x = "not text";</script></head>
<body><nav>Home | About</nav>
<header>Blog header</header>
<article>
<h1>Debate</h1>
<p>First paragraph
over two lines.</p>
<h2>2 Setup</h2>
<p>Second <em>paragraph</em>.</p>
<div>Loose text in a div.</div>
<aside>Related posts</aside>
</article>
<footer>Copyright</footer>
</body></html>`;

test('html: article text only, headings as sections, lines from the source, metadata from meta tags', () => {
  const r = parseHtml(HTML, { path: 'post.html' });
  assert.equal(r.ref.title, 'Debate as Oversight');
  assert.deepEqual(r.ref.authors, ['Geoffrey Irving', 'Paul Christiano']);
  assert.equal(r.ref.date, '2018-05-02');
  assert.deepEqual(
    r.blocks.map((b) => [b.text, b.location.startLine, b.location.endLine, b.location.section, b.location.sectionNumber]),
    [
      ['First paragraph over two lines.', 12, 13, 'Debate', undefined],
      ['Second paragraph.', 15, 15, 'Debate > 2 Setup', '2'],
      ['Loose text in a div.', 16, 16, 'Debate > 2 Setup', '2'],
    ],
  );
  const plain = parseHtml('<html><head><title>Only Title</title></head><body><p>x</p></body></html>', {});
  assert.equal(plain.ref.title, 'Only Title');
  assert.equal(parseHtml('<html><body><script>1</script></body></html>', {}).warnings.length, 1);
});

test('text: paragraphs by blank lines with line ranges', () => {
  const r = parsePlainText('First line\nsecond line\n\n\nThird para\r\nmore\n', { path: '/n/notes.txt' });
  assert.equal(r.ref.title, 'notes.txt');
  assert.deepEqual(r.blocks, [
    { text: 'First line\nsecond line', location: { startLine: 1, endLine: 2 } },
    { text: 'Third para\nmore', location: { startLine: 5, endLine: 6 } },
  ]);
  assert.equal(parsePlainText('A heading line\n\nbody', {}).ref.title, 'A heading line');
});

test('dates normalise to YYYY-MM-DD', () => {
  assert.equal(normaliseDate('2022-12-2'), '2022-12-02');
  assert.equal(normaliseDate(new Date('2021-03-04T00:00:00Z')), '2021-03-04');
  assert.equal(normaliseDate('Dec 2, 2022'), '2022-12-02');
  assert.equal(normaliseDate('2022'), undefined);
  assert.equal(normaliseDate('soon'), undefined);
});
