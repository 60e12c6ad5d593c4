import type { ModelErrorCode } from './modelTypes';
import { AlignError } from '../errors';

/** A model call that failed, with what the researcher can do about it and any partial answer. */
export class ModelError extends AlignError {
  override readonly name = 'ModelError';
  constructor(
    message: string,
    override readonly code: ModelErrorCode,
    hint: string | undefined,
    readonly retryable: boolean,
    readonly partial?: string,
    readonly status?: number,
    /** Seconds the server asked us to wait (429). */
    readonly retryAfterSeconds?: number,
    options?: { cause?: unknown },
  ) {
    super(message, code, hint, options);
  }

  static isModelError(e: unknown): e is ModelError {
    return AlignError.is(e) && typeof (e as ModelError).retryable === 'boolean';
  }

  withPartial(partial: string): ModelError {
    return new ModelError(this.message, this.code, this.hint, this.retryable, partial || undefined, this.status, this.retryAfterSeconds, { cause: this.cause });
  }
}

/** What the messages name: the endpoint (redacted) and the model. */
export interface ModelErrorContext {
  endpoint: string;
  model: string;
  timeoutMs: number;
  availableModels?: string[];
}

function errnoOf(e: unknown, depth = 0): string | undefined {
  if (!e || typeof e !== 'object' || depth > 6) return undefined;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return code;
  // undici wraps the socket error: fetch failed -> cause (sometimes an AggregateError of attempts).
  for (const inner of (e as { errors?: unknown[] }).errors ?? []) {
    const found = errnoOf(inner, depth + 1);
    if (found) return found;
  }
  return errnoOf((e as { cause?: unknown }).cause, depth + 1);
}

function retryAfter(headers: unknown): number | undefined {
  const get = (name: string): string | null | undefined =>
    headers && typeof (headers as Headers).get === 'function' ? (headers as Headers).get(name) : (headers as Record<string, string> | undefined)?.[name];
  const ms = Number(get('retry-after-ms'));
  if (Number.isFinite(ms) && ms >= 0 && get('retry-after-ms') != null) return ms / 1000;
  const raw = get('retry-after');
  if (raw == null) return undefined;
  const s = Number(raw);
  if (Number.isFinite(s)) return Math.max(0, s);
  const date = Date.parse(raw);
  return Number.isFinite(date) ? Math.max(0, (date - Date.now()) / 1000) : undefined;
}

/** The server's own error message, when it sent one in OpenAI's `{error: {message}}` shape. */
function serverMessage(e: unknown): string | undefined {
  const err = (e as { error?: { message?: unknown } }).error;
  return typeof err?.message === 'string' ? err.message : undefined;
}

/** Maps anything the `openai` client or Node throws to a ModelError for people. */
export function toModelError(e: unknown, ctx: ModelErrorContext, partial = ''): ModelError {
  if (ModelError.isModelError(e)) return partial && !e.partial ? e.withPartial(partial) : e;
  const where = `${ctx.endpoint} (model ${ctx.model})`;
  const status = (e as { status?: unknown }).status;
  const name = (e as { constructor?: { name?: string } }).constructor?.name ?? '';
  const p = partial || undefined;
  if (typeof status === 'number') {
    const detail = serverMessage(e);
    if (status === 401 || status === 403) {
      return new ModelError(`${where} refused the API key (${status}${detail ? `: ${detail}` : ''}).`, 'auth', 'Run "Alignment: Set API Key" (CLI: set OPENAI_API_KEY) with a valid key.', false, p, status);
    }
    if (status === 404) {
      const offer = ctx.availableModels?.length ? ` It offers: ${ctx.availableModels.slice(0, 12).join(', ')}.` : '';
      return new ModelError(`Model '${ctx.model}' is not served by ${ctx.endpoint}.${offer}`, 'unknown-model', 'Pick another with "Alignment: Select Model" (CLI: --model).', false, p, status);
    }
    if (status === 429) {
      return new ModelError(`${where} is rate-limiting requests (429${detail ? `: ${detail}` : ''}).`, 'rate-limit', 'Wait a moment and retry, or raise alignment.maxRetries.', true, p, status, retryAfter((e as { headers?: unknown }).headers));
    }
    if (status >= 500) {
      return new ModelError(`${where} had a server error (${status}${detail ? `: ${detail}` : ''}).`, 'server', 'Retry; if it persists, check the server.', true, p, status);
    }
    return new ModelError(`${where} rejected the request (${status}${detail ? `: ${detail}` : ''}).`, 'bad-request', 'Check the model name and the settings.', false, p, status);
  }
  if (name === 'APIUserAbortError' || (e as Error).name === 'AbortError') {
    return new ModelError('Cancelled.', 'cancelled', undefined, true, p);
  }
  if (name === 'APIConnectionTimeoutError') {
    return new ModelError(`${where} did not answer within ${Math.round(ctx.timeoutMs / 1000)} s.`, 'timeout', 'Retry, or raise alignment.requestTimeoutSeconds (CLI: --timeout).', true, p);
  }
  const errno = errnoOf(e);
  if (errno === 'ECONNREFUSED' || errno === 'ENOTFOUND' || errno === 'EAI_AGAIN' || errno === 'EHOSTUNREACH' || errno === 'ENETUNREACH' || (name === 'APIConnectionError' && !partial)) {
    const why = errno === 'ECONNREFUSED' ? 'connection refused' : errno === 'ENOTFOUND' ? 'host not found' : errno ? errno : 'no connection';
    return new ModelError(`Could not connect to ${ctx.endpoint} (${why}).`, 'connection', 'Is the server running, and is alignment.baseUrl (CLI: --base-url) right?', true, p);
  }
  if (e instanceof SyntaxError || /JSON|SSE|event stream|Unexpected/i.test((e as Error).message ?? '')) {
    return new ModelError(`${where} sent a response that could not be read (${(e as Error).message}).`, 'bad-response', 'Check that the endpoint speaks the OpenAI API.', true, p);
  }
  if (partial || errno === 'ECONNRESET' || name === 'APIConnectionError') {
    return new ModelError(
      `The answer from ${where} was cut off${partial ? ` after ${partial.length} characters; the partial answer is kept` : ''}.`,
      'stream-cut',
      'Retry to get a complete answer.',
      true,
      p,
    );
  }
  return new ModelError(`The request to ${where} failed: ${(e as Error).message ?? String(e)}`, 'bad-response', undefined, true, p);
}
