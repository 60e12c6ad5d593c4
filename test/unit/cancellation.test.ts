import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AlignError, CancelledError, isCancellation } from '../../src/core/errors';
import { ModelError } from '../../src/core/model/modelErrors';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/cliIo';

test('every form of cancel the core meets is a cancellation: its own error, the model’s, a code, an aborted signal', async () => {
  assert.equal(isCancellation(new CancelledError()), true);
  assert.equal(isCancellation(new ModelError('cancelled', 'Cancelled.', { partial: 'half' })), true);
  assert.equal(isCancellation(new AlignError('Critique cancelled after 1 of 3 sections.', 'cancelled')), true);
  // What an aborted signal throws from Node's own APIs (a DOMException named AbortError).
  const abort = new AbortController();
  const waiting = sleep(60_000, undefined, { signal: abort.signal });
  abort.abort();
  const thrown = await waiting.then(() => undefined, (e: unknown) => e);
  assert.equal(isCancellation(thrown), true, String(thrown));
  // Copied across bundles, an error keeps its name and code but not its class.
  assert.equal(isCancellation(JSON.parse(JSON.stringify({ name: 'CancelledError', code: 'cancelled' }))), true);
});

test('a time-out, a failure or a non-error is not a cancellation', () => {
  assert.equal(isCancellation(new ModelError('timeout', 'No answer within 120 s.')), false);
  assert.equal(isCancellation(new AlignError('Disk full', 'dataset-write')), false);
  assert.equal(isCancellation(new Error('boom')), false);
  for (const x of [undefined, null, 'cancelled', 0]) assert.equal(isCancellation(x), false);
});

test('align dataset validate shows each problem with its hint (what to do), not the bare message', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'align-hint-'));
  try {
    fs.mkdirSync(path.join(dir, 'alignment-tasks', 'bad'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'alignment-tasks', 'bad', 'task.json'), JSON.stringify({ schemaVersion: 1, id: 'Bad Id', title: 't', context: 'c', inputType: 'i', outputType: 'o', inputKind: 'text' }));
    let out = '';
    const io: CliIo = { stdout: (s) => (out += s), stderr: () => undefined, env: {}, cwd: dir, readStdin: async () => '' };
    const code = await main(['dataset', 'validate'], io);
    assert.equal(code, 1);
    assert.match(out, /^error: .*task\.json \(field "id"\): is missing or not a valid id\. Use lower-case letters, digits and dashes/m);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
