import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { outlineDraft, outlineDraftWithRemark } from '../../src/core/critique/draftSections';
import { scanTopLevelBlocks } from '../../src/core/critique/draftBlocks';

// The outline draft critique works from comes from a one-pass line scanner; it must be exactly the
// outline remark gives, on every kind of Markdown a researcher writes. Each draft below is checked
// both ways, and the ones the scanner claims to handle must not silently fall back to remark.
const DRAFTS: Record<string, string> = {
  frontMatter: `---\ntitle: "A Post: With a Colon"\ndate: 2024-01-01\ntags:\n  - a\n---\n\nIntro before any heading.\n\n# First\n\nText.\n`,
  frontMatterTrailingSpaces: `---  \ntitle: x\n---\n\n# A\n\nb\n`,
  tomlFrontMatter: `+++\ntitle = "t"\n+++\ntext right after\n\n## Two\n`,
  noClosingFrontMatter: `---\ntitle: x\n\n# A\n\nb\n`,
  setext: `Title\n=====\n\nSub one\n-------\n\nPara\nover two lines\n---\n\nMulti\nline heading  \n===\n`,
  fencedHashes: "# Real\n\n```bash\n# not a heading\n## nor this\n```\n\n~~~~\n# still code\n~~~\n~~~~\n\n## After code\n\ntext\n",
  unclosedFence: "# A\n\ntext\n\n```\n# code to the end\n\n\n",
  lists: `# Lists\n\n- one\n- two\n  continued\n\n  second para\n* other marker\n1. ordered\n2) other delim\n\nPara\n2. not a list start\n1. but this is\n\n- a\nlazy line\n-\n\n  after empty item\n\n10.   wide\n     five spaces\n`,
  nestedLists: `- a\n  - b\n    - c\n\n      deep para\n\n        deep code\n- d\n\n  > quote in item\n  > # heading in quote in item\n\n  \`\`\`\n  # code in item\n  \`\`\`\n# top heading closes the list\n`,
  quotes: `> quote\nlazy continuation\n> > nested\n>\n> # heading in quote\n\n> again\n===\n\n> one\n---\n\n> code fence\n> \`\`\`\n> # inside\n> \`\`\`\nnot lazy\n`,
  unclosedFenceInQuote: `> \`\`\`\n> # inside\nnot lazy\n`,
  html: `<div>\n# inside html\n</div>\n\n# After\n\n<!-- comment\n# still comment\n-->\n\n<img src="x.png" alt="y">\ntext\n\npara\n<img src="z">\n\n<hr/>\n\n<script>\n# js\n\n</script>\nafter script\n`,
  tables: `# T\n\n| a | b |\n|---|:-:|\n| 1 | 2 |\nmore row\n\ntext\n| x | y |\n| - | - |\n| 3 | 4 |\n# heading ends table\n\na | b\n--|--\n1 | 2\n> quote ends table\n`,
  math: `# M\n\n$$\nx = 1\n# not heading\n$$\n\ntext\n$$\ny\n$$\nafter\n\nInline $a$ math.\n`,
  definitions: `[a]: https://example.com\n[b]: <https://x.y> "Title"\ntext after defs\n\n# [a] and [c]\n\n[^1]: footnote\n    indented continuation\n\n    second para\nlazy\n\n## Title[^1]\n\nBody[^1].\n\n[lead link](https://x) starts this paragraph.\n`,
  headingsInline: `# **Bold** _em_ \`code\` $m$ &amp; \\# escaped ##\n\n## [link](https://x) ~strike~ <b>html</b>\n\n### Closing hashes ###\n\n####### seven is text\n\n#\n\n# #\n\n#no space\n`,
  thematic: `# A\n\n* * *\n\n- - -\n\n___\n\ntext\n***\n`,
  indentedCode: `# Code\n\n    indented code\n    # not heading\n\n    more\n\ntext\n    continuation not code\n`,
  crlf: `---\r\ntitle: CRLF post\r\n---\r\n\r\n# One\r\n\r\nText\r\nmore\r\n\r\n## Two\r\n\r\n- a\r\n- b\r\n\r\n\`\`\`\r\n# code\r\n\`\`\`\r\n`,
  noHeadings: `Just a paragraph.\n\nAnd another one.\n`,
  onlyHeadings: `# A\n## B\n### C\n`,
  hostileButUnderBudget: `${'> '.repeat(20)}deep quote\n\n${Array.from({ length: 20 }, (_, i) => `${'  '.repeat(i)}- level ${i}`).join('\n')}\n\n${'['.repeat(200)}brackets\n\n# After\n`,
  emphasisHeavy: `# E\n\n${'*a* _b_ **c** '.repeat(100)}\n\n## F\n`,
  tabs: `# Tabs\n\n-\titem with tab\n\n\tcode with tab\n`,
  loneCR: `# A\rB\n\ntext\n`,
  blankStarts: `\n\n\n# A\n\n\n\ntext\n\n\n`,
};

