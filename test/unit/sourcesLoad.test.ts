import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadSourceFile, parseSourceText, SUPPORTED_EXTENSIONS } from '../../src/core/sources/loadSource';
import { SourceCache } from '../../src/core/sources/sourceCache';
import { sha256Hex } from '../../src/core/sources/hash';
import { InputFileError } from '../../src/core/errors';
import { buildPdf } from '../support/pdfFixture';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sources-load-'));
});
after(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, content: string | Uint8Array): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

async function rejectsWith(file: string, reason: RegExp): Promise<void> {
  await assert.rejects(loadSourceFile(file), (e: unknown) => {
    assert.ok(e instanceof InputFileError, String(e));
    assert.ok(e.message.startsWith(`${file}: `), e.message);
    assert.match(e.display, reason);
    return true;
  });
}

test('dispatches by extension and sets path, kind and the hash of the bytes', async () => {
  const md = '# Title\n\nSome text.\n';
  const cases: [string, string | Uint8Array, string][] = [
    ['a.md', md, 'markdown'],
    ['a.markdown', md, 'markdown'],
    ['a.tex', '\\begin{document}\nHello.\n\\end{document}\n', 'latex'],
    ['a.html', '<p>Hello</p>', 'html'],
    ['a.htm', '<p>Hello</p>', 'html'],
    ['a.txt', 'Hello\n', 'text'],
    ['a.pdf', buildPdf([{ paragraphs: [['Hello from a PDF.']] }]), 'pdf'],
  ];
  for (const [name, content, kind] of cases) {
    const file = write(name, content);
    const r = await loadSourceFile(file);
    assert.equal(r.ref.kind, kind, name);
    assert.equal(r.ref.path, file);
    assert.equal(r.ref.contentHash, sha256Hex(typeof content === 'string' ? Buffer.from(content) : content));
    assert.ok(r.blocks.length > 0, name);
  }
});

test('clear errors: missing, folder, empty, binary, non-UTF-8, unsupported extension, HTML saved as PDF', async () => {
  await rejectsWith(path.join(dir, 'missing.md'), /does not exist/);
  fs.mkdirSync(path.join(dir, 'folder.md'));
  await rejectsWith(path.join(dir, 'folder.md'), /is a folder/);
  await rejectsWith(write('empty.txt', ''), /is empty/);
  await rejectsWith(write('blank.md', '  \n\n '), /no text/);
  await rejectsWith(write('bin.txt', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 1, 2, 3])), /binary data/);
  await rejectsWith(write('latin1.md', new Uint8Array(Buffer.from('caf\xe9 na\xefve\n', 'latin1'))), /not valid UTF-8.*Save with Encoding/);
  await rejectsWith(write('paper.docx', 'x'), /cannot read \(\.docx\).*Supported: \.pdf, \.md, \.markdown, \.tex, \.html, \.htm, \.txt/);
  await rejectsWith(write('noext', 'x'), /no extension/);
  await rejectsWith(write('saved.pdf', '<html><head><title>arXiv</title></head><body>Just a moment</body></html>'), /HTML page saved with a \.pdf name/);
  assert.deepEqual(SUPPORTED_EXTENSIONS, ['.pdf', '.md', '.markdown', '.tex', '.html', '.htm', '.txt']);
});

test('a PDF with a wrong extension is read as a PDF', async () => {
  const r = await loadSourceFile(write('misnamed.txt', buildPdf([{ paragraphs: [['Actually a PDF.']] }])));
  assert.equal(r.ref.kind, 'pdf');
  assert.equal(r.blocks[0].text, 'Actually a PDF.');
});

test('the cache returns an equal result on reopen, and a corrupt entry is ignored and rewritten', async () => {
  const cache = new SourceCache(path.join(dir, 'cache'));
  const file = write('cached.pdf', buildPdf([{ paragraphs: [['Cached paragraph one.'], ['Cached paragraph two.']] }]));
  const first = await loadSourceFile(file, { cache });
  const entry = cache.fileFor(first.ref.contentHash);
  assert.ok(fs.existsSync(entry));
  // Mark the entry so a reopen provably comes from the cache.
  const marked = JSON.parse(fs.readFileSync(entry, 'utf8'));
  marked.warnings = ['from cache'];
  fs.writeFileSync(entry, JSON.stringify(marked));
  const second = await loadSourceFile(file, { cache });
  assert.deepEqual(second.warnings, ['from cache']);
  assert.deepEqual(second.blocks, first.blocks);
  assert.deepEqual({ ...second.ref }, { ...first.ref });
  // A copy at another path shares the entry but reports its own path.
  const copy = write('copy.pdf', fs.readFileSync(file));
  assert.equal((await loadSourceFile(copy, { cache })).ref.path, copy);

  fs.writeFileSync(entry, '{"ref": {"contentHash": "truncated');
  const third = await loadSourceFile(file, { cache });
  assert.deepEqual(third.warnings, []);
  assert.deepEqual(third.blocks, first.blocks);
  assert.doesNotThrow(() => JSON.parse(fs.readFileSync(entry, 'utf8')), 'rewritten');
  fs.writeFileSync(entry, JSON.stringify({ ref: { contentHash: first.ref.contentHash, title: 'x', kind: 'pdf' }, blocks: 'nope', warnings: [] }));
  assert.equal(cache.get(first.ref.contentHash), undefined, 'a wrongly shaped entry is ignored');
});

test('parseSourceText reads editor buffers; a PDF kind is refused', () => {
  const r = parseSourceText('# Draft\n\nUnsaved text.', 'markdown', { title: 'Untitled-1' });
  assert.equal(r.ref.title, 'Draft');
  assert.equal(r.ref.path, undefined);
  assert.equal(r.blocks[0].location.startLine, 3);
  assert.throws(() => parseSourceText('%PDF-', 'pdf', { title: 'x.pdf' }), InputFileError);
});
