/**
 * What the core needs from whoever hosts it (the VS Code layer, the CLI, a test): logging and
 * secrets. Everything else the core does with plain Node APIs and `AbortSignal`.
 */

/** Log sink. Implementations must not receive secrets: callers pass them through `redact`. */
export interface Logger {
  trace(message: string, ...args: unknown[]): void;
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string | Error, ...args: unknown[]): void;
}

export const silentLogger: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
};
