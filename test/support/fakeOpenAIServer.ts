// An OpenAI-compatible HTTP server on 127.0.0.1 for unit tests, integration tests inside VS Code,
// the CLI tests and benchmarks. The real `openai` client talks real HTTP to it. Plain node:http,
// no vscode, no top-level await: it also runs bundled by esbuild as CommonJS.
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A chat request as the server received it. */
export interface FakeChatRequest {
  messages: { role: string; content: string }[];
  model: string;
  stream: boolean;
  response_format?: unknown;
  /** The whole parsed JSON body (temperature, max_tokens, stream_options…). */
  body: Record<string, unknown>;
}

/**
 * A normal answer. Streamed (when the request asks for `stream: true`) as SSE
 * `data: {chat.completion.chunk}` lines of `chunkSize` characters, `delayMs` apart, then a chunk
 * with the finish reason and `data: [DONE]`; otherwise one `chat.completion` JSON after `delayMs`.
 * Fault variants of the same answer:
 * - `cutAfterChars: n` — stream exactly the first n characters, then destroy the socket (no finish
 *   reason, no `[DONE]`). Not streamed: send part of the JSON body, then destroy the socket.
 * - `malformedSse: true` — stream the first ~10 characters, then a `data:` line that is not JSON,
 *   then end. Not streamed: a 200 whose body is not JSON.
 * - `noFinish: true` — stream everything and `[DONE]`, but never a finish reason.
 * - `sseErrorAfterChars: n` — stream n characters, then an `data: {"error": {...}}` event (as vLLM
 *   and LiteLLM do when the backend fails mid-answer), then end.
 */
export interface FakeTextReply {
  text: string;
  chunkSize?: number;
  delayMs?: number;
  /** Default 'stop'. */
  finishReason?: string;
  cutAfterChars?: number;
  malformedSse?: boolean;
  noFinish?: boolean;
  sseErrorAfterChars?: number;
}

/** Structured output: answers `JSON.stringify(json)`, streamed or whole like a text answer. */
export interface FakeJsonReply {
  json: unknown;
  chunkSize?: number;
}

/**
 * An HTTP error in OpenAI's shape `{"error": {"message", "type", "param", "code"}}`:
 * - 429 with `retryAfter` (seconds, sent as `retry-after`) and/or `retryAfterMs` (`retry-after-ms`);
 * - 500/502/503 server errors; 401 invalid key; 400/422 bad request;
 * - 404 with `unknownModel: true` — OpenAI's "The model `x` does not exist or you do not have access to it."
 *   (The server also answers that by itself for any model not in its `models` list.)
 * Use `failFirst(n, reply)` to fail only the first n calls and then answer.
 */
export interface FakeErrorReply {
  status: number;
  retryAfter?: number;
  retryAfterMs?: number;
  message?: string;
  unknownModel?: boolean;
}

/**
 * Accept the request and then go silent until the client gives up or the server closes:
 * with `headers: false` not even the status line is sent (a server stuck before answering);
 * otherwise a 200 `text/event-stream` head, the chunks of `afterText` if given (so a client's
 * partial answer can be checked), then nothing.
 */
export interface FakeStallReply {
  stall: true;
  headers?: boolean;
  afterText?: string;
}

/**
 * Stream `word0 word1 …` forever, `delayMs` apart (default 5), until the client disconnects.
 * Bounded so that a test that forgets to abort still ends: at most `maxChunks` (default 20,000)
 * chunks and 60 seconds, then a 'length' finish.
 */
export interface FakeEndlessReply {
  endless: true;
  delayMs?: number;
  maxChunks?: number;
}

/**
 * A 200 stream that never says anything: after `afterText` (if given), a chunk with an empty
 * delta every `intervalMs` (default 50), as proxies and some servers send to keep a connection
 * open, until the client disconnects. Bounded (120 s) so a test that forgets to abort still ends.
 */
export interface FakeKeepAliveReply {
  keepAlive: true;
  intervalMs?: number;
  afterText?: string;
}

