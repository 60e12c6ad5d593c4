import OpenAI from 'openai';
import type { ChatRequest, ChatResult, ModelClient, ModelSettings } from './modelTypes';
import type { Logger } from '../ports';
import { ModelError, toModelError, type ModelErrorContext } from './modelErrors';
import { normaliseBaseUrl } from './modelConfig';
import { redactUrl } from '../redact';

/** Backoff for retries, overridable so tests do not sleep. */
export interface RetryPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

const DEFAULT_RETRY: RetryPolicy = { baseDelayMs: 500, maxDelayMs: 20_000 };

/** Sleeps, but wakes early (and throws) when the signal aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new ModelError('Cancelled.', 'cancelled', undefined, true));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new ModelError('Cancelled.', 'cancelled', undefined, true));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The model client over the official `openai` package. Retries 429 and 5xx itself (honouring
 * `retry-after`), so every retry is logged and cancellable; treats a silence longer than the
 * timeout mid-stream as a timeout; returns partial answers on every failure.
 */
export class OpenAIModelClient implements ModelClient {
  readonly settings: Readonly<ModelSettings>;
  private readonly client: OpenAI;
  private readonly endpoint: string;

  constructor(
    settings: ModelSettings,
    private readonly logger: Logger,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {
    this.settings = { ...settings, baseURL: normaliseBaseUrl(settings.baseURL) };
    this.endpoint = redactUrl(this.settings.baseURL);
    this.client = new OpenAI({
      baseURL: this.settings.baseURL,
      // Local servers need no key, but the SDK insists on one.
      apiKey: settings.apiKey || 'no-key-needed',
      timeout: settings.timeoutMs,
      maxRetries: 0,
      dangerouslyAllowBrowser: false,
    });
  }

  private ctx(model: string): ModelErrorContext {
    return { endpoint: this.endpoint, model, timeoutMs: this.settings.timeoutMs };
  }

  async chat(req: ChatRequest): Promise<ChatResult> {
    const model = req.model ?? this.settings.model;
    const started = Date.now();
    let structured = !!req.jsonSchema;
    let attempt = 0;
    for (;;) {
      try {
        const result = await this.once(req, model, structured);
        this.logger.info(
          `model call ok: ${model} at ${this.endpoint}, ${req.messages.length} messages, ${req.messages.reduce((n, m) => n + m.content.length, 0)} prompt chars, ` +
            `${result.text.length} answer chars, finish ${result.finishReason ?? '?'}, ${Date.now() - started} ms${attempt ? `, ${attempt} retries` : ''}`,
        );
        return { ...result, structured: req.jsonSchema ? structured : undefined };
      } catch (e) {
        let err = e as ModelError;
        if (err.code === 'unknown-model') err = await this.withModelList(err, model);
        if (structured && err.code === 'bad-request' && !err.partial) {
          // The endpoint does not take response_format: ask again in plain text.
          this.logger.info(`${this.endpoint} refused structured output (${err.message}); asking without it`);
          structured = false;
          continue;
        }
        const canRetry = err.retryable && err.code !== 'cancelled' && err.code !== 'timeout' && !err.partial && attempt < this.settings.maxRetries;
        this.logger.warn(`model call failed: ${err.code}: ${err.message}${canRetry ? ` (retry ${attempt + 1} of ${this.settings.maxRetries})` : ''}`);
        if (!canRetry) throw err;
        const backoff = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt * (0.75 + Math.random() * 0.5));
        const wait = err.retryAfterSeconds !== undefined ? Math.min(this.retry.maxDelayMs, err.retryAfterSeconds * 1000) : backoff;
        attempt++;
        await sleep(wait, req.signal);
      }
    }
  }

  private async withModelList(err: ModelError, model: string): Promise<ModelError> {
    try {
      const available = await this.listModels();
      return toModelError({ status: 404 }, { ...this.ctx(model), availableModels: available }, err.partial);
    } catch {
      return err;
    }
  }

