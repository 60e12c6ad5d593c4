/** Replaces known secrets and anything shaped like an API key with `[redacted]`. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) {
    if (s && s.length >= 6) out = out.split(s).join('[redacted]');
  }
  return out
    .replace(/\bsk-[A-Za-z0-9_-]{10,}/g, '[redacted]')
    .replace(/\b(Bearer|api-key:?)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [redacted]');
}

/** A URL safe to log or store: no user:password, no key-like query parameters. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    for (const name of [...u.searchParams.keys()]) {
      if (/key|token|secret|sig|password/i.test(name)) u.searchParams.set(name, 'redacted');
    }
    return u.toString().replace(/\/$/, '');
  } catch {
    return redactSecrets(url);
  }
}