/**
 * A huge answer, generated as it is sent (the server never holds it): `hugeChars` characters of
 * `x…` in chunks of `chunkSize` (default 64 KB), then a 'stop' finish. Streamed or whole.
 */
export interface FakeHugeReply {
  hugeChars: number;
  chunkSize?: number;
}

/** What the server does with one chat request. See each member for the mode it selects. */
export type FakeReply = FakeTextReply | FakeJsonReply | FakeErrorReply | FakeStallReply | FakeEndlessReply | FakeKeepAliveReply | FakeHugeReply;

/** Picks the reply for a chat request; `callNo` counts chat requests from 1 since start (or `reset`). */
export type Responder = (req: FakeChatRequest, callNo: number) => FakeReply;

/** Any request the server received, in order: method, path (no query), all headers, parsed body. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** The query string without `?` ('' when none). */
  query: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export interface FakeOpenAIOptions {
  /** Listed by GET /v1/models and accepted as `model`; default `['fake-model', 'fake-judge']`. */
  models?: string[];
  /** Whether POST /v1/embeddings answers (else 404); default true. */
  embeddings?: boolean;
  /** Refuse `response_format` with this status (true: 400), like endpoints that lack structured output. */
  rejectResponseFormat?: boolean | 400 | 422;
  /** When set, any other `Authorization: Bearer` gets a 401, as a hosted endpoint would. */
  requireKey?: string;
  responder?: Responder;
}

export interface FakeOpenAI {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:41234/v1`. */
  url: string;
  port: number;
  /** Every request received (chat, models, embeddings, unknown routes). */
  requests: RecordedRequest[];
  /** Replaces the responder for chat requests; `defaultResponder` is the initial one. */
  setResponder(fn: Responder): void;
  /** Models listed by GET /v1/models; a chat request for any other model gets a 404 unknown model. */
  models: string[];
  /** Whether POST /v1/embeddings answers with hashed bag-of-words vectors (else 404). */
  embeddings: boolean;
  /** Whether `response_format` is refused (true: with 400; or the given status). */
  rejectResponseFormat: boolean | 400 | 422;
  /** When set, requests without `Authorization: Bearer <requireKey>` get a 401. */
  requireKey: string | undefined;
  /** Clients that went away before the answer ended (stall and endless modes, aborted streams); `cutAfterChars` does not count. */
  disconnects: number;
  /** Back to the options given at start: default responder, flags, call count; clears `requests` and `disconnects`. */
  reset(): void;
  /** Destroys open connections (ending stalls and endless streams) and stops listening. */
  close(): Promise<void>;
}

/**
 * The default answer, deterministic: `Answer to "<question>" [P1].` — the question is the text
 * after the last `Researcher:` in the last message (else its last 80 characters), and the
 * citation is the first `<passage id="…">` anywhere in the prompt, when there is one.
 */
export const defaultResponder: Responder = (req) => {
  const last = req.messages[req.messages.length - 1]?.content ?? '';
  const all = req.messages.map((m) => m.content).join('\n');
  const cite = /<passage id="(P\d+)"/.exec(all)?.[1];
  const question = (/Researcher: ([^\n]*)$/.exec(last)?.[1] ?? last.slice(-80)).trim();
  return { text: `Answer to "${question}"${cite ? ` [${cite}]` : ''}.`, chunkSize: 8 };
};

/** A responder that gives `fault` to the first `n` calls it sees, then asks `then` (default: `defaultResponder`). */
export function failFirst(n: number, fault: FakeReply, then: Responder = defaultResponder): Responder {
  let seen = 0;
  return (req, callNo) => (++seen <= n ? fault : then(req, callNo));
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'invalid_request_error',
  403: 'invalid_request_error',
  404: 'invalid_request_error',
  422: 'invalid_request_error',
  429: 'requests',
};
const ERROR_CODES: Record<number, string> = { 401: 'invalid_api_key', 404: 'model_not_found', 429: 'rate_limit_exceeded' };

function errorJson(status: number, message: string, param: string | null = null, code?: string | null): string {
  return JSON.stringify({ error: { message, type: ERROR_TYPES[status] ?? 'server_error', param, code: code === undefined ? ERROR_CODES[status] ?? null : code } });
}

function unknownModelMessage(model: string): string {
  return `The model \`${model}\` does not exist or you do not have access to it.`;
}

