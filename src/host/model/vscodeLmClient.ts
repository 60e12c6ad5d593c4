import * as vscode from 'vscode';
import type { ChatMessage, ChatRequest, ChatResult, ModelClient, ModelSettings } from '../../core/model/modelTypes';
import type { Logger } from '../../core/ports';
import { ModelError, cancelledError, streamCutError, timeoutError } from '../../core/model/modelErrors';

/** Shown by VS Code when it asks the researcher to let this extension use a model. */
export const MODEL_JUSTIFICATION =
  'The Alignment Research Assistant sends your question, the passages of the paper it is about and your task instructions to this model to answer them; nothing is sent unless you ask.';

/** The endpoint a VS Code model is recorded under on instances: `vscode-lm://<vendor>`. */
export function vscodeEndpoint(vendor: string): string {
  return `vscode-lm://${vendor}`;
}

export interface VscodeLmOptions {
  timeoutMs: number;
  temperature?: number;
  maxTokens?: number;
  logger: Logger;
}

/**
 * A model VS Code offers (`vscode.lm`: Copilot or any provider extension) as the core's
 * ModelClient: streamed, cancellable, with a silence timeout, the prompt measured with the
 * model's own token counter against its input limit, and its failures mapped to the core's codes.
 * Instances record it as model `<id>` at endpoint `vscode-lm://<vendor>`.
 */
export class VscodeLmClient implements ModelClient {
  readonly settings: Readonly<ModelSettings>;

  constructor(
    private readonly chatModel: vscode.LanguageModelChat,
    private readonly opts: VscodeLmOptions,
  ) {
    this.settings = {
      baseURL: vscodeEndpoint(chatModel.vendor),
      model: chatModel.id,
      timeoutMs: opts.timeoutMs,
      maxRetries: 0,
      temperature: opts.temperature,
      maxTokens: opts.maxTokens,
      embeddingModel: '',
    };
  }

  /** The model's own input limit, for passage budgets. */
  get maxInputTokens(): number {
    return this.chatModel.maxInputTokens;
  }

  get label(): string {
    return `${this.chatModel.name} · VS Code (${this.chatModel.vendor})`;
  }

  private where(): string {
    return `VS Code model ${this.chatModel.name} (${this.chatModel.vendor})`;
  }

  /** Tokens of the whole prompt by the model's own counter; undefined when the provider cannot count. */
  async countPromptTokens(messages: vscode.LanguageModelChatMessage[], token: vscode.CancellationToken): Promise<number | undefined> {
    try {
      let total = 0;
      for (const m of messages) total += await this.chatModel.countTokens(m, token);
      return total;
    } catch (e) {
      this.opts.logger.debug(`${this.where()} could not count tokens: ${String(e)}`);
      return undefined;
    }
  }

  async chat(request: ChatRequest): Promise<ChatResult> {
    const messages = toVscodeMessages(request.messages, request.jsonSchema);
    const cts = new vscode.CancellationTokenSource();
    const ctx = { endpoint: this.where(), model: this.chatModel.id, timeoutMs: this.opts.timeoutMs };
    let text = '';
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        cts.cancel();
      }, this.opts.timeoutMs);
    };
    const onAbort = () => cts.cancel();
    request.signal?.addEventListener('abort', onAbort);
    try {
      if (request.signal?.aborted) throw cancelledError();
      const tokens = await this.countPromptTokens(messages, cts.token);
      if (tokens !== undefined && this.chatModel.maxInputTokens > 0 && tokens > this.chatModel.maxInputTokens) {
        throw new ModelError('bad-request', `The prompt has ${tokens} tokens; ${this.where()} takes at most ${this.chatModel.maxInputTokens}.`, {
          hint: 'Lower alignment.passageBudgetTokens or alignment.fewShot.budgetTokens, or pick a model with a larger context in "Alignment: Select Model".',
        });
      }
      arm();
      const modelOptions: Record<string, unknown> = {};
      if (this.opts.temperature !== undefined) modelOptions.temperature = this.opts.temperature;
      if (this.opts.maxTokens !== undefined) modelOptions.max_tokens = this.opts.maxTokens;
      const response = await this.chatModel.sendRequest(messages, { justification: MODEL_JUSTIFICATION, modelOptions }, cts.token);
      for await (const piece of response.text) {
        arm();
        if (cts.token.isCancellationRequested) break;
        text += piece;
        request.onDelta?.(piece);
      }
      if (timedOut) throw timeoutError(ctx, text || undefined);
      if (request.signal?.aborted) throw cancelledError(text || undefined);
      return { text, model: this.chatModel.id, finishReason: 'stop', structured: false };
    } catch (e) {
      if (timedOut) throw timeoutError(ctx, text || undefined);
      if (request.signal?.aborted) throw cancelledError(text || undefined);
      throw mapLmError(e, this.where(), this.chatModel.id, text);
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      cts.dispose();
    }
  }

  async listModels(): Promise<string[]> {
    return (await vscode.lm.selectChatModels()).map((m) => m.id);
  }
}

