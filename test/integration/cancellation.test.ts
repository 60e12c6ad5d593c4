import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { abortOnCancel, isCancellation, withCancellableProgress } from '../../src/host/cancellation';
import { CancelledError } from '../../src/core/errors';

/** A token that counts its live listeners, so a test sees whether a bridge lets go of it. */
function countingToken(): { token: vscode.CancellationToken; live: () => number; cancel: () => void } {
  const listeners = new Set<(e: unknown) => unknown>();
  let cancelled = false;
  const token: vscode.CancellationToken = {
    get isCancellationRequested() {
      return cancelled;
    },
    onCancellationRequested: (listener: (e: unknown) => unknown) => {
      listeners.add(listener);
      return { dispose: () => listeners.delete(listener) };
    },
  };
  return { token, live: () => listeners.size, cancel: () => { cancelled = true; for (const l of [...listeners]) l(undefined); } };
}

describe('Cancellation in the host', function () {
  it('a cancelled token aborts the signal, and the bridge lets go of the token when disposed', () => {
    const t = countingToken();
    const bridge = abortOnCancel(t.token);
    assert.equal(t.live(), 1);
    assert.equal(bridge.signal.aborted, false);
    t.cancel();
    assert.equal(bridge.signal.aborted, true);
    bridge.dispose();
    assert.equal(t.live(), 0, 'no listener is left on the token');
    // A token already cancelled gives an aborted signal at once.
    const source = new vscode.CancellationTokenSource();
    source.cancel();
    assert.equal(abortOnCancel(source.token).signal.aborted, true);
    source.dispose();
  });

  it('withCancellableProgress gives the work a live signal, returns its value and passes a cancel on as a cancellation', async () => {
    let seen: AbortSignal | undefined;
    const value = await withCancellableProgress({ title: 'Alignment: test progress', location: vscode.ProgressLocation.Window }, async (signal) => {
      seen = signal;
      return 42;
    });
    assert.equal(value, 42);
    assert.equal(seen?.aborted, false);
    const failed = await withCancellableProgress({ title: 'Alignment: test progress', location: vscode.ProgressLocation.Window }, async () => {
      throw new CancelledError();
    }).then(() => undefined, (e: unknown) => e);
    assert.equal(isCancellation(failed), true);
    assert.equal(isCancellation(new vscode.CancellationError()), true);
    assert.equal(isCancellation(new Error('boom')), false);
  });
});
