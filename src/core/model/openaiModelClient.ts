import OpenAI from 'openai';
import type { ChatCompletionCreateParamsBase } from 'openai/resources/chat/completions';
import type { ChatRequest, ChatResult, ModelClient, ModelSettings } from './modelTypes';
import type { Logger } from '../ports';
import { ModelError, cancelledError, htmlPageError, notConfiguredError, streamCutError, timeLimitError, timeoutError, tooLongError, toModelError, type ModelErrorContext } from './modelErrors';
import { DEFAULT_MAX_ANSWER_CHARS, DEFAULT_MAX_ANSWER_MS } from './modelTypes';
import { NO_KEY_PLACEHOLDER, endpointLabel, isModelConfigured, normaliseBaseUrl } from './modelConfig';
import { DEFAULT_RETRY_POLICY, abortableSleep, isAutoRetryable, retryDelayMs, type RetryPolicy } from './retry';
import { redactSecrets, redactUrl } from '../redact';

export type { RetryPolicy } from './retry';

/** Embedding model asked of endpoints that offer `/embeddings`, unless the settings name another. */
const DEFAULT_EMBEDDING_MODEL = 'text-embedding-3-small';

// Endpoints (and embedding models) that answered "no such thing": not asked again in this process,
// so every question to a chat-only server does not pay a failed request first.
const embeddingsNotOffered = new Set<string>();

type Answer = Omit<ChatResult, 'structured'>;

/**
 * The model client over the official `openai` package.
 *
 * - Retries 429, 5xx and connection resets itself (the SDK's own retries are off), honouring
 *   `retry-after` / `retry-after-ms`, with capped exponential backoff and jitter; every retry is
 *   logged and the wait is cancellable.
 * - A silence longer than `timeoutMs` — before the first byte or between two chunks — aborts the
 *   request and fails with 'timeout', keeping what arrived. A whole answer longer than
 *   `maxAnswerMs` fails with 'time-limit' (empty keep-alive chunks do not extend it); one longer
 *   than `maxAnswerChars` is stopped there with 'too-long'. Both keep the partial answer.
 * - Every failure is a `ModelError` carrying the partial answer, if any.
 * - Structured output (`jsonSchema`) falls back to a plain request when the endpoint refuses it.
 * - Logs one info line per call (model, endpoint, sizes, duration, tokens) and never the key or
 *   the prompt.
 */
export class OpenAIModelClient implements ModelClient {
  readonly settings: Readonly<ModelSettings>;
  private readonly client: OpenAI;
  private readonly endpoint: string;
  private readonly label: string;
  private readonly secrets: string[];