function realDrafts(): [string, string][] {
  const dirs = [path.resolve(__dirname, '..', '..', '..', 'shared', 'papers'), path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'papers')];
  const out: [string, string][] = [];
  for (const d of dirs) if (fs.existsSync(d)) for (const f of fs.readdirSync(d)) if (f.endsWith('.md')) out.push([f, fs.readFileSync(path.join(d, f), 'utf8')]);
  return out;
}

for (const [name, text] of [...Object.entries(DRAFTS), ...realDrafts()]) {
  test(`draft outline: the scanner gives remark's outline (${name})`, () => {
    assert.deepEqual(outlineDraft(text), outlineDraftWithRemark(text));
  });
}

test('draft outline: the scanner handles ordinary drafts itself (remark only where it is unsure)', () => {
  const unsure = ['tabs', 'loneCR', 'noClosingFrontMatter', 'unclosedFenceInQuote'];
  for (const [name, text] of Object.entries(DRAFTS)) {
    if (unsure.includes(name)) assert.equal(scanTopLevelBlocks(text), undefined, name);
    else assert.ok(scanTopLevelBlocks(text), `${name} fell back to remark`);
  }
  for (const [name, text] of realDrafts()) assert.ok(scanTopLevelBlocks(text), `${name} fell back to remark`);
});

// Seeded random drafts from fragments that meet at every kind of block boundary (lazy lines, list
// markers, fences, HTML, tables, definitions, setext underlines); each must outline the same both ways.
const FRAGMENTS = ['# H', '## H *em*', 'para text', 'more text', '', '', '', '- item', '* item', '+ item', '1. one', '2. two', '3) three', '  indented', '    code', '      deep', '> quote', '> > q2', '>', '```', '~~~', '```js', '$$', '---', '***', '===', '<div>', '</div>', '<!-- c', '-->', '<img src="x">', '| a | b |', '|---|---|', '[x]: /u', '[^1]: fn', '[^1]', '    fn cont', '- - -', '-', '1.', '  - sub', '   > q', '#', '## [x] `c`', 'a | b', '--|--', '<script>', '</script>', '[link](u) text', '  ```', '   ```', 'Setext', '  ---'];

test('draft outline: 2,000 seeded random drafts outline the same with the scanner as with remark', () => {
  let seed = 18;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  let scanned = 0;
  for (let i = 0; i < 2000; i++) {
    const eol = rnd() < 0.2 ? '\r\n' : '\n';
    const text = Array.from({ length: 3 + Math.floor(rnd() * 14) }, () => FRAGMENTS[Math.floor(rnd() * FRAGMENTS.length)]).join(eol) + (rnd() < 0.5 ? eol : '');
    if (scanTopLevelBlocks(text)) scanned++;
    assert.deepEqual(outlineDraft(text), outlineDraftWithRemark(text), JSON.stringify(text));
  }
  // Most of them must really go through the scanner, or the comparison proves nothing.
  assert.ok(scanned > 1500, `only ${scanned} of 2000 were scanned`);
});
