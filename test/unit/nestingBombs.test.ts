// Nesting bombs: each is refused in bounded time, without a stack overflow, by an error naming
// the file and the line, before remark (or the LaTeX reader) sees it. The files are real files
// read through loadSourceFile, as the editor, the CLI and the library read them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSourceFile } from '../../src/core/sources/loadSource';
import { outlineDraft } from '../../src/core/critique/draftSections';
import { AlignError } from '../../src/core/errors';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'align-nest-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

async function refusedQuickly(name: string, content: string, pattern: RegExp): Promise<void> {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  const t0 = performance.now();
  await assert.rejects(loadSourceFile(file), (e: unknown) => {
    assert.ok(AlignError.is(e), String(e));
    assert.ok(e.message.startsWith(`${file}: `), e.message);
    assert.match(e.message, pattern);
    assert.ok(e.hint);
    return true;
  });
  // Generous for a loaded machine; the old code took minutes (or overflowed the stack).
  assert.ok(performance.now() - t0 < 10_000, `${Math.round(performance.now() - t0)} ms`);
}

test('40 KB of nested list markers', async () => {
  await refusedQuickly('lists.md', '# Title\n\nIntro.\n\n' + '- '.repeat(20_000) + 'x\n', /nests lists or block quotes more than 32 levels deep at line 5/);
});

test('20 KB of nested block quotes', async () => {
  await refusedQuickly('quotes.md', 'Intro.\n\n' + '>'.repeat(20_000) + ' x\n', /more than 32 levels deep at line 3/);
});

test('nested ordered lists, and many moderately nested lines that add up', async () => {
  await refusedQuickly('ordered.md', '1. '.repeat(5_000) + 'x\n', /more than 32 levels deep at line 1/);
  await refusedQuickly('many.md', ('- '.repeat(16) + 'x\n').repeat(2_000), /more nested lists and block quotes than can be parsed/);
});

test('deep LaTeX nesting', async () => {
  await refusedQuickly('deep.tex', '\\title{T}\n\\begin{document}\nText ' + '\\emph{'.repeat(50_000) + 'x' + '}'.repeat(50_000) + '\n\\end{document}\n', /nests \{…\} groups more than 100 levels deep at line 3/);
});

test('a draft sent to critique names its file', () => {
  assert.throws(() => outlineDraft('- '.repeat(20_000), '/drafts/post.md'), /^InputFileError: \/drafts\/post\.md: nests lists/);
});

test('ordinary nesting still parses', async () => {
  const file = path.join(dir, 'ok.md');
  fs.writeFileSync(file, '# T\n\n- a\n  - b\n    - c\n\n> quote\n> > inner\n\n' + '- item\n'.repeat(3000));
  const src = await loadSourceFile(file);
  assert.ok(src.blocks.length > 0);
  const tex = path.join(dir, 'ok.tex');
  fs.writeFileSync(tex, '\\title{A}\n\\begin{document}\n\\section{Intro}\nSome \\emph{nested \\textbf{text}} here.\n\\end{document}\n');
  assert.match((await loadSourceFile(tex)).blocks.map((b) => b.text).join(' '), /nested text/);
});

test('thousands of brackets or emphasis markers in one paragraph', async () => {
  await refusedQuickly('brackets.md', 'Intro.\n\n' + '['.repeat(20_000) + 'x' + ']'.repeat(20_000) + '\n', /more than 1000 "\[" brackets in one paragraph \(by line 3\)/);
  await refusedQuickly('emph.md', '*a '.repeat(7_000) + 'x' + ' a*'.repeat(7_000) + '\n', /more than 1000 emphasis markers/);
});

test('brackets in code blocks and rules of stars are not counted', async () => {
  const file = path.join(dir, 'code.md');
  fs.writeFileSync(file, '# Data\n\n```json\n' + '[1,'.repeat(3000) + '\n```\n\n' + '*'.repeat(3000) + '\n\nText after.\n');
  assert.match((await loadSourceFile(file)).blocks.map((b) => b.text).join(' '), /Text after/);
});
