// OpenAIModelClient over real HTTP against the fake OpenAI server: streaming, retries, every
// failure mode, structured output, models and embeddings, configuration and error mapping.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { APIConnectionError, APIConnectionTimeoutError, APIUserAbortError } from 'openai';
import { unusedPort } from '../support/freePort';
import { startFakeOpenAI, failFirst, type FakeOpenAI } from '../support/fakeOpenAIServer';
import { OpenAIModelClient } from '../../src/core/model/openaiModelClient';
import { ModelError, toModelError, retryAfterSeconds, type ModelErrorContext } from '../../src/core/model/modelErrors';
import { retryDelayMs } from '../../src/core/model/retry';
import { isModelConfigured, resolveModelSettingsFromEnv, endpointLabel, normaliseBaseUrl } from '../../src/core/model/modelConfig';
import type { ModelSettings } from '../../src/core/model/modelTypes';
import type { Logger } from '../../src/core/ports';
import { useRemedyWording } from '../../src/core/errors';
import { HOST_REMEDY_WORDING } from '../../src/host/remedyWording';

// These tests read messages as the editor shows them; the CLI's wording is tested in cliLoop.test.ts.
useRemedyWording(HOST_REMEDY_WORDING);

const KEY = 'sk-unit-test-key-0123456789abcdef';
let server: FakeOpenAI;
const logged: { level: string; line: string }[] = [];
const capture = (level: string) => (m: unknown, ...args: unknown[]) => logged.push({ level, line: [m, ...args].map(String).join(' ') });
const logger: Logger = { trace: capture('trace'), debug: capture('debug'), info: capture('info'), warn: capture('warn'), error: capture('error') };

before(async () => {
  server = await startFakeOpenAI();
});
beforeEach(() => server.reset());
after(async () => {
  await server.close();
  assert.ok(logged.length > 20, 'calls are logged');
  const leaks = logged.filter((l) => l.line.includes(KEY) || l.line.includes(KEY.slice(3)));
  assert.deepEqual(leaks, [], 'the API key never reaches the log');
});

function client(over: Partial<ModelSettings> = {}) {
  return new OpenAIModelClient({ baseURL: server.url, model: 'fake-model', apiKey: KEY, timeoutMs: 2000, maxRetries: 2, ...over }, logger, { baseDelayMs: 5, maxDelayMs: 1500 });
}

