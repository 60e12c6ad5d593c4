import type { ModelSettings } from './modelTypes';
import { DEFAULT_BASE_URL } from './modelTypes';
import { redactUrl } from '../redact';

/** Hosted endpoints refuse requests without a key; local servers (Ollama, vLLM, LM Studio) do not need one. */
function needsKey(baseURL: string): boolean {
  try {
    const host = new URL(baseURL).hostname;
    return host === 'api.openai.com' || host.endsWith('.openai.azure.com') || host.endsWith('.azure.com');
  } catch {
    return true;
  }
}

/** True when a request can be attempted: an endpoint, a model, and a key where one is needed. */
export function isModelConfigured(s: ModelSettings): boolean {
  if (!s.model.trim()) return false;
  return !!s.apiKey || !needsKey(normaliseBaseUrl(s.baseURL));
}

export function normaliseBaseUrl(url: string | undefined): string {
  const u = (url ?? '').trim();
  return u ? u.replace(/\/+$/, '') : DEFAULT_BASE_URL;
}

/** Short label for the status bar and messages: host and path, no credentials. */
export function endpointLabel(baseURL: string): string {
  const safe = redactUrl(normaliseBaseUrl(baseURL));
  try {
    const u = new URL(safe);
    return `${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return safe;
  }
}

/** CLI configuration: environment first, flags over it. */
export function resolveModelSettingsFromEnv(
  env: NodeJS.ProcessEnv,
  flags: { model?: string; baseUrl?: string; timeoutSeconds?: number },
): ModelSettings {
  return {
    baseURL: normaliseBaseUrl(flags.baseUrl ?? env.OPENAI_BASE_URL),
    model: (flags.model ?? env.ALIGN_MODEL ?? 'gpt-4o-mini').trim(),
    apiKey: env.OPENAI_API_KEY?.trim() || undefined,
    temperature: 0.3,
    maxTokens: 2048,
    timeoutMs: (flags.timeoutSeconds ?? 60) * 1000,
    maxRetries: 2,
  };
}
