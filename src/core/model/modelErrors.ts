import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ModelErrorCode } from './modelTypes';
import { AlignError, type Remedy } from '../errors';
import { redactSecrets } from '../redact';

/** Extra facts about a model failure; everything but the code and message is optional. */
export interface ModelErrorOptions {
  /** What to do about it, in one sentence, in no shell's words. */
  hint?: string;
  /** What fixes it, worded by the shell (a setting and a command, or a flag and an environment variable). */
  remedy?: Remedy;
  /** Whether trying again may succeed; defaults by code (see `RETRYABLE`). */
  retryable?: boolean;
  /** The text that arrived before the failure, kept so the researcher loses nothing. */
  partial?: string;
  /** HTTP status, when the server answered with one. */
  status?: number;
  /** Seconds the server asked us to wait (`retry-after` / `retry-after-ms`). */
  retryAfterSeconds?: number;
  /** A connection that broke (reset) rather than one refused: worth retrying at once. */
  transient?: boolean;
  cause?: unknown;
}

/** Whether the researcher can usefully press "Retry" for each kind of failure. */
const RETRYABLE: Record<ModelErrorCode, boolean> = {
  'not-configured': false,
  auth: false,
  'unknown-model': false,
  'rate-limit': true,
  server: true,
  connection: true,
  timeout: true,
  'stream-cut': true,
  'time-limit': true,
  'too-long': false,
  'bad-response': true,
  'bad-request': false,
  cancelled: true,
};

/** A model call that failed, with what the researcher can do about it and any partial answer. */
export class ModelError extends AlignError {
  override readonly name = 'ModelError';
  override readonly code: ModelErrorCode;
  readonly retryable: boolean;
  readonly partial?: string;
  readonly status?: number;
  readonly retryAfterSeconds?: number;
  readonly transient?: boolean;

  constructor(code: ModelErrorCode, message: string, opts: ModelErrorOptions = {}) {
    super(message, code, opts.hint, { cause: opts.cause, remedy: opts.remedy });
    this.code = code;
    this.retryable = opts.retryable ?? RETRYABLE[code];
    if (opts.partial) this.partial = opts.partial;
    if (opts.status !== undefined) this.status = opts.status;
    if (opts.retryAfterSeconds !== undefined) this.retryAfterSeconds = opts.retryAfterSeconds;
    if (opts.transient) this.transient = true;
  }

  /** Duck-typed like `AlignError.is`, because `instanceof` fails across bundles. */
  static isModelError(e: unknown): e is ModelError {
    return AlignError.is(e) && typeof (e as { retryable?: unknown }).retryable === 'boolean';
  }

  /** The same failure carrying the text received so far. */
  withPartial(partial: string): ModelError {
    return new ModelError(this.code, this.message, { ...this.options(), partial: partial || undefined });
  }

  private options(): ModelErrorOptions {
    return {
      hint: this.hint,
      remedy: this.remedy,
      retryable: this.retryable,
      partial: this.partial,
      status: this.status,
      retryAfterSeconds: this.retryAfterSeconds,
      transient: this.transient,
      cause: this.cause,
    };
  }
}

/** What the messages name: the endpoint (a redacted URL) and the model. */
export interface ModelErrorContext {
  endpoint: string;
  model: string;
  timeoutMs: number;
  /** Models the endpoint lists, offered when the asked-for one is unknown. */
  availableModels?: string[];
  /** Scrubbed from anything the server says back (some servers echo the key they refused). */
  secrets?: readonly string[];
}

const TIMEOUT = { hint: 'Retry, or allow the model more time.', remedy: 'raise-timeout' } as const;
const BASE_URL = { hint: 'Check the endpoint address.', remedy: 'set-base-url' } as const;

function seconds(ms: number): string {
  const s = ms / 1000;
  return `${s >= 10 ? Math.round(s) : Math.round(s * 10) / 10} s`;
}

function kept(partial: string | undefined): string {
  return partial ? `; the ${partial.length} characters received are kept` : '';
}

