// Total-time and size limits on one answer, over real HTTP against the fake server: empty
// keep-alive chunks and an endless stream end at the time limit, a huge answer at the size cap,
// each with the partial answer kept and its own error code; the CLI takes both as flags.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fakeOpenAIServer';
import { OpenAIModelClient } from '../../src/core/model/openaiModelClient';
import { ModelError } from '../../src/core/model/modelErrors';
import type { ModelSettings } from '../../src/core/model/modelTypes';
import { main } from '../../src/cli/main';
import type { Logger } from '../../src/core/ports';
import { CLI_REMEDY_WORDING } from '../../src/cli/cliRemedies';
import { HOST_REMEDY_WORDING } from '../../src/host/remedyWording';

const quiet: Logger = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };
let server: FakeOpenAI;
before(async () => {
  server = await startFakeOpenAI();
});
beforeEach(() => server.reset());
after(() => server.close());

function client(over: Partial<ModelSettings>) {
  return new OpenAIModelClient({ baseURL: server.url, model: 'fake-model', apiKey: 'sk-x', timeoutMs: 5000, maxRetries: 2, ...over }, quiet, { baseDelayMs: 5, maxDelayMs: 50 });
}

async function failure(p: Promise<unknown>): Promise<ModelError> {
  try {
    await p;
  } catch (e) {
    assert.ok(ModelError.is(e), String(e));
    return e as ModelError;
  }
  assert.fail('the request succeeded');
}

const waitFor = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
};

test('empty keep-alive chunks do not keep an answer alive past the total limit; the partial is kept', async () => {
  server.setResponder(() => ({ keepAlive: true, intervalMs: 50, afterText: 'The start of an answer' }));
  let streamed = '';
  const t0 = Date.now();
  const e = await failure(client({ timeoutMs: 8000, maxAnswerMs: 2500 }).chat({ messages: [{ role: 'user', content: 'q' }], onDelta: (d) => (streamed += d) }));
  const ms = Date.now() - t0;
  assert.equal(e.code, 'time-limit');
  assert.equal(e.partial, 'The start of an answer');
  assert.equal(streamed, 'The start of an answer');
  assert.match(e.message, /did not finish the answer within 2\.5 s|did not finish the answer within 3 s/);
  assert.equal(e.remedy, 'raise-answer-time');
  assert.match(CLI_REMEDY_WORDING['raise-answer-time'] ?? '', /--max-time/);
  assert.match(HOST_REMEDY_WORDING['raise-answer-time'] ?? '', /maxAnswerSeconds/);
  assert.ok(ms >= 2400 && ms < 30_000, `${ms} ms`);
  assert.equal(server.requests.filter((r) => r.path.endsWith('/chat/completions')).length, 1, 'not retried');
  await waitFor(() => server.disconnects > 0);
  assert.equal(server.disconnects, 1, 'the connection was closed');
});

test('an endless stream stops at the total limit', async () => {
  server.setResponder(() => ({ endless: true, delayMs: 5 }));
  const e = await failure(client({ maxAnswerMs: 1500 }).chat({ messages: [{ role: 'user', content: 'q' }], onDelta: () => {} }));
  assert.equal(e.code, 'time-limit');
  assert.match(e.partial ?? '', /^word0 word1 /);
});

test('a huge streamed answer is stopped at the size cap, the first part kept exactly', async () => {
  server.setResponder(() => ({ hugeChars: 100 * 1024 * 1024, chunkSize: 4096 }));
  let streamed = 0;
  const e = await failure(client({ maxAnswerChars: 100_000 }).chat({ messages: [{ role: 'user', content: 'q' }], onDelta: (d) => (streamed += d.length) }));
  assert.equal(e.code, 'too-long');
  assert.equal(e.partial?.length, 100_000);
  assert.equal(streamed, 100_000);
  assert.match(e.message, /passed 100,000 characters/);
  await waitFor(() => server.disconnects > 0);
  assert.equal(server.disconnects, 1, 'the rest was not downloaded');
});

test('a huge whole (not streamed) answer is refused at the size cap with its start kept', async () => {
  server.setResponder(() => ({ hugeChars: 2 * 1024 * 1024 }));
  const e = await failure(client({ maxAnswerChars: 50_000 }).chat({ messages: [{ role: 'user', content: 'q' }] }));
  assert.equal(e.code, 'too-long');
  assert.equal(e.partial?.length, 50_000);
});

test('answers within the limits are untouched', async () => {
  server.setResponder(() => ({ text: 'A short answer.', chunkSize: 4 }));
  const r = await client({ maxAnswerChars: 15, maxAnswerMs: 10_000 }).chat({ messages: [{ role: 'user', content: 'q' }], onDelta: () => {} });
  assert.equal(r.text, 'A short answer.');
});

test('align ask --max-time and --max-answer-chars: a clear error, the partial on stderr, exit 1', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'align-limits-'));
  try {
    fs.writeFileSync(path.join(dir, 'paper.md'), '# P\n\nReward models are trained on comparisons.\n');
    const run = async (args: string[]) => {
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
    };
    server.setResponder(() => ({ keepAlive: true, intervalMs: 50, afterText: 'Partial words' }));
    const slow = await run(['ask', 'paper.md', 'What?', '--max-time', '2', '--timeout', '10']);
    assert.equal(slow.code, 1);
    assert.match(slow.err, /did not finish the answer within 2 s, the limit for one answer/);
    assert.match(slow.out, /Partial words/);
    server.setResponder(() => ({ hugeChars: 10_000_000 }));
    const big = await run(['ask', 'paper.md', 'What?', '--max-answer-chars', '1000']);
    assert.equal(big.code, 1);
    assert.match(big.err, /passed 1,000 characters/);
    const bad = await run(['ask', 'paper.md', 'What?', '--max-time', 'soon']);
    assert.equal(bad.code, 2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
