// An OpenAI-compatible HTTP server on 127.0.0.1 for tests and benchmarks: chat completions
// (streamed as SSE or whole), /models, /embeddings, and fault modes. The real `openai` client
// talks real HTTP to it. Plain node:http, no vscode: it also runs inside the VS Code test host.
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A chat request as the server received it. */
export interface FakeChatRequest {
  messages: { role: string; content: string }[];
  model: string;
  stream: boolean;
  response_format?: unknown;
  body: Record<string, unknown>;
}

/**
 * What the server does with a chat request:
 * - `{text}`: answers `text`, streamed in `chunkSize`-character pieces `delayMs` apart (or whole);
 * - `{json}`: answers `JSON.stringify(json)` (structured output);
 * - `{status: 429, retryAfter}`, `{status: 500|502|503}`, `{status: 401}`, `{status: 400}`: an
 *   OpenAI-shaped error; `{status: 404}` answers "model not found";
 * - `{stall: true}`: sends headers and then nothing, until the client goes away;
 * - `{text, cutAfterChars}`: streams that many characters, then destroys the socket;
 * - `{malformedSse: true, text}`: streams a little of `text`, then a line that is not JSON;
 * - `{endless: true}`: streams until the client disconnects (capped at 20,000 chunks).
 */
export type FakeReply =
  | { text: string; chunkSize?: number; delayMs?: number; cutAfterChars?: number; malformedSse?: boolean }
  | { json: unknown }
  | { status: number; retryAfter?: number; message?: string }
  | { stall: true }
  | { endless: true; delayMs?: number };

export type Responder = (req: FakeChatRequest, callNo: number) => FakeReply;

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export interface FakeOpenAI {
  /** Base URL including `/v1`. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  setResponder(fn: Responder): void;
  /** Models listed by GET /v1/models. */
  models: string[];
  /** Whether POST /v1/embeddings answers (else 404). */
  embeddings: boolean;
  /** Whether response_format json_schema is refused with 400, like endpoints that lack it. */
  rejectResponseFormat: boolean;
  /** Client disconnections seen mid-stream (endless and stall modes). */
  disconnects: number;
  close(): Promise<void>;
}

/** The default answer: deterministic, citing the first passage id the prompt offers. */
export const defaultResponder: Responder = (req) => {
  const last = req.messages[req.messages.length - 1]?.content ?? '';
  const all = req.messages.map((m) => m.content).join('\n');
  const cite = /<passage id="(P\d+)"/.exec(all)?.[1];
  const question = (/Researcher: ([^\n]*)$/.exec(last)?.[1] ?? last.slice(-80)).trim();
  return { text: `Answer to "${question}"${cite ? ` [${cite}]` : ''}.`, chunkSize: 8 };
};

function errorBody(status: number, message?: string) {
  const type = status === 429 ? 'rate_limit_exceeded' : status === 401 ? 'invalid_api_key' : status === 404 ? 'model_not_found' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return JSON.stringify({ error: { message: message ?? `fake ${status}`, type, code: type } });
}

