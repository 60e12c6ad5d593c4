// scripts/unit-tests.sh gives each test file its own TMPDIR and fails the run when anything is left
// in it. That only catches what lands there: os.tmpdir() in this process, in the child processes
// tests spawn (the CLI, the MCP server, lock racers) and in worker threads (PDF and library workers)
// must all point into it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';

const runTmp = process.env.ALIGN_TEST_TMPDIR;
const skip = runTmp ? false : 'not run by scripts/unit-tests.sh (no ALIGN_TEST_TMPDIR)';

test("this test file's temp dir is its own folder inside the runner's", { skip }, () => {
  assert.equal(os.tmpdir(), process.env.TMPDIR);
  assert.equal(path.dirname(os.tmpdir()), runTmp);
  assert.equal(path.basename(os.tmpdir()), 'unit.tmpdirHygiene');
});

test('a child process and a worker thread have the same temp dir', { skip }, async () => {
  const child = execFileSync(process.execPath, ['-e', "process.stdout.write(require('node:os').tmpdir())"], { encoding: 'utf8' });
  assert.equal(child, os.tmpdir());
  const worker = new Worker("require('node:worker_threads').parentPort.postMessage(require('node:os').tmpdir())", { eval: true });
  const inWorker = await new Promise((resolve, reject) => worker.once('message', resolve).once('error', reject));
  await worker.terminate();
  assert.equal(inWorker, os.tmpdir());
});
