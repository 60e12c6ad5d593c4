import { SETTING_DEFAULTS } from '../settingDefaults';
/** Settings for an OpenAI-compatible endpoint (OpenAI, Azure, vLLM, Ollama, LM Studio, LiteLLM). */
export interface ModelSettings {
  /** e.g. `https://api.openai.com/v1`, `http://localhost:11434/v1`. Empty: OpenAI's. */
  baseURL: string;
  model: string;
  /** Absent: a local endpoint that needs none, or not configured yet (see `isModelConfigured`). */
  apiKey?: string;
  temperature?: number;
  maxTokens?: number;
  /** Per request; a stall with no bytes for this long also counts as a timeout. */
  timeoutMs: number;
  /** Retries for 429 and 5xx (with backoff, honouring `retry-after`). */
  maxRetries: number;
  /**
   * Wall time for one answer, start to finish, however steadily chunks arrive (an endless stream
   * or empty keep-alive chunks end here). Absent: `DEFAULT_MAX_ANSWER_MS`.
   */
  maxAnswerMs?: number;
  /** Characters of one answer; past it the request stops and the first part is kept. Absent: `DEFAULT_MAX_ANSWER_CHARS`. */
  maxAnswerChars?: number;
  /**
   * Model for `/embeddings`, used to rank passages together with the lexical ranking. Absent:
   * `text-embedding-3-small`; empty: never ask for embeddings.
   */
  embeddingModel?: string;
}

export const DEFAULT_BASE_URL = 'https://api.openai.com/v1';
/** Ten minutes: far past any real answer, short of forever. */
export const DEFAULT_MAX_ANSWER_MS = SETTING_DEFAULTS.maxAnswerSeconds * 1000;
/** 200,000 characters: about 50,000 tokens, beyond any answer the tasks ask for. */
export const DEFAULT_MAX_ANSWER_CHARS = SETTING_DEFAULTS.maxAnswerChars;

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A JSON schema for structured output (`response_format: json_schema`). */
export interface JsonSchemaFormat {
  name: string;
  schema: Record<string, unknown>;
}

export interface ChatRequest {
  messages: ChatMessage[];
  signal?: AbortSignal;
  /** Called with each piece of text as it streams in. */
  onDelta?: (text: string) => void;
  /** Ask for JSON matching this schema; endpoints that refuse it get a plain request instead. */
  jsonSchema?: JsonSchemaFormat;
  /** Overrides the settings' model for this call (evaluation, judge). */
  model?: string;
}

export interface ChatResult {
  text: string;
  model: string;
  finishReason?: string;
  /** True when the answer was asked for as structured output and the endpoint accepted that. */
  structured?: boolean;
  usage?: { promptTokens?: number; completionTokens?: number };
}

/** Kinds of model failure the researcher can act on. */
export type ModelErrorCode =
  | 'not-configured' // no key for an endpoint that needs one
  | 'auth' // 401/403
  | 'unknown-model' // 404 model not found
  | 'rate-limit' // 429 after retries
  | 'server' // 5xx after retries
  | 'connection' // refused, DNS, reset before any answer
  | 'timeout' // no answer or a stall longer than the timeout
  | 'time-limit' // the answer ran past the total time allowed for one answer
  | 'too-long' // the answer passed the size allowed for one answer
  | 'stream-cut' // the stream ended or broke before the answer was complete
  | 'bad-response' // malformed SSE or JSON
  | 'bad-request' // 400 and other 4xx
  | 'cancelled';

/** The client every part of the core uses; `OpenAIModelClient` implements it over `openai`. */
export interface ModelClient {
  readonly settings: Readonly<ModelSettings>;
  chat(request: ChatRequest): Promise<ChatResult>;
  listModels(signal?: AbortSignal): Promise<string[]>;
  /** Embeddings when the endpoint offers them; undefined when it does not. */
  embed?(texts: string[], signal?: AbortSignal): Promise<number[][] | undefined>;
  /** Names the vectors `embed` gives (endpoint and embedding model): those of one space compare, and may be kept on disk. */
  readonly embeddingSpace?: string;
}
