import * as vscode from 'vscode';
import { isCancellation as isCoreCancellation } from '../core/errors';

/** A cancel, in any of the core's forms (see core/errors.ts) or VS Code's own `CancellationError`. */
export function isCancellation(e: unknown): boolean {
  return e instanceof vscode.CancellationError || (e as { name?: unknown } | undefined)?.name === 'Canceled' || isCoreCancellation(e);
}

/**
 * An AbortSignal that follows a CancellationToken, for the core (which speaks AbortSignal). Dispose
 * it when the work ends: the token's listener would otherwise outlive the work.
 */
export function abortOnCancel(token: vscode.CancellationToken): { signal: AbortSignal; dispose(): void } {
  const abort = new AbortController();
  if (token.isCancellationRequested) abort.abort();
  const sub = token.onCancellationRequested(() => abort.abort());
  return { signal: abort.signal, dispose: () => sub.dispose() };
}

/**
 * A cancellable progress notification (or other location) around work that takes an AbortSignal:
 * Cancel aborts the signal; the token's subscription is disposed when the work ends.
 */
export function withCancellableProgress<T>(
  options: { title: string; location?: vscode.ProgressLocation },
  work: (signal: AbortSignal, progress: vscode.Progress<{ message?: string; increment?: number }>) => Promise<T>,
): Promise<T> {
  return Promise.resolve(
    vscode.window.withProgress({ location: options.location ?? vscode.ProgressLocation.Notification, title: options.title, cancellable: true }, async (progress, token) => {
      const cancel = abortOnCancel(token);
      try {
        return await work(cancel.signal, progress);
      } finally {
        cancel.dispose();
      }
    }),
  );
}