/** No key for an endpoint that needs one, or no model at all. */
export function notConfiguredError(ctx: Pick<ModelErrorContext, 'endpoint' | 'model'>): ModelError {
  if (!ctx.model.trim()) {
    return new ModelError('not-configured', `No model is set for ${ctx.endpoint}.`, {
      hint: 'Choose a model.',
      remedy: 'set-model',
    });
  }
  return new ModelError('not-configured', `No API key is set for ${ctx.endpoint}.`, { hint: 'Set an API key.', remedy: 'set-key' });
}

/**
 * Nothing arrived for the timeout: before the answer started (`waiting`) or in the middle of it.
 * The seconds and the setting that controls them are named so the researcher can raise it.
 */
export function timeoutError(ctx: ModelErrorContext, partial?: string): ModelError {
  const what = partial
    ? `went silent for ${seconds(ctx.timeoutMs)} in the middle of the answer`
    : `did not answer within ${seconds(ctx.timeoutMs)}`;
  return new ModelError('timeout', `${ctx.endpoint} (model ${ctx.model}) ${what}${kept(partial)}.`, { ...TIMEOUT, partial });
}

/**
 * A 200 whose body is a web page: the base URL points at a website (a login page, a proxy's
 * portal, the provider's home page), not at the API.
 */
export function htmlPageError(ctx: ModelErrorContext, status: number): ModelError {
  return new ModelError('bad-response', `${ctx.endpoint} returned an HTML web page (status ${status}), not an answer from an OpenAI-compatible API.`, {
    hint: 'The base URL should be the API address, which usually ends in /v1; a login page or proxy portal also answers this way.',
    remedy: 'set-base-url',
    status,
    retryable: false,
  });
}

/** The answer kept coming (or kept the connection busy with empty chunks) past the total time allowed. */
export function timeLimitError(ctx: ModelErrorContext, limitMs: number, partial?: string): ModelError {
  return new ModelError('time-limit', `${ctx.endpoint} (model ${ctx.model}) did not finish the answer within ${seconds(limitMs)}, the limit for one answer${kept(partial)}.`, {
    hint: 'Retry, or allow one answer more time.',
    remedy: 'raise-answer-time',
    partial,
  });
}

/** The answer passed the size allowed for one answer: the request was stopped there. */
export function tooLongError(ctx: ModelErrorContext, limitChars: number, partial?: string): ModelError {
  return new ModelError('too-long', `The answer from ${ctx.endpoint} (model ${ctx.model}) passed ${limitChars.toLocaleString('en-US')} characters, the limit for one answer, and was stopped${kept(partial)}.`, {
    hint: 'Ask for a shorter answer, or allow longer answers.',
    remedy: 'raise-answer-size',
    partial,
  });
}

/** The stream ended or broke before the model finished. */
export function streamCutError(ctx: ModelErrorContext, partial: string | undefined, detail?: string): ModelError {
  const after = partial ? ` after ${partial.length} characters; the partial answer is kept` : ' before any text arrived';
  return new ModelError('stream-cut', `The answer from ${ctx.endpoint} (model ${ctx.model}) was cut off${after}${detail ? ` (${detail})` : ''}.`, {
    hint: 'Retry to get a complete answer.',
    partial,
  });
}

export function cancelledError(partial?: string): ModelError {
  return new ModelError('cancelled', 'Cancelled.', { partial });
}

/** A code from Node or undici anywhere in the cause chain: ECONNREFUSED, UND_ERR_SOCKET, CERT_HAS_EXPIRED… */
export function errnoOf(e: unknown, depth = 0): string | undefined {
  if (!e || typeof e !== 'object' || depth > 6) return undefined;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{3,}$/.test(code)) return code;
  // undici wraps the socket error: "fetch failed" -> cause, sometimes an AggregateError of attempts.
  const inner = (e as { errors?: unknown }).errors;
  if (Array.isArray(inner)) {
    for (const x of inner) {
      const found = errnoOf(x, depth + 1);
      if (found) return found;
    }
  }
  return errnoOf((e as { cause?: unknown }).cause, depth + 1);
}

