// A real small disk for the durability tests: a tmpfs mounted for the test and unmounted after.
// CI runs as root and mounts directly; elsewhere the test file re-runs itself inside
// `unshare -rm` (a user and mount namespace where it may mount); with neither it is skipped, saying why.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';

export type DiskMode = { kind: 'mount' } | { kind: 'unshare' } | { kind: 'none'; reason: string };

function canMountHere(): string | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'align-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'pipe' });
    execFileSync('umount', [dir], { stdio: 'pipe' });
    return undefined;
  } catch (e) {
    return (e as { stderr?: Buffer }).stderr?.toString().trim() || (e as Error).message;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** How this process can get a tmpfs: mount it, re-run under unshare, or not at all (and why). */
export function diskMode(): DiskMode {
  const mountProblem = canMountHere();
  if (!mountProblem) return { kind: 'mount' };
  if (process.env.ALIGN_IN_UNSHARE) return { kind: 'none', reason: `mount fails even inside unshare: ${mountProblem}` };
  const probe = spawnSync('unshare', ['-rm', 'true'], { stdio: 'pipe' });
  if (probe.status === 0) return { kind: 'unshare' };
  return { kind: 'none', reason: `not root (${mountProblem}) and unshare -rm is not allowed (${probe.stderr?.toString().trim() || probe.error?.message})` };
}

/** Re-runs a test file inside `unshare -rm`; resolves with its exit code and output. */
export function rerunInUnshare(testFile: string): { status: number | null; output: string } {
  // Without NODE_TEST_CONTEXT: set by the outer runner, it makes the inner one skip its files.
  const { NODE_TEST_CONTEXT: _outer, ...env } = process.env;
  const r = spawnSync('unshare', ['-rm', process.execPath, '--import', 'tsx', '--test', '--test-reporter=spec', testFile], {
    env: { ...env, ALIGN_IN_UNSHARE: '1' },
    encoding: 'utf8',
    timeout: 600_000,
  });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

/** A mounted tmpfs of `bytes`; `dispose` unmounts it and removes the folder. */
export function mountTmpfs(bytes: number): { dir: string; dispose: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'align-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    dir,
    dispose: () => {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Bytes free on the file system holding `dir`. */
export function freeBytes(dir: string): number {
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
}

/**
 * Fills the disk with a filler file, then gives back enough that `leave` bytes are free (rounded to
 * the file system's blocks). Returns the filler's path; delete it to free the space again.
 */
export function fillDiskLeaving(dir: string, leave: number): string {
  const filler = path.join(dir, 'filler.bin');
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(4096, 0x61);
  try {
    for (;;) {
      try {
        if (fs.writeSync(fd, chunk) < chunk.length) break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOSPC') break;
        throw e;
      }
    }
    const size = fs.fstatSync(fd).size;
    fs.ftruncateSync(fd, Math.max(0, size - leave));
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}
