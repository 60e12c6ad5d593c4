import { ModelError } from './modelErrors';

/** Backoff between retries of a model call. Tests pass small numbers so they do not sleep. */
export interface RetryPolicy {
  /** First backoff when the server gives no `retry-after`; doubles each attempt. */
  baseDelayMs: number;
  /** No single wait is longer; a server asking for more than this is not retried. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = { baseDelayMs: 500, maxDelayMs: 20_000 };

/**
 * How long to wait before retry number `attempt + 1`, or undefined when the wait the server asks
 * for is longer than the policy allows (retrying early would only be refused again).
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, retryAfterSeconds?: number, random: () => number = Math.random): number | undefined {
  if (retryAfterSeconds !== undefined) {
    const asked = retryAfterSeconds * 1000;
    return asked > policy.maxDelayMs ? undefined : asked;
  }
  // Full doubling with ±25% jitter, so clients that failed together do not retry together.
  const backoff = policy.baseDelayMs * 2 ** attempt * (0.75 + random() * 0.5);
  return Math.min(policy.maxDelayMs, backoff);
}

/** Failures worth repeating unchanged: rate limits, server errors, a connection reset before any answer. */
export function isAutoRetryable(e: ModelError): boolean {
  if (!e.retryable || e.partial) return false;
  if (e.code === 'rate-limit' || e.code === 'server') return true;
  return e.code === 'connection' && e.transient === true;
}

/** Waits `ms`, or rejects with a 'cancelled' ModelError as soon as `signal` aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const cancelled = () => new ModelError('cancelled', 'Cancelled.');
    if (signal?.aborted) return reject(cancelled());
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