const ask = [{ role: 'user' as const, content: 'hello there' }];
const chats = () => server.requests.filter((r) => r.path.endsWith('/chat/completions'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function failure(p: Promise<unknown>): Promise<ModelError> {
  try {
    await p;
  } catch (e) {
    assert.ok(ModelError.isModelError(e), `a ModelError, not ${String(e)}`);
    return e;
  }
  assert.fail('expected the call to fail');
}

test('streams deltas in order, sends the key as a bearer token and logs the call', async () => {
  server.setResponder(() => ({ text: 'The quick brown fox.', chunkSize: 3 }));
  const deltas: string[] = [];
  const r = await client().chat({ messages: ask, onDelta: (d) => deltas.push(d) });
  assert.equal(r.text, 'The quick brown fox.');
  assert.deepEqual(deltas, ['The', ' qu', 'ick', ' br', 'own', ' fo', 'x.']);
  assert.equal(r.finishReason, 'stop');
  assert.equal(r.model, 'fake-model');
  assert.equal(r.structured, undefined);
  const req = chats().at(-1)!;
  assert.equal(req.headers.authorization, `Bearer ${KEY}`);
  assert.equal((req.body as { stream: boolean }).stream, true);
  const line = logged.filter((l) => l.level === 'info').at(-1)!.line;
  assert.match(line, /fake-model/);
  assert.match(line, new RegExp(`127\\.0\\.0\\.1:${server.port}/v1`));
  assert.match(line, /1 messages, 11 prompt chars/);
  assert.match(line, /20 chars, finish stop/);
  assert.ok(!line.includes('hello there'), 'the prompt is not logged');
});

test('a non-streamed request returns the whole answer with token usage', async () => {
  server.setResponder(() => ({ text: 'whole answer' }));
  const r = await client({ temperature: 0.2, maxTokens: 99 }).chat({ messages: ask });
  assert.equal(r.text, 'whole answer');
  assert.equal(r.finishReason, 'stop');
  assert.ok(r.usage?.completionTokens);
  const body = chats().at(-1)!.body as { stream?: boolean; temperature: number; max_tokens: number };
  assert.notEqual(body.stream, true);
  assert.equal(body.temperature, 0.2);
  assert.equal(body.max_tokens, 99);
  assert.match(logged.filter((l) => l.level === 'info').at(-1)!.line, /tokens \d+\+\d+/);
});

test('per-call model override', async () => {
  const r = await client().chat({ messages: ask, model: 'fake-judge' });
  assert.equal((chats().at(-1)!.body as { model: string }).model, 'fake-judge');
  assert.equal(r.model, 'fake-judge');
});

test('a local endpoint without a key gets a placeholder; a hosted one is not configured', async () => {
  await client({ apiKey: undefined }).chat({ messages: ask });
  assert.equal(chats().at(-1)!.headers.authorization, 'Bearer no-key-needed');

  const e = await failure(new OpenAIModelClient({ baseURL: '', model: 'gpt-4o-mini', timeoutMs: 1000, maxRetries: 0 }, logger).chat({ messages: ask }));
  assert.equal(e.code, 'not-configured');
  assert.equal(e.message, 'No API key is set for https://api.openai.com/v1.');
  assert.equal(e.remedy, 'set-key');
  assert.match(e.display, /Set an API key\. Run 'Alignment: Set API Key'\./);
  assert.ok(!/OPENAI_API_KEY|CLI/.test(e.display), e.display);
  assert.equal(e.retryable, false);
});

test('429 with retry-after is retried, each retry logged, then succeeds', async () => {
  server.setResponder(failFirst(2, { status: 429, retryAfter: 0 }, () => ({ text: 'after waiting' })));
  const r = await client().chat({ messages: ask, onDelta: () => {} });
  assert.equal(r.text, 'after waiting');
  assert.equal(chats().length, 3);
  const retries = logged.filter((l) => l.level === 'warn' && /retry \d of 2/.test(l.line)).slice(-2);
  assert.match(retries[0].line, /rate-limit.*retry 1 of 2 in 0 ms/);
  assert.match(retries[1].line, /retry 2 of 2 in 0 ms/);
  assert.match(logged.filter((l) => l.level === 'info').at(-1)!.line, /after 2 retries/);
});

test('retry-after-ms and retry-after are honoured as the wait', async () => {
  const times: number[] = [];
  server.setResponder((_req, n) => (times.push(Date.now()), n === 1 ? { status: 429, retryAfterMs: 300 } : n === 2 ? { status: 503, retryAfter: 1 } : { text: 'ok' }));
  await client().chat({ messages: ask });
  assert.equal(times.length, 3);
  // Lower bounds only: the client must not retry before the server allows it.
  assert.ok(times[1] - times[0] >= 290, `waited ${times[1] - times[0]} ms for retry-after-ms: 300`);
  assert.ok(times[2] - times[1] >= 990, `waited ${times[2] - times[1]} ms for retry-after: 1`);
  assert.ok(logged.some((l) => /in 300 ms/.test(l.line)) && logged.some((l) => /in 1000 ms/.test(l.line)));
});

test('a retry-after longer than the cap is not waited for', async () => {
  server.setResponder(() => ({ status: 429, retryAfter: 60 }));
  const e = await failure(client().chat({ messages: ask }));
  assert.equal(e.code, 'rate-limit');
  assert.equal(e.retryAfterSeconds, 60);
  assert.match(e.display, /Wait 60 s/);
  assert.equal(chats().length, 1);
});

test('429 that never ends is a rate-limit error after the retries', async () => {
  server.setResponder(() => ({ status: 429, retryAfter: 0 }));
  const e = await failure(client({ maxRetries: 1 }).chat({ messages: ask }));
  assert.equal(e.code, 'rate-limit');
  assert.equal(e.status, 429);
  assert.equal(e.retryable, true);
  assert.equal(chats().length, 2);
  assert.match(e.message, /rate-limiting/);
  assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${server.port}/v1 \\(model fake-model\\)`));
});

test('5xx is retried and then reported as a server error', async () => {
  for (const status of [500, 502, 503]) {
    server.reset();
    server.setResponder(() => ({ status }));
    const e = await failure(client().chat({ messages: ask }));
    assert.equal(e.code, 'server');
    assert.equal(e.status, status);
    assert.equal(chats().length, 3, `${status}: 1 call + 2 retries`);
  }
});

test('401 is an auth error that says how to set the key, and never repeats the key', async () => {
  server.setResponder(() => ({ status: 401, message: `Incorrect API key provided: ${KEY}.` }));
  const e = await failure(client().chat({ messages: ask }));
  assert.equal(e.code, 'auth');
  assert.equal(e.retryable, false);
  assert.equal(chats().length, 1, 'not retried');
  assert.match(e.display, /Set API Key/);
  assert.match(e.message, /Incorrect API key provided: \[redacted\]/);
  assert.ok(!e.display.includes(KEY));
});

test('an unknown model lists the models the endpoint offers', async () => {
  server.models = ['fake-model', 'llama-3-8b', 'qwen2'];
  const e = await failure(client({ model: 'no-such-model' }).chat({ messages: ask }));
  assert.equal(e.code, 'unknown-model');
  assert.equal(e.message, `Model 'no-such-model' is not served by ${server.url}; it offers: fake-model, llama-3-8b, qwen2.`);
  assert.match(e.display, /Select Model/);
});

test('a base URL without the API (404 everywhere) is reported as a wrong address, not a wrong model', async () => {
  const e = await failure(client({ baseURL: `http://127.0.0.1:${server.port}/api` }).chat({ messages: ask }));
  assert.equal(e.code, 'bad-request');
  assert.match(e.message, /no OpenAI-compatible API/);
  assert.match(e.display, /\/v1.*alignment\.baseUrl/);
});

test('another 400 is a bad request, not retried', async () => {
  server.setResponder(() => ({ status: 400, message: "'temperature' must be at most 2" }));
  const e = await failure(client().chat({ messages: ask }));
  assert.equal(e.code, 'bad-request');
  assert.match(e.message, /temperature/);
  assert.equal(chats().length, 1);
});

test('a refused connection says so, names the endpoint, and is not retried', async () => {
  const url = `http://127.0.0.1:${await unusedPort()}/v1`;
  const e = await failure(client({ baseURL: url }).chat({ messages: ask }));
  assert.equal(e.code, 'connection');
  assert.equal(e.message, `Could not connect to ${url} (connection refused).`);
  assert.match(e.display, /Is the server running\?/);
  assert.ok(!logged.some((l) => l.line.includes(url) && /retry 1/.test(l.line)));
});

test('a connection reset before any answer is retried', async () => {
  server.setResponder(failFirst(1, { text: 'lost', cutAfterChars: 0 }, () => ({ text: 'second try' })));
  const r = await client().chat({ messages: ask, onDelta: () => {} });
  assert.equal(r.text, 'second try');
  assert.equal(chats().length, 2);
});

test('a stall mid-answer is a timeout that keeps what arrived and names the setting', async () => {
  server.setResponder(() => ({ stall: true, afterText: 'Half an ans' }));
  const before = server.disconnects;
  const deltas: string[] = [];
  const e = await failure(client({ timeoutMs: 300 }).chat({ messages: ask, onDelta: (d) => deltas.push(d) }));
  assert.equal(e.code, 'timeout');
  assert.equal(e.partial, 'Half an ans');
  assert.deepEqual(deltas, ['Half an ans']);
  assert.match(e.message, /went silent for 0\.3 s/);
  assert.match(e.message, /11 characters received are kept/);
  assert.equal(e.remedy, 'raise-timeout');
  assert.match(e.display, /alignment\.requestTimeoutSeconds/);
  assert.equal(chats().length, 1, 'a timeout is not retried');
  for (let i = 0; i < 50 && server.disconnects === before; i++) await sleep(10);
  assert.ok(server.disconnects > before, 'the stalled request was abandoned');
});

test('a server that never answers at all is a timeout, streamed or not', async () => {
  server.setResponder(() => ({ stall: true, headers: false }));
  for (const onDelta of [() => {}, undefined]) {
    const e = await failure(client({ timeoutMs: 300 }).chat({ messages: ask, onDelta }));
    assert.equal(e.code, 'timeout');
    assert.equal(e.partial, undefined);
    assert.match(e.message, /did not answer within 0\.3 s/);
  }
});

test('a stream cut mid-answer keeps the exact partial answer', async () => {
  server.setResponder(() => ({ text: 'abcdefghijklmnopqrstuvwxyz', chunkSize: 4, cutAfterChars: 10 }));
  const deltas: string[] = [];
  const e = await failure(client().chat({ messages: ask, onDelta: (d) => deltas.push(d) }));
  assert.equal(e.code, 'stream-cut');
  assert.equal(e.partial, 'abcdefghij');
  assert.equal(deltas.join(''), 'abcdefghij');
  assert.match(e.message, /cut off after 10 characters; the partial answer is kept/);
  assert.equal(chats().length, 1, 'a partial answer is not silently retried');
});

test('a stream that ends without a finish reason is cut', async () => {
  server.setResponder(() => ({ text: 'all of it', noFinish: true }));
  const e = await failure(client().chat({ messages: ask, onDelta: () => {} }));
  assert.equal(e.code, 'stream-cut');
  assert.equal(e.partial, 'all of it');
});

test('an error event mid-stream is a cut answer quoting the server', async () => {
  server.setResponder(() => ({ text: 'abcdefgh', chunkSize: 2, sseErrorAfterChars: 4 }));
  const e = await failure(client().chat({ messages: ask, onDelta: () => {} }));
  assert.equal(e.code, 'stream-cut');
  assert.equal(e.partial, 'abcd');
  assert.match(e.message, /backend failed/);
});

test('malformed SSE is a clear error with the partial answer', async () => {
  server.setResponder(() => ({ text: 'Some text that goes bad', chunkSize: 5, malformedSse: true }));
  const e = await failure(client().chat({ messages: ask, onDelta: () => {} }));
  assert.equal(e.code, 'bad-response');
  assert.equal(e.partial, 'Some text ');
  assert.match(e.message, /could not be read/);
  assert.match(e.message, /10 characters received are kept/);
});

test('a whole answer that is not JSON is a bad response', async () => {
  server.setResponder(() => ({ text: 'x', malformedSse: true }));
  const e = await failure(client().chat({ messages: ask }));
  assert.equal(e.code, 'bad-response');
});

test('cancelling an endless answer stops it, keeps the partial and closes the connection', async () => {
  server.setResponder(() => ({ endless: true, delayMs: 2 }));
  const before = server.disconnects;
  const abort = new AbortController();
  let got = '';
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
  assert.equal(e.partial, got);
  assert.match(e.partial!, /^word0 word1 /);
  for (let i = 0; i < 100 && server.disconnects === before; i++) await sleep(10);
  assert.ok(server.disconnects > before, 'the server saw the disconnect');
});

test('cancelling during a retry wait stops at once; an aborted signal sends nothing', async () => {
  server.setResponder(() => ({ status: 429, retryAfter: 1 }));
  const abort = new AbortController();
  const p = client().chat({ messages: ask, signal: abort.signal });
  for (let i = 0; i < 100 && chats().length === 0; i++) await sleep(5);
  abort.abort();
  const e = await failure(p);
  assert.equal(e.code, 'cancelled');
  await sleep(20);
  assert.equal(chats().length, 1);

  server.reset();
  const e2 = await failure(client().chat({ messages: ask, signal: AbortSignal.abort() }));
  assert.equal(e2.code, 'cancelled');
  assert.equal(chats().length, 0);
});

const schema = { name: 'findings', schema: { type: 'object', properties: { findings: { type: 'array' } }, required: ['findings'] } };

test('structured output sends response_format json_schema', async () => {
  server.setResponder((req) => (req.response_format ? { json: { findings: [] } } : { text: 'plain' }));
  const ok = await client().chat({ messages: ask, jsonSchema: schema });
  assert.equal(ok.structured, true);
  assert.deepEqual(JSON.parse(ok.text), { findings: [] });
  const rf = (chats().at(-1)!.body as { response_format: { type: string; json_schema: { name: string; schema: unknown } } }).response_format;
  assert.equal(rf.type, 'json_schema');
  assert.equal(rf.json_schema.name, 'findings');
  assert.deepEqual(rf.json_schema.schema, schema.schema);
});

test('structured output is dropped, once, when the endpoint refuses it with 400 or 422', async () => {
  server.setResponder((req) => (req.response_format ? { json: { findings: [] } } : { text: 'plain' }));
  for (const status of [400, 422] as const) {
    server.requests.length = 0;
    server.rejectResponseFormat = status;
    const deltas: string[] = [];
    const plain = await client().chat({ messages: ask, jsonSchema: schema, onDelta: (d) => deltas.push(d) });
    assert.equal(plain.structured, false);
    assert.equal(plain.text, 'plain');
    assert.equal(deltas.join(''), 'plain');
    assert.equal(chats().length, 2);
    assert.equal((chats()[1].body as { response_format?: unknown }).response_format, undefined);
  }
  server.rejectResponseFormat = false;
  server.requests.length = 0;
  server.setResponder(() => ({ status: 400, message: 'messages must not be empty' }));
  const e = await failure(client().chat({ messages: ask, jsonSchema: schema }));
  assert.equal(e.code, 'bad-request');
  assert.equal(chats().length, 2, 'one fallback, then the plain request fails for real');
});

test('models are listed, sorted', async () => {
  server.models = ['zeta', 'alpha', 'mid'];
  assert.deepEqual(await client().listModels(), ['alpha', 'mid', 'zeta']);
  const e = await failure(client({ baseURL: `http://127.0.0.1:${await unusedPort()}/v1` }).listModels());
  assert.equal(e.code, 'connection');
});

test('embeddings when offered, undefined when the endpoint has none', async () => {
  const v = await client().embed(['reward model hacking', 'hacking reward model', 'cats']);
  assert.equal(v?.length, 3);
  assert.deepEqual(v![0], v![1]);
  assert.notDeepEqual(v![0], v![2]);
  const embeddingCalls = () => server.requests.filter((r) => r.path.endsWith('/embeddings')).length;
  const before = embeddingCalls();
  assert.equal(await client({ embeddingModel: '' }).embed(['a']), undefined, 'turned off');
  assert.equal(embeddingCalls(), before, 'turned off asks nothing');
  const sent = server.requests.filter((r) => r.path.endsWith('/embeddings')).at(-1)!.body as { model: string };
  assert.equal(sent.model, 'text-embedding-3-small', 'the default model');
  await client({ embeddingModel: 'nomic-embed-text' }).embed(['a']);
  assert.equal((server.requests.at(-1)!.body as { model: string }).model, 'nomic-embed-text');

  server.embeddings = false;
  const chatOnly = { embeddingModel: 'absent-embedder' };
  assert.equal(await client(chatOnly).embed(['a']), undefined);
  const after404 = embeddingCalls();
  assert.equal(await client(chatOnly).embed(['b']), undefined);
  assert.equal(embeddingCalls(), after404, 'an endpoint without embeddings is not asked again');
  server.embeddings = true;
});

test('configuration: keys are needed only for hosted endpoints', () => {
  const base = { model: 'm', timeoutMs: 1, maxRetries: 0 };
  assert.equal(isModelConfigured({ ...base, baseURL: 'https://api.openai.com/v1' }), false);
  assert.equal(isModelConfigured({ ...base, baseURL: '' }), false, 'empty means OpenAI');
  assert.equal(isModelConfigured({ ...base, baseURL: 'https://api.openai.com/v1', apiKey: 'k' }), true);
  assert.equal(isModelConfigured({ ...base, baseURL: 'https://res.openai.azure.com/openai/v1' }), false);
  assert.equal(isModelConfigured({ ...base, baseURL: 'http://localhost:11434/v1' }), true);
  assert.equal(isModelConfigured({ ...base, model: ' ', baseURL: 'http://localhost:11434/v1' }), false);
});

test('configuration: base URLs are normalised and labelled without credentials', () => {
  assert.equal(normaliseBaseUrl(''), 'https://api.openai.com/v1');
  assert.equal(normaliseBaseUrl(' http://x:8000/v1/ '), 'http://x:8000/v1');
  assert.equal(normaliseBaseUrl('localhost:11434/v1'), 'http://localhost:11434/v1');
  assert.equal(normaliseBaseUrl('example.com/v1'), 'https://example.com/v1');
  assert.equal(normaliseBaseUrl('http://localhost:1234/v1/chat/completions'), 'http://localhost:1234/v1');
  assert.equal(endpointLabel('https://user:pw@host:8000/v1'), 'host:8000/v1');
  assert.equal(endpointLabel(''), 'api.openai.com/v1');
  assert.equal(endpointLabel('https://h/v1?api-key=zzz'), 'h/v1');
});

test('configuration: the CLI reads the environment, flags win, defaults fill the rest', () => {
  const d = resolveModelSettingsFromEnv({}, {});
  assert.deepEqual(
    { baseURL: d.baseURL, model: d.model, apiKey: d.apiKey, timeoutMs: d.timeoutMs, maxRetries: d.maxRetries },
    { baseURL: 'https://api.openai.com/v1', model: 'gpt-4o-mini', apiKey: undefined, timeoutMs: 120_000, maxRetries: 2 },
  );
  const env = { OPENAI_BASE_URL: 'http://x/v1/', ALIGN_MODEL: 'llama', OPENAI_API_KEY: ' sk-env ' };
  const s = resolveModelSettingsFromEnv(env, { timeoutSeconds: 5 });
  assert.equal(s.baseURL, 'http://x/v1');
  assert.equal(s.model, 'llama');
  assert.equal(s.apiKey, 'sk-env');
  assert.equal(s.timeoutMs, 5000);
  const f = resolveModelSettingsFromEnv(env, { model: 'qwen', baseUrl: 'http://y/v1', timeoutSeconds: Number.NaN });
  assert.equal(f.model, 'qwen');
  assert.equal(f.baseURL, 'http://y/v1');
  assert.equal(f.timeoutMs, 120_000, 'a bad --timeout falls back to the default');
  assert.equal(resolveModelSettingsFromEnv({ ALIGN_MODEL: '' }, {}).model, 'gpt-4o-mini');
});

const ctx: ModelErrorContext = { endpoint: 'http://127.0.0.1:1234/v1', model: 'm', timeoutMs: 60_000, secrets: [KEY] };
const fetchFailed = (code: string) => new APIConnectionError({ message: 'Connection error.', cause: Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(code), { code }) }) });

