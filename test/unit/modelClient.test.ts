import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { unusedPort } from '../support/freePort';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fakeOpenAIServer';
import { OpenAIModelClient } from '../../src/core/model/openaiModelClient';
import { ModelError } from '../../src/core/model/modelErrors';
import { isModelConfigured, resolveModelSettingsFromEnv, endpointLabel } from '../../src/core/model/modelConfig';
import { redactSecrets, redactUrl } from '../../src/core/redact';
import type { ModelSettings } from '../../src/core/model/modelTypes';
import type { Logger } from '../../src/core/ports';

const KEY = 'sk-unit-test-key-0123456789';
let server: FakeOpenAI;
const logged: string[] = [];
const logger: Logger = {
  trace: (m) => logged.push(String(m)),
  debug: (m) => logged.push(String(m)),
  info: (m) => logged.push(String(m)),
  warn: (m) => logged.push(String(m)),
  error: (m) => logged.push(String(m)),
};

before(async () => {
  server = await startFakeOpenAI();
});
after(async () => {
  await server.close();
  assert.ok(!logged.some((l) => l.includes(KEY)), 'the API key never reaches the log');
});

function client(over: Partial<ModelSettings> = {}) {
  return new OpenAIModelClient(
    { baseURL: server.url, model: 'fake-model', apiKey: KEY, timeoutMs: 2000, maxRetries: 2, ...over },
    logger,
    { baseDelayMs: 5, maxDelayMs: 1500 },
  );
}

const ask = [{ role: 'user' as const, content: 'hello' }];

async function failure(p: Promise<unknown>): Promise<ModelError> {
  try {
    await p;
  } catch (e) {
    assert.ok(ModelError.isModelError(e), `a ModelError, not ${String(e)}`);
    return e;
  }
  assert.fail('expected the call to fail');
}

test('streams deltas in order and sends the key as a bearer token', async () => {
  server.setResponder(() => ({ text: 'The quick brown fox.', chunkSize: 3 }));
  const deltas: string[] = [];
  const r = await client().chat({ messages: ask, onDelta: (d) => deltas.push(d) });
  assert.equal(r.text, 'The quick brown fox.');
  assert.equal(deltas.join(''), r.text);
  assert.ok(deltas.length > 3);
  assert.equal(r.finishReason, 'stop');
  assert.equal(server.requests.at(-1)!.headers.authorization, `Bearer ${KEY}`);
});

test('a non-streamed request returns the whole answer', async () => {
  server.setResponder(() => ({ text: 'whole' }));
  const r = await client().chat({ messages: ask });
  assert.equal(r.text, 'whole');
});

test('429 with retry-after is retried, then succeeds', async () => {
  let n = 0;
  server.setResponder(() => (++n <= 2 ? { status: 429, retryAfter: 0 } : { text: 'after waiting' }));
  const r = await client().chat({ messages: ask, onDelta: () => {} });
  assert.equal(r.text, 'after waiting');
  assert.equal(n, 3);
});

test('retry-after is honoured', async () => {
  let n = 0;
  const times: number[] = [];
  server.setResponder(() => {
    times.push(Date.now());
    return ++n === 1 ? { status: 429, retryAfter: 1 } : { text: 'ok' };
  });
  await client().chat({ messages: ask });
  assert.ok(times[1] - times[0] >= 900, `waited ${times[1] - times[0]} ms for retry-after: 1`);
});

test('429 that never ends is a rate-limit error after the retries', async () => {
  let n = 0;
  server.setResponder(() => (n++, { status: 429, retryAfter: 0 }));
  const e = await failure(client({ maxRetries: 1 }).chat({ messages: ask }));
  assert.equal(e.code, 'rate-limit');
  assert.equal(n, 2);
  assert.match(e.message, /rate-limiting/);
});

test('500 is retried and then reported as a server error', async () => {
  let n = 0;
  server.setResponder(() => (n++, { status: 500 }));
  const e = await failure(client().chat({ messages: ask }));
  assert.equal(e.code, 'server');
  assert.equal(n, 3);
});

test('401 is an auth error that says how to set the key', async () => {
  server.setResponder(() => ({ status: 401 }));
  const e = await failure(client().chat({ messages: ask }));
  assert.equal(e.code, 'auth');
  assert.match(e.display, /Set API Key/);
  assert.ok(!e.display.includes(KEY));
});

test('an unknown model lists the models the endpoint offers', async () => {
  const e = await failure(client({ model: 'no-such-model' }).chat({ messages: ask }));
  assert.equal(e.code, 'unknown-model');
  assert.match(e.message, /no-such-model/);
  assert.match(e.message, /fake-model/);
});