function chunkLine(id: string, model: string, content: string | null, finish: string | null, usage?: unknown): string {
  return `data: ${JSON.stringify({
    id,
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, delta: content === null ? {} : { role: 'assistant', content }, finish_reason: finish }],
    ...(usage ? { usage } : {}),
  })}\n\n`;
}

function usageOf(req: FakeChatRequest, text: string) {
  const prompt = Math.ceil(req.messages.reduce((n, m) => n + String(m.content ?? '').length, 0) / 4);
  const completion = Math.ceil(text.length / 4);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the server on 127.0.0.1 on a free port. Close it with `close()`. */
export async function startFakeOpenAI(opts: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  let responder: Responder = opts.responder ?? defaultResponder;
  let calls = 0;
  const sockets = new Set<Socket>();
  const state: FakeOpenAI = {
    url: '',
    port: 0,
    requests: [],
    models: [...(opts.models ?? ['fake-model', 'fake-judge'])],
    embeddings: opts.embeddings ?? true,
    rejectResponseFormat: opts.rejectResponseFormat ?? false,
    requireKey: opts.requireKey,
    disconnects: 0,
    setResponder: (fn) => {
      responder = fn;
    },
    reset: () => {
      responder = opts.responder ?? defaultResponder;
      calls = 0;
      state.requests.length = 0;
      state.disconnects = 0;
      state.models = [...(opts.models ?? ['fake-model', 'fake-judge'])];
      state.embeddings = opts.embeddings ?? true;
      state.rejectResponseFormat = opts.rejectResponseFormat ?? false;
      state.requireKey = opts.requireKey;
    },
    close: async () => {
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await closed;
    },
  };

  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      handle(req, res, Buffer.concat(parts).toString('utf8')).catch(() => res.destroy());
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  const json = (res: http.ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
  };

  /** Counts a client that went away before the answer was complete. */
  const watchDisconnect = (res: http.ServerResponse): { readonly closed: boolean; cutByServer: boolean } => {
    const flag = { closed: false, cutByServer: false };
    res.on('close', () => {
      flag.closed = true;
      if (!res.writableFinished && !flag.cutByServer) state.disconnects++;
    });
    return flag;
  };

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    let body: Record<string, unknown> = {};
    try {
      const parsed: unknown = raw ? JSON.parse(raw) : {};
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
    } catch {
      state.requests.push({ method: req.method ?? '', path, query: (req.url ?? '').split('?').slice(1).join('?'), headers: req.headers, body: raw });
      return json(res, 400, errorJson(400, 'We could not parse the JSON body of your request.'));
    }
    state.requests.push({ method: req.method ?? '', path, query: (req.url ?? '').split('?').slice(1).join('?'), headers: req.headers, body });

    if (state.requireKey !== undefined && req.headers.authorization !== `Bearer ${state.requireKey}`) {
      return json(res, 401, errorJson(401, 'Incorrect API key provided.'));
    }
    if (req.method === 'GET' && /\/v1\/models$/.test(path)) {
      return json(res, 200, JSON.stringify({ object: 'list', data: state.models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake' })) }));
    }
    if (req.method === 'POST' && /\/v1\/embeddings$/.test(path)) {
      if (!state.embeddings) return json(res, 404, errorJson(404, `Invalid URL (POST ${path})`, null, null));
      const input = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? '')];
      return json(
        res,
        200,
        JSON.stringify({
          object: 'list',
          model: body.model,
          data: input.map((t, index) => ({ object: 'embedding', index, embedding: bagOfWords(t) })),
          usage: { prompt_tokens: input.join(' ').length, total_tokens: input.join(' ').length },
        }),
      );
    }
    if (req.method !== 'POST' || !/\/v1\/chat\/completions$/.test(path)) {
      return json(res, 404, errorJson(404, `Invalid URL (${req.method} ${path})`, null, null));
    }

    const chatReq: FakeChatRequest = {
      messages: Array.isArray(body.messages) ? (body.messages as FakeChatRequest['messages']) : [],
      model: String(body.model ?? ''),
      stream: body.stream === true,
      response_format: body.response_format,
      body,
    };
    if (state.rejectResponseFormat && chatReq.response_format !== undefined) {
      const status = state.rejectResponseFormat === true ? 400 : state.rejectResponseFormat;
      return json(res, status, errorJson(status, "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.", 'response_format'));
    }
    if (!state.models.includes(chatReq.model)) return json(res, 404, errorJson(404, unknownModelMessage(chatReq.model)));

    const reply = responder(chatReq, ++calls);
    const id = `chatcmpl-${calls}`;
    if ('status' in reply) {
      const headers: Record<string, string> = {};
      if (reply.retryAfter !== undefined) headers['retry-after'] = String(reply.retryAfter);
      if (reply.retryAfterMs !== undefined) headers['retry-after-ms'] = String(reply.retryAfterMs);
      const message = reply.message ?? (reply.unknownModel ? unknownModelMessage(chatReq.model) : `Fake error ${reply.status}.`);
      return json(res, reply.status, errorJson(reply.status, message), headers);
    }
    if ('stall' in reply) return stall(res, chatReq, id, reply);
    if ('endless' in reply) return endless(res, chatReq, id, reply);
    if ('keepAlive' in reply) return keepAlive(res, chatReq, id, reply);
    if ('hugeChars' in reply) return huge(res, chatReq, id, reply);

    const text: FakeTextReply = 'json' in reply ? { text: JSON.stringify(reply.json), chunkSize: reply.chunkSize ?? 64 } : reply;
    if (!chatReq.stream) return whole(res, chatReq, id, text);
    return streamed(res, chatReq, id, text);
  }

  async function stall(res: http.ServerResponse, req: FakeChatRequest, id: string, reply: FakeStallReply): Promise<void> {
    watchDisconnect(res);
    if (reply.headers === false) return; // not even a status line
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    if (reply.afterText) res.write(chunkLine(id, req.model, reply.afterText, null));
    // …and never another byte.
  }

  async function endless(res: http.ServerResponse, req: FakeChatRequest, id: string, reply: FakeEndlessReply): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const conn = watchDisconnect(res);
    const maxChunks = Math.min(reply.maxChunks ?? 20_000, 20_000);
    const deadline = Date.now() + 60_000;
    for (let i = 0; i < maxChunks && !conn.closed && Date.now() < deadline; i++) {
      res.write(chunkLine(id, req.model, `word${i} `, null));
      await wait(reply.delayMs ?? 5);
    }
    if (!conn.closed) res.end(chunkLine(id, req.model, null, 'length') + 'data: [DONE]\n\n');
  }

  async function keepAlive(res: http.ServerResponse, req: FakeChatRequest, id: string, reply: FakeKeepAliveReply): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const conn = watchDisconnect(res);
    if (reply.afterText) res.write(chunkLine(id, req.model, reply.afterText, null));
    const deadline = Date.now() + 120_000;
    while (!conn.closed && Date.now() < deadline) {
      res.write(chunkLine(id, req.model, '', null));
      await wait(reply.intervalMs ?? 50);
    }
    if (!conn.closed) res.end(chunkLine(id, req.model, null, 'stop') + 'data: [DONE]\n\n');
  }

  async function huge(res: http.ServerResponse, req: FakeChatRequest, id: string, reply: FakeHugeReply): Promise<void> {
    const size = reply.chunkSize ?? 65_536;
    const conn = watchDisconnect(res);
    // Writes respect back-pressure, so a client that stops reading stops the server too.
    const send = (s: string) => (res.write(s) ? Promise.resolve() : new Promise<void>((r) => {
          res.once('drain', () => r());
          res.once('close', () => r());
        }));
    if (!req.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      await send(`{"id":"${id}","object":"chat.completion","created":0,"model":${JSON.stringify(req.model)},"choices":[{"index":0,"message":{"role":"assistant","content":"`);
      for (let sent = 0; sent < reply.hugeChars && !conn.closed; sent += size) await send('x'.repeat(Math.min(size, reply.hugeChars - sent)));
      if (!conn.closed) res.end('"},"finish_reason":"stop"}]}');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (let sent = 0; sent < reply.hugeChars && !conn.closed; sent += size) await send(chunkLine(id, req.model, 'x'.repeat(Math.min(size, reply.hugeChars - sent)), null));
    if (!conn.closed) res.end(chunkLine(id, req.model, null, 'stop') + 'data: [DONE]\n\n');
  }

  async function whole(res: http.ServerResponse, req: FakeChatRequest, id: string, reply: FakeTextReply): Promise<void> {
    if (reply.delayMs) await wait(reply.delayMs);
    const body = JSON.stringify({
      id,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: req.model,
      choices: [{ index: 0, message: { role: 'assistant', content: reply.text }, finish_reason: reply.noFinish ? null : reply.finishReason ?? 'stop' }],
      usage: usageOf(req, reply.text),
    });
    if (reply.malformedSse) return json(res, 200, body.slice(0, Math.floor(body.length / 2)) + ' this is not JSON');
    if (reply.cutAfterChars !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
      res.write(body.slice(0, Math.min(body.length - 1, reply.cutAfterChars)));
      await wait(10);
      res.socket?.destroy();
      return;
    }
    json(res, 200, body);
  }

  async function streamed(res: http.ServerResponse, req: FakeChatRequest, id: string, reply: FakeTextReply): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const conn = watchDisconnect(res);
    const size = Math.max(1, reply.chunkSize ?? 16);
    const stopAt = reply.cutAfterChars ?? reply.sseErrorAfterChars ?? (reply.malformedSse ? Math.min(10, reply.text.length) : undefined);
    let sent = 0;
    while (sent < reply.text.length && !conn.closed) {
      const limit = stopAt === undefined ? reply.text.length : stopAt;
      const piece = reply.text.slice(sent, Math.min(sent + size, limit));
      if (piece) res.write(chunkLine(id, req.model, piece, null));
      sent += piece.length;
      if (stopAt !== undefined && sent >= stopAt) break;
      if (reply.delayMs) await wait(reply.delayMs);
    }
    if (conn.closed) return;
    if (reply.cutAfterChars !== undefined) {
      // Let the chunks reach the client before the socket goes, so the partial is exact.
      await wait(10);
      conn.cutByServer = true;
      res.socket?.destroy();
      return;
    }
    if (reply.malformedSse) {
      res.end('data: {"choices": [ this is not json\n\n');
      return;
    }
    if (reply.sseErrorAfterChars !== undefined) {
      res.end(`data: ${errorJson(500, 'The backend failed while generating.')}\n\n`);
      return;
    }
    const includeUsage = (req.body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    res.end(
      (reply.noFinish ? '' : chunkLine(id, req.model, null, reply.finishReason ?? 'stop')) +
        (includeUsage ? `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 0, model: req.model, choices: [], usage: usageOf(req, reply.text) })}\n\n` : '') +
        'data: [DONE]\n\n',
    );
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  state.port = (server.address() as AddressInfo).port;
  state.url = `http://127.0.0.1:${state.port}/v1`;
  return state;
}

/** A deterministic 64-dimension hashed bag of words, unit length: texts sharing words get similar vectors. */
export function bagOfWords(text: string): number[] {
  const v = new Array<number>(64).fill(0);
  for (const w of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    let h = 2166136261;
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 16777619);
    v[(h >>> 0) % 64] += 1;
  }
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}
