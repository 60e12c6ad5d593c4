import type * as vscode from 'vscode';
import type { Logger } from '../core/ports';
import { redactSecrets } from '../core/redact';

/**
 * The core's Logger over the LogOutputChannel. Every line passes through redaction with the
 * secrets known at the time, so an API key that slips into a message never reaches the log.
 */
export function logChannelLogger(channel: vscode.LogOutputChannel, secrets: () => string[]): Logger {
  const clean = (m: unknown): string => redactSecrets(m instanceof Error ? m.stack ?? m.message : String(m), secrets());
  const fmt = (message: unknown, args: unknown[]): string => [message, ...args].map(clean).join(' ');
  return {
    trace: (m, ...a) => channel.trace(fmt(m, a)),
    debug: (m, ...a) => channel.debug(fmt(m, a)),
    info: (m, ...a) => channel.info(fmt(m, a)),
    warn: (m, ...a) => channel.warn(fmt(m, a)),
    error: (m, ...a) => channel.error(fmt(m, a)),
  };
}
