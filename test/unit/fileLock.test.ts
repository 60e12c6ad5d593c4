// The lock's rules, each produced with real processes and real lock files: a dead owner's lock is
// broken, a live owner's never; a lock seen without its owner yet is not taken for dead; a lock
// is released only by the acquisition that took it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { withFileLock } from '../../src/core/dataset/fileLock';
import { AlignError } from '../../src/core/errors';
import { tempDir } from '../support/tempDir';

const tmp = () => tempDir('align-lock-');

function ownerJson(pid: number, token: string): string {
  return JSON.stringify({ pid, host: os.hostname(), token, since: Date.now() });
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('a lock left by a process that died is broken, and the work runs', async () => {
  const file = path.join(tmp(), 'instances.jsonl');
  fs.writeFileSync(`${file}.lock`, ownerJson(deadPid(), 'dead-owner'));
  let ran = false;
  await withFileLock(file, async () => {
    ran = true;
    assert.match(fs.readFileSync(`${file}.lock`, 'utf8'), new RegExp(`"pid":${process.pid}`), 'the lock is now ours, owner written');
  });
  assert.ok(ran);
  assert.equal(fs.existsSync(`${file}.lock`), false);
  assert.deepEqual(fs.readdirSync(path.dirname(file)), [], 'no temporary or break files left');
});

test('a lock held by a live process is never broken: the waiter gives up naming the owner and the lock file', async (t) => {
  const file = path.join(tmp(), 'instances.jsonl');
  const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  t.after(() => live.kill());
  const lock = ownerJson(live.pid!, 'live-owner');
  fs.writeFileSync(`${file}.lock`, lock);
  await assert.rejects(
    withFileLock(file, async () => assert.fail('ran while another process held the lock'), 600),
    (e: unknown) => AlignError.is(e) && e.code === 'dataset-locked' && e.message.includes(`process ${live.pid}`) && e.message.includes(`${file}.lock`),
  );
  assert.equal(fs.readFileSync(`${file}.lock`, 'utf8'), lock);
});

test('a lock file seen before its owner is in it (an older writer) is not taken for a dead one', async () => {
  const file = path.join(tmp(), 'instances.jsonl');
  // Created this instant, still empty: its owner may be writing its pid right now.
  fs.writeFileSync(`${file}.lock`, '');
  await assert.rejects(
    withFileLock(file, async () => assert.fail('broke a lock whose owner had not written its pid yet'), 600),
    (e: unknown) => AlignError.is(e) && e.code === 'dataset-locked',
  );
  assert.equal(fs.existsSync(`${file}.lock`), true);
});

test('a lock is released only by its owner: one replaced while the work ran is left in place', async () => {
  const file = path.join(tmp(), 'instances.jsonl');
  const other = ownerJson(process.pid + 1_000_000, 'someone-else');
  await withFileLock(file, async () => {
    // Another process took over (as a mistaken breaker would): it is theirs now.
    fs.rmSync(`${file}.lock`);
    fs.writeFileSync(`${file}.lock`, other);
  });
  assert.equal(fs.readFileSync(`${file}.lock`, 'utf8'), other);
});

test('two acquisitions in one process take turns', async () => {
  const file = path.join(tmp(), 'instances.jsonl');
  let inside = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: 8 }, () =>
      withFileLock(file, async () => {
        inside++;
        most = Math.max(most, inside);
        await new Promise((r) => setTimeout(r, 5));
        inside--;
      }),
    ),
  );
  assert.equal(most, 1);
});
