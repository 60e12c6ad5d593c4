// Real processes racing on one dataset: six save while two rate, edit and delete, round after
// round. The lock must be exclusive across processes: every save that reported success is on disk
// exactly once, every delete took exactly its own instance, and no line is torn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { DatasetStore } from '../../src/core/dataset/datasetStore';
import { killAndWait } from '../support/childProcesses';

const ROUNDS = Number(process.env.ALIGN_RACE_ROUNDS ?? 5);
const APPENDERS = 6;
const REWRITERS = 2;
const APPENDS = 40;
const REWRITES = 30;

interface WorkerRun {
  saved: string[];
  deleted: string[];
  failed: string[];
  code: number | null;
}

const running = new Set<ChildProcess>();

function runWorker(args: string[]): Promise<WorkerRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/appendWorker.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.on('exit', () => running.delete(child));
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      const lines = out.split('\n').filter(Boolean);
      resolve({
        saved: lines.filter((l) => !l.startsWith('DELETED ')),
        deleted: lines.filter((l) => l.startsWith('DELETED ')).map((l) => l.slice('DELETED '.length)),
        failed: err.split('\n').filter(Boolean),
        code,
      });
    }),
  );
}

test(`${APPENDERS} processes saving while ${REWRITERS} rate, edit and delete, ${ROUNDS} rounds: every reported save is on disk exactly once, no line torn`, { timeout: 900_000 }, async (t) => {
  const lost: number[] = [];
  let failures = 0;
  let problems: string[] = [];
  // Registered first, so it runs before the folders are removed: no racer outlives a failed round.
  t.after(() => killAndWait(running));
  for (let round = 0; round < ROUNDS; round++) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'align-race-'));
    t.after(() => fs.rmSync(root, { recursive: true, force: true }));
    const runs = await Promise.all([
      ...Array.from({ length: APPENDERS }, (_, i) => runWorker([root, `r${round}w${i}`, String(APPENDS)])),
      ...Array.from({ length: REWRITERS }, (_, i) => runWorker(['rewrite', root, `r${round}x${i}`, String(REWRITES)])),
    ]);
    assert.deepEqual(runs.map((r) => r.code), runs.map(() => 0), runs.flatMap((r) => r.failed).join('\n'));
    const { instances, corrupt } = await new DatasetStore(root).readInstances('paper-qa');
    const count = new Map<string, number>();
    for (const i of instances) count.set(i.id, (count.get(i.id) ?? 0) + 1);
    const deleted = new Set(runs.flatMap((r) => r.deleted));
    const saved = runs.flatMap((r) => r.saved);
    const missing = saved.filter((id) => !deleted.has(id) && count.get(id) !== 1);
    const undeleted = [...deleted].filter((id) => count.has(id));
    lost.push(missing.length);
    failures += runs.reduce((n, r) => n + r.failed.length, 0);
    problems = problems.concat(
      missing.slice(0, 5).map((id) => `round ${round}: ${id} reported saved, found ${count.get(id) ?? 0} times`),
      undeleted.map((id) => `round ${round}: ${id} reported deleted, still there`),
      corrupt.map((c) => `round ${round}: line ${c.line} unreadable: ${c.reason}`),
    );
    assert.ok(instances.every((i) => i.input.dialogue[0].content.endsWith('x'.repeat(3000))), 'no record is garbled');
  }
  t.diagnostic(`rounds ${ROUNDS}; saves lost per round ${JSON.stringify(lost)}; failures reported by workers ${failures}`);
  assert.deepEqual(problems, []);
});