type HeaderGetter = (name: string) => string | null | undefined;

function headerGetter(headers: unknown): HeaderGetter {
  if (headers && typeof (headers as Headers).get === 'function') return (n) => (headers as Headers).get(n);
  if (headers && typeof headers === 'object') return (n) => (headers as Record<string, string | undefined>)[n];
  return () => undefined;
}

/** Seconds from `retry-after-ms` (OpenAI's), `retry-after` seconds, or `retry-after` as an HTTP date. */
export function retryAfterSeconds(headers: unknown, now = Date.now()): number | undefined {
  const get = headerGetter(headers);
  const ms = get('retry-after-ms');
  if (ms != null && ms !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms) / 1000);
  const raw = get('retry-after');
  if (raw == null || raw === '') return undefined;
  if (Number.isFinite(Number(raw))) return Math.max(0, Number(raw));
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, (date - now) / 1000) : undefined;
}

/** The server's own words, from OpenAI's `{error: {message}}` shape or a plain `message`. */
function serverDetail(e: unknown, ctx: ModelErrorContext): string | undefined {
  const body = (e as { error?: unknown }).error;
  let text: unknown = body && typeof body === 'object' ? (body as { message?: unknown }).message : undefined;
  if (typeof text !== 'string' && e instanceof APIError && typeof e.status === 'number') {
    // The SDK prefixes its message with the status; strip it so it is not said twice.
    text = e.message.replace(/^\d{3}\s*/, '');
    if (text === 'status code (no body)') text = undefined;
  }
  if (typeof text !== 'string' || !text.trim()) return undefined;
  const clean = redactSecrets(text.trim().replace(/\s+/g, ' '), ctx.secrets ?? []);
  return clean.length > 300 ? `${clean.slice(0, 297)}…` : clean;
}

function isAbort(e: unknown): boolean {
  if (e instanceof APIUserAbortError) return true;
  const name = (e as { name?: unknown })?.name;
  return name === 'AbortError' || (e as { constructor?: { name?: string } })?.constructor?.name === 'APIUserAbortError';
}

function fromStatus(e: unknown, status: number, ctx: ModelErrorContext, partial: string | undefined): ModelError {
  const where = `${ctx.endpoint} (model ${ctx.model})`;
  const detail = serverDetail(e, ctx);
  const said = `${status}${detail ? `: ${detail}` : ''}`;
  const headers = (e as { headers?: unknown }).headers;
  const serverSaysRetry = headerGetter(headers)('x-should-retry');
  const base = { status, partial, cause: e, ...(serverSaysRetry === 'false' ? { retryable: false } : {}) };
  if (status === 401) {
    return new ModelError('auth', `${ctx.endpoint} refused the API key (${said}).`, {
      ...base,
      hint: 'Set a valid API key.',
      remedy: 'set-key',
    });
  }
  if (status === 403) {
    return new ModelError('auth', `${ctx.endpoint} does not allow this key to use model ${ctx.model} (${said}).`, {
      ...base,
      hint: "Check the key's permissions, or set another key.",
      remedy: 'set-key',
    });
  }
  if (status === 404) {
    const offers = ctx.availableModels?.length
      ? `; it offers: ${ctx.availableModels.slice(0, 15).join(', ')}${ctx.availableModels.length > 15 ? `, and ${ctx.availableModels.length - 15} more` : ''}`
      : detail
        ? ` (${said})`
        : '';
    return new ModelError('unknown-model', `Model '${ctx.model}' is not served by ${ctx.endpoint}${offers}.`, {
      ...base,
      hint: 'Choose a model it serves.',
      remedy: 'set-model',
    });
  }
  if (status === 429) {
    const wait = retryAfterSeconds(headers);
    return new ModelError('rate-limit', `${where} is rate-limiting requests (${said}).`, {
      ...base,
      retryAfterSeconds: wait,
      hint: `${wait !== undefined ? `Wait ${Math.ceil(wait)} s and retry` : 'Wait a moment and retry'}.`,
      remedy: 'raise-retries',
    });
  }
  if (status >= 500 || status === 408 || status === 409) {
    return new ModelError('server', `${where} had a server error (${said}).`, {
      ...base,
      // 503s often say when to come back.
      retryAfterSeconds: retryAfterSeconds(headers),
      hint: 'Retry in a moment; if it persists, check the server.',
    });
  }
  return new ModelError('bad-request', `${where} rejected the request (${said}).`, {
    ...base,
    hint: 'Check the model name and the settings (temperature, max tokens).',
  });
}

