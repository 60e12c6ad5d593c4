import type { ModelSettings } from './modelTypes';
import { DEFAULT_BASE_URL } from './modelTypes';
import { redactUrl } from '../redact';
import { SETTING_DEFAULTS } from '../settingDefaults';

// The editor's defaults (core/settingDefaults.ts), so `align` and the extension behave alike.
export const DEFAULT_MODEL = SETTING_DEFAULTS.model;
export const DEFAULT_TIMEOUT_SECONDS = SETTING_DEFAULTS.requestTimeoutSeconds;
export const DEFAULT_MAX_RETRIES = SETTING_DEFAULTS.maxRetries;

/** Sent to endpoints that need no key: the SDK refuses to build a client without one. */
export const NO_KEY_PLACEHOLDER = 'no-key-needed';

/** Hosted endpoints refuse requests without a key; local servers (Ollama, vLLM, LM Studio) do not need one. */
export function endpointNeedsKey(baseURL: string): boolean {
  try {
    const host = new URL(normaliseBaseUrl(baseURL)).hostname.toLowerCase();
    return host === 'api.openai.com' || host.endsWith('.openai.azure.com') || host.endsWith('.azure.com');
  } catch {
    return true;
  }
}

/** True when a request can be attempted: a model, and a key where the endpoint needs one. */
export function isModelConfigured(s: ModelSettings): boolean {
  if (!s.model.trim()) return false;
  return !!s.apiKey?.trim() || !endpointNeedsKey(s.baseURL);
}

/**
 * The base URL as the SDK wants it: OpenAI's when empty, no trailing slash, a scheme when the
 * researcher typed `localhost:11434/v1`, and without `/chat/completions` when they pasted the
 * full route from a server's docs.
 */
export function normaliseBaseUrl(url: string | undefined): string {
  let u = (url ?? '').trim();
  if (!u) return DEFAULT_BASE_URL;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(u)) {
    const local = /^(localhost|127\.|\[?::1\]?|0\.0\.0\.0|10\.|192\.168\.|host\.docker\.internal)/i.test(u);
    u = `${local ? 'http' : 'https'}://${u}`;
  }
  return u.replace(/\/+$/, '').replace(/\/chat\/completions$/i, '').replace(/\/+$/, '');
}

/** Short label for the status bar and log lines: host and path, never credentials or query. */
export function endpointLabel(baseURL: string): string {
  const safe = redactUrl(normaliseBaseUrl(baseURL));
  try {
    const u = new URL(safe);
    return `${u.host}${u.pathname === '/' ? '' : u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return safe;
  }
}

function firstSet(...values: (string | undefined)[]): string | undefined {
  for (const v of values) if (v !== undefined && v.trim() !== '') return v.trim();
  return undefined;
}

/** Flags of the `align` command that override the environment. */
export interface ModelFlags {
  model?: string;
  baseUrl?: string;
  /** `--timeout SECONDS`. */
  timeoutSeconds?: number;
  maxRetries?: number;
  /** `--max-time SECONDS`. */
  maxAnswerSeconds?: number;
  /** `--max-answer-chars N`. */
  maxAnswerChars?: number;
}

/**
 * CLI configuration: OPENAI_API_KEY, OPENAI_BASE_URL, ALIGN_MODEL and ALIGN_EMBEDDING_MODEL (empty: none) from the environment, the
 * flags over them, the editor's defaults for the rest (model gpt-4o-mini, 120 s timeout, 2 retries).
 */
export function resolveModelSettingsFromEnv(env: NodeJS.ProcessEnv, flags: ModelFlags = {}): ModelSettings {
  const timeout = flags.timeoutSeconds !== undefined && Number.isFinite(flags.timeoutSeconds) && flags.timeoutSeconds > 0 ? flags.timeoutSeconds : DEFAULT_TIMEOUT_SECONDS;
  const retries = flags.maxRetries !== undefined && Number.isInteger(flags.maxRetries) && flags.maxRetries >= 0 ? flags.maxRetries : DEFAULT_MAX_RETRIES;
  return {
    baseURL: normaliseBaseUrl(firstSet(flags.baseUrl, env.OPENAI_BASE_URL)),
    model: firstSet(flags.model, env.ALIGN_MODEL) ?? DEFAULT_MODEL,
    apiKey: firstSet(env.OPENAI_API_KEY),
    temperature: SETTING_DEFAULTS.temperature,
    maxTokens: SETTING_DEFAULTS.maxTokens,
    timeoutMs: Math.round(timeout * 1000),
    maxRetries: retries,
    embeddingModel: env.ALIGN_EMBEDDING_MODEL,
    ...(flags.maxAnswerSeconds !== undefined && flags.maxAnswerSeconds > 0 ? { maxAnswerMs: Math.round(flags.maxAnswerSeconds * 1000) } : {}),
    ...(flags.maxAnswerChars !== undefined && flags.maxAnswerChars > 0 ? { maxAnswerChars: Math.floor(flags.maxAnswerChars) } : {}),
  };
}