/**
 * VS Code's chat messages have no system role: the system prompt goes first as a user message.
 * A JSON schema becomes an instruction, and the caller parses the text (`structured: false`).
 */
function toVscodeMessages(messages: ChatMessage[], jsonSchema?: ChatRequest['jsonSchema']): vscode.LanguageModelChatMessage[] {
  const out = messages.map((m) => (m.role === 'assistant' ? vscode.LanguageModelChatMessage.Assistant(m.content) : vscode.LanguageModelChatMessage.User(m.content)));
  if (jsonSchema) {
    out.push(vscode.LanguageModelChatMessage.User(`Reply with one JSON object and nothing else, matching this JSON schema:\n${JSON.stringify(jsonSchema.schema)}`));
  }
  return out;
}

/** LanguageModelError codes (and anything else a provider throws) as the core's failure codes. */
export function mapLmError(e: unknown, where: string, modelId: string, partial: string): ModelError {
  if (ModelError.isModelError(e)) return partial && !e.partial ? e.withPartial(partial) : e;
  const p = partial || undefined;
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof vscode.CancellationError || (e as { name?: string })?.name === 'Canceled') return cancelledError(p);
  if (e instanceof vscode.LanguageModelError) {
    switch (e.code) {
      case vscode.LanguageModelError.NoPermissions.name:
        return new ModelError('auth', `${where} may not be used by this extension (${message}).`, {
          hint: 'Allow the Alignment Research Assistant to use the model when VS Code asks, or pick another in "Alignment: Select Model".',
          partial: p,
          cause: e,
        });
      case vscode.LanguageModelError.NotFound.name:
        return new ModelError('unknown-model', `${where} is no longer available (${message}).`, { hint: 'Pick another model in "Alignment: Select Model" or in the chat\'s model picker.', partial: p, cause: e });
      case vscode.LanguageModelError.Blocked.name:
        return new ModelError('rate-limit', `${where} refused the request: ${message}.`, { hint: 'Wait a moment and retry; the provider may be limiting requests.', partial: p, cause: e });
    }
  }
  if (p) return streamCutError({ endpoint: where, model: modelId, timeoutMs: 0 }, p, message);
  return new ModelError('server', `${where} failed: ${message}`, { hint: 'Retry, or pick another model in "Alignment: Select Model".', cause: e });
}

export namespace VscodeLmClient {
  /** A client with the extension's timeout, temperature and answer length. */
  export function forModel(m: vscode.LanguageModelChat, s: Pick<ModelSettings, 'timeoutMs' | 'temperature' | 'maxTokens'>, logger: Logger): VscodeLmClient {
    return new VscodeLmClient(m, { timeoutMs: s.timeoutMs, temperature: s.temperature, maxTokens: s.maxTokens, logger });
  }
}
