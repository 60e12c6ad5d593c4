// Errors that used to hide: an HTML page answering 200, a base URL with a query, UTF-16 text,
// a folder where a file is expected, and critique findings that could not be read.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fakeOpenAIServer';
import { OpenAIModelClient } from '../../src/core/model/openaiModelClient';
import { ModelError } from '../../src/core/model/modelErrors';
import { loadSourceFile } from '../../src/core/sources/loadSource';
import { main } from '../../src/cli/main';
import type { Logger } from '../../src/core/ports';

const quiet: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
let server: FakeOpenAI;
let portal: http.Server;
let portalUrl: string;
let dir: string;

before(async () => {
  server = await startFakeOpenAI();
  // A website where an API was expected: every path is a 200 HTML page.
  portal = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><html><body>Sign in</body></html>'));
  await new Promise<void>((r) => portal.listen(0, '127.0.0.1', () => r()));
  portalUrl = `http://127.0.0.1:${(portal.address() as AddressInfo).port}/v1`;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'align-hostile-'));
});
beforeEach(() => server.reset());
after(async () => {
  await server.close();
  await new Promise((r) => portal.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<ModelError> {
  try {
    await p;
  } catch (e) {
    assert.ok(ModelError.is(e), String(e));
    return e as ModelError;
  }
  assert.fail('the request succeeded');
}

test('an HTML page with status 200 is named as such, streamed or not, and not retried', async () => {
  const model = new OpenAIModelClient({ baseURL: portalUrl, model: 'm', apiKey: 'sk-x', timeoutMs: 10_000, maxRetries: 2 }, quiet, { baseDelayMs: 5, maxDelayMs: 50 });
  for (const onDelta of [() => {}, undefined]) {
    const e = await failure(model.chat({ messages: [{ role: 'user', content: 'q' }], onDelta }));
    assert.equal(e.code, 'bad-response');
    assert.match(e.message, /returned an HTML web page \(status 200\), not an answer from an OpenAI-compatible API/);
    assert.match(e.hint ?? '', /base URL.*\/v1/);
    assert.equal(e.remedy, 'set-base-url');
    assert.doesNotMatch(e.message, /cut off/);
  }
});

test('a base URL with a query string works: the query is sent with each route', async () => {
  server.setResponder(() => ({ text: 'Fine.' }));
  const model = new OpenAIModelClient({ baseURL: `${server.url}?api-version=2024-06-01`, model: 'fake-model', apiKey: 'sk-x', timeoutMs: 10_000, maxRetries: 0 }, quiet);
  const r = await model.chat({ messages: [{ role: 'user', content: 'q' }], onDelta: () => {} });
  assert.equal(r.text, 'Fine.');
  const chat = server.requests.find((q) => q.path.endsWith('/chat/completions'));
  assert.ok(chat, server.requests.map((q) => q.path).join(', '));
  assert.equal(chat.path, '/v1/chat/completions');
  assert.equal(chat.query, 'api-version=2024-06-01');
});

test('UTF-16 text with a byte-order mark is read; without one it is named as UTF-16, not "binary"', async () => {
  const text = '# Título\n\nReward models are trained on human comparisons.\n';
  const le = path.join(dir, 'le.md');
  fs.writeFileSync(le, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
  assert.match((await loadSourceFile(le)).blocks.map((b) => b.text).join(' '), /human comparisons/);
  const be = path.join(dir, 'be.md');
  const beBytes = Buffer.from(text, 'utf16le').swap16();
  fs.writeFileSync(be, Buffer.concat([Buffer.from([0xfe, 0xff]), beBytes]));
  assert.match((await loadSourceFile(be)).blocks.map((b) => b.text).join(' '), /human comparisons/);
  const bare = path.join(dir, 'bare.txt');
  fs.writeFileSync(bare, Buffer.from(text, 'utf16le'));
  await assert.rejects(loadSourceFile(bare), /bare\.txt: is UTF-16 text \(little-endian\) without a byte-order mark/);
});

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, {
    stdout: (s) => (out += s),
    stderr: (s) => (err += s),
    env: { OPENAI_API_KEY: 'sk-x', OPENAI_BASE_URL: server.url, ALIGN_MODEL: 'fake-model', ALIGN_CACHE_DIR: path.join(dir, 'cache') },
    cwd: dir,
    readStdin: async () => '',
  });
  return { code, out, err };
}

test('a folder where a file is expected is said in words, with its name', async () => {
  fs.mkdirSync(path.join(dir, 'folder.md'), { recursive: true });
  const r = await cli(['critique', 'folder.md']);
  assert.equal(r.code, 1);
  assert.match(r.err, /folder\.md: is a folder, not a file\./);
  assert.doesNotMatch(r.err, /EISDIR/);
});

test('align critique prints findings it could not read and does not call it "0 findings", exit 1', async () => {
  fs.writeFileSync(path.join(dir, 'post.md'), '# Post\n\nA claim that is surely true.\n');
  server.setResponder(() => ({ json: { findings: [{ quote: 42, problem: null }] } }));
  const r = await cli(['critique', 'post.md']);
  assert.equal(r.code, 1, r.err);
  assert.match(r.out, /0 findings in 1 part of "Post"; 1 more could not be read/);
  assert.match(r.err, /a finding in section "Post" could not be read: /);
  const json = await cli(['critique', 'post.md', '--json']);
  assert.equal(json.code, 1);
  assert.equal((JSON.parse(json.out) as { unreadable: unknown[] }).unreadable.length, 1);
});