function chunk(id: string, model: string, content: string | null, finish: string | null) {
  return `data: ${JSON.stringify({
    id,
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, delta: content === null ? {} : { role: 'assistant', content }, finish_reason: finish }],
  })}\n\n`;
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startFakeOpenAI(opts: { models?: string[] } = {}): Promise<FakeOpenAI> {
  let responder: Responder = defaultResponder;
  let calls = 0;
  const sockets = new Set<Socket>();
  const state: FakeOpenAI = {
    url: '',
    port: 0,
    requests: [],
    models: opts.models ?? ['fake-model', 'fake-judge'],
    embeddings: true,
    rejectResponseFormat: false,
    disconnects: 0,
    setResponder: (fn) => {
      responder = fn;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void handle(req, res, Buffer.concat(chunks).toString('utf8')).catch(() => res.destroy());
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string): Promise<void> {
    let body: Record<string, unknown> = {};
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end(errorBody(400, 'body is not JSON'));
      return;
    }
    const path = (req.url ?? '').split('?')[0];
    state.requests.push({ method: req.method ?? '', path, headers: req.headers, body });
    if (req.method === 'GET' && path.endsWith('/models')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data: state.models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake' })) }));
      return;
    }
    if (req.method === 'POST' && path.endsWith('/embeddings')) {
      if (!state.embeddings) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(errorBody(404, 'no embeddings here'));
        return;
      }
      const input = Array.isArray(body.input) ? (body.input as string[]) : [String(body.input)];
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ object: 'list', model: body.model, data: input.map((t, index) => ({ object: 'embedding', index, embedding: bagOfWords(t) })) }),
      );
      return;
    }
    if (req.method !== 'POST' || !path.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(errorBody(404, `no route ${path}`));
      return;
    }
    const chatReq: FakeChatRequest = {
      messages: (body.messages as FakeChatRequest['messages']) ?? [],
      model: String(body.model ?? ''),
      stream: body.stream === true,
      response_format: body.response_format,
      body,
    };
    if (state.rejectResponseFormat && chatReq.response_format) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(errorBody(400, "response_format 'json_schema' is not supported"));
      return;
    }
    if (!state.models.includes(chatReq.model)) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(errorBody(404, `The model '${chatReq.model}' does not exist`));
      return;
    }
    const reply = responder(chatReq, ++calls);
    if ('status' in reply) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (reply.retryAfter !== undefined) headers['retry-after'] = String(reply.retryAfter);
      res.writeHead(reply.status, headers).end(errorBody(reply.status, reply.message));
      return;
    }
    const id = `chatcmpl-${calls}`;
    if ('stall' in reply) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      req.socket.once('close', () => state.disconnects++);
      return; // never another byte
    }
    if ('endless' in reply) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let closed = false;
      res.on('close', () => {
        closed = true;
        state.disconnects++;
      });
      for (let i = 0; i < 20_000 && !closed; i++) {
        res.write(chunk(id, chatReq.model, `word${i} `, null));
        await wait(reply.delayMs ?? 5);
      }
      if (!closed) res.end(chunk(id, chatReq.model, null, 'length') + 'data: [DONE]\n\n');
      return;
    }
    const text = 'json' in reply ? JSON.stringify(reply.json) : reply.text;
    const size = 'json' in reply ? 64 : Math.max(1, reply.chunkSize ?? 16);
    const delay = 'json' in reply ? 0 : reply.delayMs ?? 0;
    if (!chatReq.stream) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id,
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: chatReq.model,
          choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 10, completion_tokens: Math.ceil(text.length / 4), total_tokens: 10 + Math.ceil(text.length / 4) },
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const cut = 'cutAfterChars' in reply ? reply.cutAfterChars : undefined;
    const malformed = 'malformedSse' in reply && reply.malformedSse;
    let sent = 0;
    for (let i = 0; i < text.length; i += size) {
      let piece = text.slice(i, i + size);
      if (cut !== undefined && sent + piece.length > cut) piece = piece.slice(0, cut - sent);
      if (piece) res.write(chunk(id, chatReq.model, piece, null));
      sent += piece.length;
      if (cut !== undefined && sent >= cut) {
        await wait(10);
        res.socket?.destroy();
        return;
      }
      if (malformed && sent >= Math.min(10, text.length)) {
        res.write('data: {"choices": [ this is not json\n\n');
        await wait(10);
        res.end();
        return;
      }
      if (delay) await wait(delay);
    }
    res.end(chunk(id, chatReq.model, null, 'stop') + 'data: [DONE]\n\n');
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  state.port = port;
  state.url = `http://127.0.0.1:${port}/v1`;
  return state;
}

/** A deterministic 64-dimension hashed bag of words: similar texts get similar vectors. */
function bagOfWords(text: string): number[] {
  const v = new Array<number>(64).fill(0);
  for (const w of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    let h = 2166136261;
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w.charCodeAt(i), 16777619);
    v[Math.abs(h) % 64] += 1;
  }
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}
