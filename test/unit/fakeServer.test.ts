// The test server itself, spoken to with plain fetch: other suites rely on each mode doing exactly
// what its documentation says.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeOpenAI, failFirst, bagOfWords, type FakeOpenAI } from '../support/fakeOpenAIServer';

let server: FakeOpenAI;

before(async () => {
  server = await startFakeOpenAI();
});
after(async () => {
  await server.close();
});
beforeEach(() => server.reset());

function chat(body: Record<string, unknown>, init: RequestInit = {}) {
  return fetch(`${server.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer test-key-123' },
    body: JSON.stringify({ model: 'fake-model', messages: [{ role: 'user', content: 'hi' }], ...body }),
    ...init,
  });
}

/** The `data:` payloads of an SSE body, `[DONE]` included. */
function sseData(raw: string): string[] {
  return raw
    .split('\n\n')
    .filter((b) => b.startsWith('data: '))
    .map((b) => b.slice('data: '.length));
}

function contentOf(events: string[]): string {
  return events
    .filter((d) => d !== '[DONE]')
    .map((d) => (JSON.parse(d) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? '')
    .join('');
}

/** Reads a streamed body until it ends or breaks, returning what arrived and whether it broke. */
async function readAll(res: Response): Promise<{ text: string; broke: boolean }> {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, broke: false };
      text += dec.decode(value, { stream: true });
    }
  } catch {
    return { text, broke: true };
  }
}

test('listens on 127.0.0.1 with /v1 in the base URL', () => {
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  assert.equal(new URL(server.url).port, String(server.port));
});

test('the default responder echoes the question and cites the first passage', async () => {
  const res = await chat({ messages: [{ role: 'user', content: '<passage id="P3">text</passage>\n<passage id="P4">x</passage>\nResearcher: What is ELK?' }] });
  const body = (await res.json()) as { choices: { message: { content: string }; finish_reason: string }[]; usage: { completion_tokens: number } };
  assert.equal(body.choices[0].message.content, 'Answer to "What is ELK?" [P3].');
  assert.equal(body.choices[0].finish_reason, 'stop');
  assert.ok(body.usage.completion_tokens > 0);
});

test('records method, path, headers and parsed body of every request', async () => {
  await chat({ temperature: 0.1 });
  await fetch(`${server.url}/models`);
  assert.equal(server.requests.length, 2);
  const [first, second] = server.requests;
  assert.equal(first.method, 'POST');
  assert.equal(first.path, '/v1/chat/completions');
  assert.equal(first.headers.authorization, 'Bearer test-key-123');
  assert.equal((first.body as { temperature: number }).temperature, 0.1);
  assert.equal(second.path, '/v1/models');
});

test('streams SSE chunks of chunkSize ending with a finish reason and [DONE]', async () => {
  server.setResponder(() => ({ text: 'abcdefghij', chunkSize: 3 }));
  const res = await chat({ stream: true });
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  const events = sseData(await res.text());
  assert.equal(events.at(-1), '[DONE]');
  const chunks = events.slice(0, -1).map((d) => JSON.parse(d) as { object: string; choices: { delta: { content?: string }; finish_reason: string | null }[] });
  assert.deepEqual(
    chunks.map((c) => c.choices[0].delta.content ?? null),
    ['abc', 'def', 'ghi', 'j', null],
  );
  assert.equal(chunks.at(-1)!.choices[0].finish_reason, 'stop');
  assert.ok(chunks.every((c) => c.object === 'chat.completion.chunk'));
});

test('stream_options.include_usage adds a usage chunk', async () => {
  const res = await chat({ stream: true, stream_options: { include_usage: true } });
  const events = sseData(await res.text());
  const usage = JSON.parse(events.at(-2)!) as { choices: unknown[]; usage: { total_tokens: number } };
  assert.deepEqual(usage.choices, []);
  assert.ok(usage.usage.total_tokens > 0);
});

test('json replies carry the object as the answer, streamed or whole', async () => {
  server.setResponder(() => ({ json: { findings: [{ quote: 'q' }] } }));
  const whole = (await (await chat({})).json()) as { choices: { message: { content: string } }[] };
  assert.deepEqual(JSON.parse(whole.choices[0].message.content), { findings: [{ quote: 'q' }] });
  const streamed = contentOf(sseData(await (await chat({ stream: true })).text()));
  assert.deepEqual(JSON.parse(streamed), { findings: [{ quote: 'q' }] });
});

test('error replies use OpenAI error JSON with retry-after headers', async () => {
  server.setResponder(() => ({ status: 429, retryAfter: 2, retryAfterMs: 1500 }));
  const res = await chat({});
  assert.equal(res.status, 429);
  assert.equal(res.headers.get('retry-after'), '2');
  assert.equal(res.headers.get('retry-after-ms'), '1500');
  const body = (await res.json()) as { error: { message: string; type: string; code: string } };
  assert.equal(body.error.code, 'rate_limit_exceeded');
  assert.equal(typeof body.error.message, 'string');
  for (const status of [401, 500, 502, 503]) {
    server.setResponder(() => ({ status }));
    const r = await chat({});
    assert.equal(r.status, status);
    assert.ok(((await r.json()) as { error?: unknown }).error);
  }
});

test('unknown models get a 404 naming the model, by reply or by the models list', async () => {
  server.setResponder(() => ({ status: 404, unknownModel: true }));
  const byReply = (await (await chat({})).json()) as { error: { message: string; code: string } };
  assert.match(byReply.error.message, /`fake-model` does not exist/);
  assert.equal(byReply.error.code, 'model_not_found');
  const res = await chat({ model: 'gpt-9' });
  assert.equal(res.status, 404);
  assert.match(((await res.json()) as { error: { message: string } }).error.message, /`gpt-9`/);
});

test('failFirst fails the first n calls, then answers', async () => {
  server.setResponder(failFirst(2, { status: 503 }, () => ({ text: 'fine' })));
  assert.deepEqual(
    await Promise.all([1, 2, 3].map(async () => (await chat({})).status)).then((s) => s.sort()),
    [200, 503, 503],
  );
  assert.equal((await chat({})).status, 200);
});

test('cutAfterChars streams exactly that many characters and then breaks the connection', async () => {
  server.setResponder(() => ({ text: 'abcdefghijklmnop', chunkSize: 4, cutAfterChars: 6 }));
  const { text, broke } = await readAll(await chat({ stream: true }));
  assert.equal(broke, true);
  assert.equal(contentOf(sseData(text)), 'abcdef');
  assert.ok(!text.includes('[DONE]'));
});

test('malformedSse sends a data line that is not JSON', async () => {
  server.setResponder(() => ({ text: 'Some text that goes bad', chunkSize: 5, malformedSse: true }));
  const events = sseData(await (await chat({ stream: true })).text());
  assert.equal(contentOf(events.slice(0, -1)), 'Some text ');
  assert.throws(() => JSON.parse(events.at(-1)!));
});

test('noFinish and sseErrorAfterChars end the stream without a finish reason', async () => {
  server.setResponder(() => ({ text: 'abc', noFinish: true }));
  const a = sseData(await (await chat({ stream: true })).text());
  assert.equal(a.at(-1), '[DONE]');
  assert.ok(a.slice(0, -1).every((d) => (JSON.parse(d) as { choices: { finish_reason: unknown }[] }).choices[0].finish_reason === null));
  server.setResponder(() => ({ text: 'abcdef', chunkSize: 2, sseErrorAfterChars: 4 }));
  const b = sseData(await (await chat({ stream: true })).text());
  assert.equal(contentOf(b.slice(0, -1)), 'abcd');
  assert.ok((JSON.parse(b.at(-1)!) as { error?: { message: string } }).error?.message);
});

test('stall sends headers (and afterText) and then nothing; the disconnect is seen', async () => {
  server.setResponder(() => ({ stall: true, afterText: 'partial' }));
  const ctl = new AbortController();
  const res = await chat({ stream: true }, { signal: ctl.signal });
  assert.equal(res.status, 200);
  const reader = res.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  assert.equal(contentOf(sseData(first)), 'partial');
  const next = reader.read();
  const silent = await Promise.race([next.then(() => 'data', () => 'error'), new Promise((r) => setTimeout(() => r('silent'), 150))]);
  assert.equal(silent, 'silent');
  const before = server.disconnects;
  ctl.abort();
  await next.catch(() => {});
  for (let i = 0; i < 100 && server.disconnects === before; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(server.disconnects, before + 1);
});

test('stall with headers: false sends not even a status line', async () => {
  server.setResponder(() => ({ stall: true, headers: false }));
  const ctl = new AbortController();
  const outcome = await Promise.race([
    chat({ stream: true }, { signal: ctl.signal }).then(() => 'answered', () => 'error'),
    new Promise((r) => setTimeout(() => r('silent'), 150)),
  ]);
  ctl.abort();
  assert.equal(outcome, 'silent');
});

test('endless streams until the client disconnects, and stops at maxChunks otherwise', async () => {
  server.setResponder(() => ({ endless: true, delayMs: 1, maxChunks: 5 }));
  const capped = sseData(await (await chat({ stream: true })).text());
  assert.equal(contentOf(capped), 'word0 word1 word2 word3 word4 ');
  assert.equal(capped.at(-1), '[DONE]');

  server.setResponder(() => ({ endless: true, delayMs: 1 }));
  const ctl = new AbortController();
  const res = await chat({ stream: true }, { signal: ctl.signal });
  const reader = res.body!.getReader();
  let got = '';
  while (got.length < 2000) got += new TextDecoder().decode((await reader.read()).value);
  const before = server.disconnects;
  ctl.abort();
  for (let i = 0; i < 100 && server.disconnects === before; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(server.disconnects, before + 1);
});

test('rejectResponseFormat refuses json_schema requests only', async () => {
  server.rejectResponseFormat = true;
  const refused = await chat({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } } });
  assert.equal(refused.status, 400);
  assert.match(((await refused.json()) as { error: { message: string } }).error.message, /response_format/);
  assert.equal((await chat({})).status, 200);
  server.rejectResponseFormat = 422;
  assert.equal((await chat({ response_format: { type: 'json_schema' } })).status, 422);
});

test('requireKey answers 401 to any other key', async () => {
  server.requireKey = 'right-key';
  assert.equal((await chat({})).status, 401);
  assert.equal((await chat({}, { headers: { 'content-type': 'application/json', authorization: 'Bearer right-key' } })).status, 200);
});

test('/models lists the configured models; /embeddings can be switched off', async () => {
  server.models = ['a', 'b'];
  const list = (await (await fetch(`${server.url}/models`)).json()) as { data: { id: string }[] };
  assert.deepEqual(
    list.data.map((m) => m.id),
    ['a', 'b'],
  );
  const emb = await fetch(`${server.url}/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'e', input: ['reward model', 'model reward', 'cats'] }) });
  const vectors = ((await emb.json()) as { data: { embedding: number[]; index: number }[] }).data.map((d) => d.embedding);
  assert.equal(vectors.length, 3);
  assert.equal(vectors[0].length, 64);
  assert.deepEqual(vectors[0], vectors[1], 'bag of words ignores order');
  assert.notDeepEqual(vectors[0], vectors[2]);
  assert.deepEqual(vectors[2], bagOfWords('cats'), 'deterministic');
  server.embeddings = false;
  assert.equal((await fetch(`${server.url}/embeddings`, { method: 'POST', body: '{"input":"x"}' })).status, 404);
});

test('a body that is not JSON and an unknown route get OpenAI-shaped errors', async () => {
  const bad = await fetch(`${server.url}/chat/completions`, { method: 'POST', body: '{nope' });
  assert.equal(bad.status, 400);
  const missing = await fetch(`${server.url}/completions/legacy`, { method: 'POST', body: '{}' });
  assert.equal(missing.status, 404);
  assert.ok(((await missing.json()) as { error?: unknown }).error);
});

test('close ends open streams and frees the port', async () => {
  const other = await startFakeOpenAI();
  other.setResponder(() => ({ endless: true, delayMs: 2 }));
  const res = await fetch(`${other.url}/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'fake-model', messages: [], stream: true }) });
  const reading = readAll(res);
  await other.close();
  assert.equal((await reading).broke || !(await reading).text.includes('[DONE]'), true);
  await assert.rejects(fetch(`${other.url}/models`));
});