test('a refused connection says so and names the endpoint', async () => {
  const e = await failure(client({ baseURL: `http://127.0.0.1:${await unusedPort()}/v1`, maxRetries: 0 }).chat({ messages: ask }));
  assert.equal(e.code, 'connection');
  assert.match(e.message, /127\.0\.0\.1:\d+/);
  assert.match(e.message, /refused/);
});

test('a stall is a timeout, keeping what arrived', async () => {
  server.setResponder(() => ({ stall: true }));
  const e = await failure(client({ timeoutMs: 300 }).chat({ messages: ask, onDelta: () => {} }));
  assert.equal(e.code, 'timeout');
});

test('a stream cut mid-answer keeps the exact partial answer', async () => {
  server.setResponder(() => ({ text: 'abcdefghijklmnopqrstuvwxyz', chunkSize: 4, cutAfterChars: 10 }));
  const deltas: string[] = [];
  const e = await failure(client().chat({ messages: ask, onDelta: (d) => deltas.push(d) }));
  assert.equal(e.code, 'stream-cut');
  assert.equal(e.partial, 'abcdefghij');
  assert.equal(deltas.join(''), 'abcdefghij');
});

test('malformed SSE is a clear error with the partial answer', async () => {
  server.setResponder(() => ({ text: 'Some text that goes bad', chunkSize: 5, malformedSse: true }));
  const e = await failure(client().chat({ messages: ask, onDelta: () => {} }));
  assert.ok(['bad-response', 'stream-cut'].includes(e.code), e.code);
  assert.ok(e.partial && 'Some text that goes bad'.startsWith(e.partial));
});

test('cancelling an endless answer stops it, keeps the partial and closes the connection', async () => {
  server.setResponder(() => ({ endless: true, delayMs: 2 }));
  const abort = new AbortController();
  let got = '';
  const before = server.disconnects;
  const p = client().chat({
    messages: ask,
    signal: abort.signal,
    onDelta: (d) => {
      got += d;
      if (got.length > 50) abort.abort();
    },
  });
  const e = await failure(p);
  assert.equal(e.code, 'cancelled');
  assert.ok(e.partial && e.partial.length > 50);
  for (let i = 0; i < 50 && server.disconnects === before; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(server.disconnects > before, 'the server saw the disconnect');
});

test('structured output is requested, and dropped when the endpoint refuses it', async () => {
  server.setResponder((req) => (req.response_format ? { json: { findings: [] } } : { text: 'plain' }));
  const schema = { name: 'findings', schema: { type: 'object', properties: { findings: { type: 'array' } } } };
  const ok = await client().chat({ messages: ask, jsonSchema: schema });
  assert.equal(ok.structured, true);
  assert.deepEqual(JSON.parse(ok.text), { findings: [] });
  server.rejectResponseFormat = true;
  try {
    const plain = await client().chat({ messages: ask, jsonSchema: schema });
    assert.equal(plain.structured, false);
    assert.equal(plain.text, 'plain');
  } finally {
    server.rejectResponseFormat = false;
  }
});

test('models and embeddings', async () => {
  assert.deepEqual(await client().listModels(), ['fake-judge', 'fake-model']);
  const v = await client().embed(['a b', 'c']);
  assert.equal(v?.length, 2);
  server.embeddings = false;
  try {
    assert.equal(await client().embed(['a']), undefined);
  } finally {
    server.embeddings = true;
  }
});

test('configuration: keys are needed only for hosted endpoints', () => {
  const base = { model: 'm', timeoutMs: 1, maxRetries: 0 };
  assert.equal(isModelConfigured({ ...base, baseURL: 'https://api.openai.com/v1' }), false);
  assert.equal(isModelConfigured({ ...base, baseURL: 'https://api.openai.com/v1', apiKey: 'k' }), true);
  assert.equal(isModelConfigured({ ...base, baseURL: 'http://localhost:11434/v1' }), true);
  const s = resolveModelSettingsFromEnv({ OPENAI_BASE_URL: 'http://x/v1/', ALIGN_MODEL: 'llama' }, { timeoutSeconds: 5 });
  assert.equal(s.baseURL, 'http://x/v1');
  assert.equal(s.model, 'llama');
  assert.equal(s.timeoutMs, 5000);
  assert.equal(endpointLabel('https://user:pw@host:8000/v1'), 'host:8000/v1');
});

test('redaction removes keys from text and credentials from URLs', () => {
  assert.equal(redactSecrets(`key ${KEY} and Bearer abcdefghijkl`, []), 'key [redacted] and Bearer [redacted]');
  assert.equal(redactSecrets('my secret is hunter22', ['hunter22']), 'my secret is [redacted]');
  assert.equal(redactUrl('https://u:p@h/v1?api-key=zzz&x=1'), 'https://h/v1?api-key=redacted&x=1');
});