function connectionWhy(errno: string | undefined): { why: string; transient: boolean } {
  switch (errno) {
    case 'ECONNREFUSED':
      return { why: 'connection refused', transient: false };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { why: 'host not found', transient: false };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { why: 'host unreachable', transient: false };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return { why: 'connection reset before any answer', transient: true };
    case undefined:
      return { why: 'no connection', transient: false };
    default:
      return { why: /CERT|SSL|TLS|SIGNATURE/.test(errno) ? `TLS certificate problem: ${errno}` : errno, transient: false };
  }
}

/**
 * Maps anything the `openai` client, undici or Node throws to a ModelError for people: SDK
 * errors by class (status, connection, timeout, abort), errors raised inside a stream (an
 * `{error}` event, unparseable SSE, a socket torn down), and Node/undici codes in the cause chain.
 * `partial` is the text received before the failure; it is kept on the error.
 */
export function toModelError(e: unknown, ctx: ModelErrorContext, partial = ''): ModelError {
  const p = partial || undefined;
  if (ModelError.isModelError(e)) return p && !e.partial ? e.withPartial(p) : e;
  if (isAbort(e)) return cancelledError(p);
  const where = `${ctx.endpoint} (model ${ctx.model})`;
  const status = (e as { status?: unknown })?.status;
  if (typeof status === 'number') return fromStatus(e, status, ctx, p);

  if (e instanceof APIError && !(e instanceof APIConnectionError) && (e as { error?: unknown }).error) {
    // An `{"error": …}` event inside an SSE stream: the server gave up mid-answer.
    const detail = serverDetail(e, ctx);
    if (p) return streamCutError(ctx, p, detail ? `the server said: ${detail}` : undefined);
    return new ModelError('server', `${where} reported an error${detail ? `: ${detail}` : ''}.`, { hint: 'Retry in a moment; if it persists, check the server.', cause: e });
  }

  const errno = errnoOf(e);
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof APIConnectionTimeoutError || (e as { constructor?: { name?: string } })?.constructor?.name === 'APIConnectionTimeoutError' || errno === 'UND_ERR_CONNECT_TIMEOUT' || errno === 'ETIMEDOUT') {
    return timeoutError(ctx, p);
  }
  if (e instanceof SyntaxError || /JSON|SSE|event stream|Unexpected token/i.test(message)) {
    return new ModelError('bad-response', `${where} sent a response that could not be read (${redactSecrets(message, ctx.secrets ?? [])})${kept(p)}.`, {
      hint: 'Check that the endpoint is an OpenAI-compatible API.',
      remedy: 'set-base-url',
      partial: p,
      cause: e,
    });
  }
  if (p) return streamCutError(ctx, p, errno);
  const isConnection = e instanceof APIConnectionError || (e as { constructor?: { name?: string } })?.constructor?.name === 'APIConnectionError' || errno !== undefined || message === 'terminated';
  if (isConnection) {
    const { why, transient } = connectionWhy(errno ?? (message === 'terminated' ? 'UND_ERR_SOCKET' : undefined));
    return new ModelError('connection', `Could not connect to ${ctx.endpoint} (${why}).`, {
      hint: errno === 'ECONNREFUSED' ? `Is the server running? ${BASE_URL.hint}` : BASE_URL.hint,
      remedy: BASE_URL.remedy,
      transient,
      cause: e,
    });
  }
  return new ModelError('bad-response', `The request to ${where} failed: ${redactSecrets(message, ctx.secrets ?? [])}`, { cause: e });
}