  constructor(
    settings: ModelSettings,
    private readonly logger: Logger,
    private readonly retry: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {
    const baseURL = normaliseBaseUrl(settings.baseURL);
    this.settings = Object.freeze({ ...settings, baseURL });
    this.endpoint = redactUrl(baseURL);
    this.label = endpointLabel(baseURL);
    this.secrets = settings.apiKey ? [settings.apiKey] : [];
    const key = settings.apiKey?.trim() || NO_KEY_PLACEHOLDER;
    let azure = false;
    // The SDK appends each route to the base URL as a string: a query there (Azure's
    // ?api-version=…, a proxy's ?key=…) would swallow the route. Send it as a default query instead.
    let sdkBase = baseURL;
    let defaultQuery: Record<string, string> | undefined;
    try {
      const u = new URL(baseURL);
      azure = u.hostname.endsWith('.azure.com');
      if (u.search || u.hash) {
        defaultQuery = u.search ? Object.fromEntries(u.searchParams) : undefined;
        u.search = '';
        u.hash = '';
        sdkBase = normaliseBaseUrl(u.toString());
      }
    } catch {
      // An unparseable URL fails on the first request with a message naming it.
    }
    this.client = new OpenAI({
      baseURL: sdkBase,
      ...(defaultQuery ? { defaultQuery } : {}),
      apiKey: key,
      timeout: settings.timeoutMs,
      maxRetries: 0,
      // Azure's v1 API reads `api-key`; sending both keeps either way of authenticating working.
      ...(azure ? { defaultHeaders: { 'api-key': key } } : {}),
      // The SDK prints parse failures to the console; route them to our log, where we redact.
      logLevel: 'warn',
      logger: {
        error: (msg: string) => this.log('debug', `openai sdk: ${msg}`),
        warn: (msg: string) => this.log('debug', `openai sdk: ${msg}`),
        info: () => {},
        debug: () => {},
      },
    });
  }

  /** Every line goes through redaction: server messages can echo the key back. */
  private log(level: keyof Logger, line: string): void {
    this.logger[level](redactSecrets(line, this.secrets));
  }

  private ctx(model: string): ModelErrorContext {
    return { endpoint: this.endpoint, model, timeoutMs: this.settings.timeoutMs, secrets: this.secrets };
  }

  async chat(req: ChatRequest): Promise<ChatResult> {
    const model = req.model ?? this.settings.model;
    const started = Date.now();
    const promptChars = req.messages.reduce((n, m) => n + m.content.length, 0);
    const shape = `${model} @ ${this.label}: ${req.messages.length} messages, ${promptChars} prompt chars, ${req.onDelta ? 'streamed' : 'whole'}${req.jsonSchema ? ', json_schema' : ''}`;
    this.log('trace', `chat start ${shape}`);
    let structured = !!req.jsonSchema;
    let attempt = 0;
    try {
      if (!isModelConfigured({ ...this.settings, model })) throw notConfiguredError({ endpoint: this.endpoint, model });
      for (;;) {
        try {
          const answer = await this.once(req, model, structured);
          const tokens = answer.usage?.promptTokens !== undefined ? `, tokens ${answer.usage.promptTokens}+${answer.usage.completionTokens ?? '?'}` : '';
          this.log(
            'info',
            `chat ok ${shape} → ${answer.text.length} chars, finish ${answer.finishReason ?? '?'}${tokens}, ${Date.now() - started} ms` +
              `${attempt ? `, after ${attempt} ${attempt === 1 ? 'retry' : 'retries'}` : ''}${req.jsonSchema && !structured ? ', structured output refused' : ''}`,
          );
          return { ...answer, ...(req.jsonSchema ? { structured } : {}) };
        } catch (e) {
          let err = toModelError(e, this.ctx(model));
          if (structured && err.code === 'bad-request' && (err.status === 400 || err.status === 422) && !err.partial) {
            // Endpoints without structured output refuse response_format: ask once more in plain text.
            this.log('info', `${this.label} refused response_format json_schema (${err.message}); asking without it`);
            structured = false;
            continue;
          }
          if (err.code === 'unknown-model') err = await this.withModelList(err, model, req.signal);
          const delay = isAutoRetryable(err) && attempt < this.settings.maxRetries ? retryDelayMs(attempt, this.retry, err.retryAfterSeconds) : undefined;
          if (delay === undefined) throw err;
          attempt++;
          this.log('warn', `chat ${model} @ ${this.label}: ${err.code} (${err.message}); retry ${attempt} of ${this.settings.maxRetries} in ${Math.round(delay)} ms`);
          await abortableSleep(delay, req.signal);
        }
      }
    } catch (e) {
      const err = toModelError(e, this.ctx(model));
      const level = err.code === 'cancelled' ? 'info' : 'warn';
      this.log(
        level,
        `chat failed ${shape} → ${err.code}${err.status ? ` ${err.status}` : ''}${err.partial ? `, ${err.partial.length} chars kept` : ''}, ${Date.now() - started} ms` +
          `${attempt ? `, after ${attempt} ${attempt === 1 ? 'retry' : 'retries'}` : ''}: ${err.message}`,
      );
      throw err;
    }
  }

  /** Names the models the endpoint does serve, so the message says what to pick instead. */
  private async withModelList(err: ModelError, model: string, signal?: AbortSignal): Promise<ModelError> {
    let available: string[];
    try {
      available = await this.listModels(signal);
    } catch (e) {
      if ((e as { status?: unknown }).status !== 404) return err;
      // Neither /chat/completions nor /models exists here: the base URL is wrong, not the model.
      return new ModelError('bad-request', `${this.endpoint} has no OpenAI-compatible API at this address (404 for /chat/completions and /models).`, {
        hint: 'Check the endpoint address: OpenAI-compatible servers usually end in /v1.',
        remedy: 'set-base-url',
        status: 404,
        cause: err,
      });
    }
    if (available.includes(model)) return err;
    return toModelError(err.cause ?? { status: 404 }, { ...this.ctx(model), availableModels: available }, err.partial);
  }

  /** One request, with its own stall timer. Throws a ModelError (with the partial answer) on any failure. */
  private async once(req: ChatRequest, model: string, structured: boolean): Promise<Answer> {
    if (req.signal?.aborted) throw cancelledError();
    const abort = new AbortController();
    let timedOut = false;
    // One timer that re-checks the last activity, rather than a new timer per chunk: a fast
    // stream delivers thousands of chunks a second.
    const timeoutMs = this.settings.timeoutMs;
    let lastActivity = Date.now();
    const arm = () => {
      lastActivity = Date.now();
    };
    const check = () => {
      const silent = Date.now() - lastActivity;
      if (silent >= timeoutMs) {
        timedOut = true;
        abort.abort();
      } else {
        idle = setTimeout(check, timeoutMs - silent);
      }
    };
    let idle: NodeJS.Timeout | undefined = setTimeout(check, timeoutMs);
    // The total limit is a second, fixed timer: chunks re-arm only the silence timer above.
    const limitMs = this.settings.maxAnswerMs ?? DEFAULT_MAX_ANSWER_MS;
    const limitChars = this.settings.maxAnswerChars ?? DEFAULT_MAX_ANSWER_CHARS;
    let overTime = false;
    let tooLong = false;
    const total = setTimeout(() => {
      overTime = true;
      abort.abort();
    }, limitMs);
    const onUserAbort = () => abort.abort();
    req.signal?.addEventListener('abort', onUserAbort, { once: true });
    let text = '';
    try {
      arm();
      const params: ChatCompletionCreateParamsBase = {
        model,
        messages: req.messages,
        ...(this.settings.temperature !== undefined ? { temperature: this.settings.temperature } : {}),
        ...(this.settings.maxTokens !== undefined ? { max_tokens: this.settings.maxTokens } : {}),
        ...(structured && req.jsonSchema
          ? { response_format: { type: 'json_schema', json_schema: { name: req.jsonSchema.name, schema: req.jsonSchema.schema, strict: true } } }
          : {}),
      };
      if (!req.onDelta) {
        const { data: completion, response } = await this.client.chat.completions.create({ ...params, stream: false }, { signal: abort.signal }).withResponse();
        this.checkNotHtml(response, model);
        const choice = completion.choices?.[0];
        if (!choice) throw new SyntaxError('the completion has no choices (not an OpenAI-compatible JSON response?)');
        const content = choice.message?.content ?? '';
        if (content.length > limitChars) {
          text = content.slice(0, limitChars);
          tooLong = true;
          throw new Error('too long');
        }
        return {
          text: content,
          model: completion.model || model,
          finishReason: choice.finish_reason ?? undefined,
          usage: completion.usage ? { promptTokens: completion.usage.prompt_tokens, completionTokens: completion.usage.completion_tokens } : undefined,
        };
      }
      const { data: stream, response } = await this.client.chat.completions.create({ ...params, stream: true }, { signal: abort.signal }).withResponse();
      this.checkNotHtml(response, model);
      arm();
      let finishReason: string | undefined;
      let servedModel = model;
      let usage: Answer['usage'];
      for await (const chunk of stream) {
        arm();
        if (chunk.model) servedModel = chunk.model;
        if (chunk.usage) usage = { promptTokens: chunk.usage.prompt_tokens, completionTokens: chunk.usage.completion_tokens };
        const choice = chunk.choices?.[0];
        const delta = choice?.delta?.content;
        if (delta) {
          if (text.length + delta.length > limitChars) {
            const fits = delta.slice(0, limitChars - text.length);
            text += fits;
            if (fits) req.onDelta(fits);
            tooLong = true;
            break;
          }
          text += delta;
          req.onDelta(delta);
        }
        if (choice?.finish_reason) finishReason = choice.finish_reason;
      }
      if (tooLong) throw new Error('too long');
      // The SDK ends the iteration quietly when aborted; only a finish_reason marks a whole answer.
      if (!finishReason && !timedOut && !overTime && !req.signal?.aborted) throw streamCutError(this.ctx(model), text || undefined, 'the stream ended without a finish reason');
      if (finishReason) return { text, model: servedModel, finishReason, usage };
      throw abort.signal.reason ?? new Error('aborted');
    } catch (e) {
      if (tooLong) throw tooLongError(this.ctx(model), limitChars, text || undefined);
      if (overTime) throw timeLimitError(this.ctx(model), limitMs, text || undefined);
      if (timedOut) throw timeoutError(this.ctx(model), text || undefined);
      if (req.signal?.aborted) throw cancelledError(text || undefined);
      throw toModelError(e, this.ctx(model), text);
    } finally {
      clearTimeout(idle);
      clearTimeout(total);
      req.signal?.removeEventListener('abort', onUserAbort);
      // Leaves no socket streaming after a failure or an early return.
      if (!abort.signal.aborted) abort.abort();
    }
  }

  /** A web page instead of the API: said as such, not as a stream "cut off" or unreadable JSON. */
  private checkNotHtml(response: Response, model: string): void {
    if (/\btext\/html\b/i.test(response.headers.get('content-type') ?? '')) throw htmlPageError(this.ctx(model), response.status);
  }

  async listModels(signal?: AbortSignal): Promise<string[]> {
    const started = Date.now();
    try {
      const ids: string[] = [];
      for await (const m of this.client.models.list({ signal })) if (typeof m.id === 'string') ids.push(m.id);
      ids.sort();
      this.log('info', `models @ ${this.label}: ${ids.length} listed, ${Date.now() - started} ms`);
      return ids;
    } catch (e) {
      const err = toModelError(e, this.ctx(this.settings.model));
      this.log('warn', `models @ ${this.label} failed → ${err.code}: ${err.message}`);
      throw err;
    }
  }

  get embeddingSpace(): string | undefined {
    const model = this.settings.embeddingModel ?? DEFAULT_EMBEDDING_MODEL;
    return model ? `${this.settings.baseURL} ${model}` : undefined;
  }

  /** Embeddings, or undefined when the endpoint has none (404, or 400/501 from servers that lack the model) or they are turned off. */
  async embed(texts: string[], signal?: AbortSignal): Promise<number[][] | undefined> {
    const model = this.settings.embeddingModel ?? DEFAULT_EMBEDDING_MODEL;
    const key = `${this.settings.baseURL} ${model}`;
    if (!model || embeddingsNotOffered.has(key)) return undefined;
    const started = Date.now();
    try {
      const res = await this.client.embeddings.create({ model, input: texts, encoding_format: 'float' }, { signal });
      const out = [...res.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
      if (out.length !== texts.length) throw new SyntaxError(`${out.length} embeddings for ${texts.length} texts`);
      this.log('info', `embeddings @ ${this.label}: ${texts.length} texts, ${Date.now() - started} ms`);
      return out;
    } catch (e) {
      const status = (e as { status?: unknown }).status;
      if (status === 404 || status === 400 || status === 501) {
        embeddingsNotOffered.add(key);
        this.log('info', `embeddings @ ${this.label}: ${model} not offered (${status}); passages are ranked by words alone`);
        return undefined;
      }
      const err = toModelError(e, this.ctx(model));
      this.log('warn', `embeddings @ ${this.label} failed → ${err.code}: ${err.message}`);
      throw err;
    }
  }
}