test('error mapping: Node and undici codes in the cause chain', () => {
  const refused = toModelError(fetchFailed('ECONNREFUSED'), ctx);
  assert.equal(refused.message, 'Could not connect to http://127.0.0.1:1234/v1 (connection refused).');
  assert.match(refused.display, /Is the server running\?/);
  assert.equal(refused.transient, undefined);
  assert.match(toModelError(fetchFailed('ENOTFOUND'), ctx).message, /host not found/);
  const reset = toModelError(fetchFailed('ECONNRESET'), ctx);
  assert.equal(reset.code, 'connection');
  assert.equal(reset.transient, true);
  assert.equal(toModelError(fetchFailed('ECONNRESET'), ctx, 'half').code, 'stream-cut');
  assert.match(toModelError(fetchFailed('SELF_SIGNED_CERT_IN_CHAIN'), ctx).message, /TLS certificate problem/);
  const agg = Object.assign(new TypeError('fetch failed'), { cause: new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]) });
  assert.match(toModelError(agg, ctx).message, /connection refused/);
});

test('error mapping: SDK timeout, abort and parse errors', () => {
  const t = toModelError(new APIConnectionTimeoutError(), ctx);
  assert.equal(t.code, 'timeout');
  assert.match(t.message, /within 60 s/);
  assert.match(t.display, /alignment\.requestTimeoutSeconds/);
  const c = toModelError(new APIUserAbortError(), ctx, 'so far');
  assert.equal(c.code, 'cancelled');
  assert.equal(c.partial, 'so far');
  assert.equal(toModelError(new DOMException('aborted', 'AbortError'), ctx).code, 'cancelled');
  assert.equal(toModelError(new SyntaxError('Unexpected token'), ctx).code, 'bad-response');
  const same = toModelError(toModelError({ status: 500 }, ctx), ctx, 'p');
  assert.equal(same.code, 'server');
  assert.equal(same.partial, 'p');
});

test('retry-after parsing and backoff', () => {
  assert.equal(retryAfterSeconds(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' })), 0.25);
  assert.equal(retryAfterSeconds(new Headers({ 'retry-after': '3' })), 3);
  assert.equal(retryAfterSeconds(new Headers({ 'retry-after': new Date(10_000 + 5_000).toUTCString() }), 10_000), 5);
  assert.equal(retryAfterSeconds(new Headers({ 'retry-after': 'soon' })), undefined);
  assert.equal(retryAfterSeconds(new Headers()), undefined);
  const policy = { baseDelayMs: 100, maxDelayMs: 1000 };
  assert.equal(retryDelayMs(0, policy, undefined, () => 0.5), 100);
  assert.equal(retryDelayMs(2, policy, undefined, () => 0.5), 400);
  assert.equal(retryDelayMs(9, policy, undefined, () => 0.5), 1000, 'capped');
  assert.equal(retryDelayMs(0, policy, undefined, () => 0), 75, 'jitter');
  assert.equal(retryDelayMs(0, policy, 0.5), 500, 'the server decides');
  assert.equal(retryDelayMs(0, policy, 5), undefined, 'longer than the cap: give up');
});