  /** One request. Throws ModelError (with the partial answer) on any failure. */
  private async once(req: ChatRequest, model: string, structured: boolean): Promise<Omit<ChatResult, 'structured'>> {
    const abort = new AbortController();
    let timedOut = false;
    let idle: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        timedOut = true;
        abort.abort();
      }, this.settings.timeoutMs);
    };
    const onUserAbort = () => abort.abort();
    if (req.signal?.aborted) throw new ModelError('Cancelled.', 'cancelled', undefined, true);
    req.signal?.addEventListener('abort', onUserAbort, { once: true });
    let text = '';
    try {
      arm();
      const params = {
        model,
        messages: req.messages,
        ...(this.settings.temperature !== undefined ? { temperature: this.settings.temperature } : {}),
        ...(this.settings.maxTokens !== undefined ? { max_tokens: this.settings.maxTokens } : {}),
        ...(structured && req.jsonSchema
          ? { response_format: { type: 'json_schema' as const, json_schema: { name: req.jsonSchema.name, schema: req.jsonSchema.schema, strict: true } } }
          : {}),
      };
      if (!req.onDelta) {
        const completion = await this.client.chat.completions.create({ ...params, stream: false }, { signal: abort.signal });
        const choice = completion.choices[0];
        return {
          text: choice?.message?.content ?? '',
          model: completion.model || model,
          finishReason: choice?.finish_reason ?? undefined,
          usage: { promptTokens: completion.usage?.prompt_tokens, completionTokens: completion.usage?.completion_tokens },
        };
      }
      const stream = await this.client.chat.completions.create({ ...params, stream: true }, { signal: abort.signal });
      let finishReason: string | undefined;
      let servedModel = model;
      for await (const chunk of stream) {
        arm();
        servedModel = chunk.model || servedModel;
        const choice = chunk.choices?.[0];
        const delta = choice?.delta?.content;
        if (delta) {
          text += delta;
          req.onDelta(delta);
        }
        if (choice?.finish_reason) finishReason = choice.finish_reason;
      }
      if (!finishReason) {
        throw new ModelError(
          `The answer from ${this.endpoint} (model ${model}) was cut off${text ? ` after ${text.length} characters; the partial answer is kept` : ''}.`,
          'stream-cut',
          'Retry to get a complete answer.',
          true,
          text || undefined,
        );
      }
      return { text, model: servedModel, finishReason };
    } catch (e) {
      if (timedOut) {
        throw new ModelError(
          `${this.endpoint} (model ${model}) sent nothing for ${Math.round(this.settings.timeoutMs / 1000)} s${text ? `; the ${text.length} characters received are kept` : ''}.`,
          'timeout',
          'Retry, or raise alignment.requestTimeoutSeconds (CLI: --timeout).',
          true,
          text || undefined,
        );
      }
      if (req.signal?.aborted) throw new ModelError('Cancelled.', 'cancelled', undefined, true, text || undefined);
      throw toModelError(e, this.ctx(model), text);
    } finally {
      clearTimeout(idle);
      req.signal?.removeEventListener('abort', onUserAbort);
    }
  }

  async listModels(signal?: AbortSignal): Promise<string[]> {
    try {
      const ids: string[] = [];
      for await (const m of this.client.models.list({ signal })) ids.push(m.id);
      return ids.sort();
    } catch (e) {
      throw toModelError(e, this.ctx(this.settings.model));
    }
  }

  async embed(texts: string[], signal?: AbortSignal): Promise<number[][] | undefined> {
    try {
      const res = await this.client.embeddings.create({ model: 'text-embedding-3-small', input: texts }, { signal });
      return res.data.map((d) => d.embedding);
    } catch (e) {
      const status = (e as { status?: number }).status;
      if (status === 404 || status === 400 || status === 501) return undefined;
      throw toModelError(e, this.ctx(this.settings.model));
    }
  }
}
