/** What replaces a secret in logs, messages and saved records. */
export const REDACTED = '[redacted]';

/** Known secrets shorter than this are left alone: replacing "abc" everywhere would mangle text. */
const MIN_SECRET_LENGTH = 6;

/**
 * Replaces each known secret (also in its URL-encoded form) and anything shaped like a key —
 * `sk-…` tokens, `Bearer …`, `api-key: …` / `Authorization: …` header values — with `[redacted]`.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text;
  // Longest first, so a secret that contains another is replaced whole.
  const known = secrets.filter((s): s is string => typeof s === 'string' && s.trim().length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  for (const s of known) {
    out = out.split(s).join(REDACTED);
    const encoded = encodeURIComponent(s);
    if (encoded !== s) out = out.split(encoded).join(REDACTED);
  }
  return out
    .replace(/\bsk-[A-Za-z0-9_-]{10,}/g, REDACTED)
    .replace(/\b(Bearer)\s+(?!\[redacted\])[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${REDACTED}`)
    .replace(/\b(api-key|x-api-key|authorization)(["']?\s*[:=]\s*["']?)(?!\[redacted\]|Bearer\b)[A-Za-z0-9._~+/=-]{6,}/gi, `$1$2${REDACTED}`);
}

/** Query parameters that carry credentials (Azure `api-key`, `key=`, `access_token`, SAS `sig`). */
const SECRET_PARAM = /(^|[-_])(key|api-?key|token|access[-_]?token|secret|sig|password)$/i;

/** A URL safe to log or show: no `user:password@`, no key-like query parameter values. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    for (const name of new Set(u.searchParams.keys())) {
      if (SECRET_PARAM.test(name)) u.searchParams.set(name, 'redacted');
    }
    return u.toString().replace(/\/$/, '');
  } catch {
    return redactSecrets(url);
  }
}
