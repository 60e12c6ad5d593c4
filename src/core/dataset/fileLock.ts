import * as fs from 'node:fs';
import * as path from 'node:path';
import { AlignError } from '../errors';

/** A lock older than this is taken to belong to a process that died holding it. */
const STALE_MS = 30_000;

function ownerAlive(lockPath: string): boolean {
  try {
    const [pidText, timeText] = fs.readFileSync(lockPath, 'utf8').split(' ');
    const pid = Number(pidText);
    if (Date.now() - Number(timeText) > STALE_MS) return false;
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `work` while holding `<file>.lock`, a lock shared by every process that writes the file (the
 * extension and the CLI). The lock file is created exclusively; a lock left by a dead process is
 * broken. Released in all cases.
 */
export async function withFileLock<T>(file: string, work: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const lockPath = `${file}.lock`;
  const started = Date.now();
  let delay = 2;
  for (;;) {
    try {
      const fd = fs.openSync(lockPath, 'wx');
      fs.writeSync(fd, `${process.pid} ${Date.now()}`);
      fs.closeSync(fd);
      break;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        fs.mkdirSync(path.dirname(lockPath), { recursive: true });
        continue;
      }
      if (code !== 'EEXIST') throw e;
      if (!ownerAlive(lockPath)) {
        // Remove the stale lock; if another process beat us to it, the next loop sorts it out.
        fs.rmSync(lockPath, { force: true });
        continue;
      }
      if (Date.now() - started > timeoutMs) {
        throw new AlignError(
          `${file} is locked by another process (lock file ${lockPath}).`,
          'dataset-locked',
          'Wait for the other save to finish; if no other program is writing, delete the lock file.',
        );
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 50);
    }
  }
  try {
    return await work();
  } finally {
    fs.rmSync(lockPath, { force: true });
  }
}
