import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AlignError } from '../errors';

/**
 * Who holds a lock. `token` is unique to one acquisition, so a lock is recognised as the same lock
 * (and not a newer one at the same path) before it is broken or released.
 */
interface LockOwner {
  pid: number;
  host: string;
  token: string;
  /** Wall-clock milliseconds when it was taken (for the message and for locks of other hosts). */
  since: number;
}

/** What a waiter saw at the lock path: the owner, or (an unreadable lock) the file's identity. */
interface Seen {
  owner?: LockOwner;
  /** Identity of the file itself, for a lock whose content cannot be read. */
  stat: { ino: number; size: number; mtimeMs: number };
}

/** A lock of another machine (a shared folder) cannot be checked by pid: it is stale after this. */
const OTHER_HOST_STALE_MS = 10 * 60_000;
/** A lock without a readable owner (left by an older version, or planted) is stale after this. */
const UNREADABLE_STALE_MS = 10_000;

/** Tokens of the locks this process holds now. */
const heldHere = new Set<string>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `work` while holding `<file>.lock`, a lock shared by every process that writes the file (the
 * extension and the CLI, on this machine or another sharing the folder).
 *
 * - Taking it: the owner (pid, host, a fresh token) is written to a temporary file first, then
 *   hard-linked to the lock name. link() never replaces an existing name, so exactly one process
 *   wins, and the lock never exists without its owner in it.
 * - Breaking it: only when the owner is gone (its pid is dead on this host; or, from another
 *   host, it is very old). Breakers take a second lock (`<file>.lock.break`) so only one breaks at
 *   a time, then remove the lock only if it still carries the token they judged stale.
 * - Releasing it: only if it still carries this acquisition's token.
 */
export async function withFileLock<T>(file: string, work: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const lockPath = `${file}.lock`;
  const me = await acquire(lockPath, file, timeoutMs);
  try {
    return await work();
  } finally {
    heldHere.delete(me.token);
    releaseIfOwn(lockPath, me.token);
  }
}

function newOwner(): LockOwner {
  return { pid: process.pid, host: os.hostname(), token: randomBytes(12).toString('hex'), since: Date.now() };
}

async function acquire(lockPath: string, file: string, timeoutMs: number): Promise<LockOwner> {
  const started = Date.now();
  let delay = 2;
  for (;;) {
    const me = newOwner();
    if (tryPublish(lockPath, me)) {
      heldHere.add(me.token);
      return me;
    }
    const seen = look(lockPath);
    if (seen && isStale(seen)) {
      breakStale(lockPath, seen);
      await sleep(1);
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      const who = seen?.owner ? ` (process ${seen.owner.pid} on ${seen.owner.host} since ${new Date(seen.owner.since).toISOString()})` : '';
      throw new AlignError(
        `${file} is locked by another process${who}; lock file ${lockPath}.`,
        'dataset-locked',
        'Wait for the other save to finish; if no other program is writing, delete the lock file.',
      );
    }
    // Jitter so waiters that woke together do not collide again.
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 50);
  }
}

/** Creates `lockPath` holding `me`, or returns false when it exists. */
function tryPublish(lockPath: string, me: LockOwner): boolean {
  fs.mkdirSync(path.dirname(lockPath), { recursive: true });
  const tmp = `${lockPath}.${me.token}.tmp`;
  try {
    // writeFileSync writes every byte or throws (a full disk fails here, before anything is locked).
    fs.writeFileSync(tmp, JSON.stringify(me), { flag: 'wx' });
    fs.linkSync(tmp, lockPath);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS' || code === 'EOPNOTSUPP') return publishWithoutLink(lockPath, me);
    throw e;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * For file systems without hard links (FAT, some network shares): exclusive create, then the owner.
 * A waiter that reads it empty in between sees no owner and waits UNREADABLE_STALE_MS.
 */
function publishWithoutLink(lockPath: string, me: LockOwner): boolean {
  let fd: number;
  try {
    fd = fs.openSync(lockPath, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    fs.writeFileSync(fd, JSON.stringify(me));
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/** The lock as it is now, or undefined when there is none. Never follows a link. */
function look(lockPath: string): Seen | undefined {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(lockPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const stat = { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
  if (!st.isFile()) return { stat };
  try {
    const fd = fs.openSync(lockPath, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
    try {
      return { owner: parseOwner(fs.readFileSync(fd, 'utf8')), stat };
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return { stat };
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (Number.isInteger(o.pid) && (o.pid as number) > 0 && typeof o.host === 'string' && typeof o.token === 'string' && typeof o.since === 'number') {
      return o as LockOwner;
    }
  } catch {
    // Not ours: an older version wrote "pid time".
  }
  const old = /^(\d+) (\d+)$/.exec(text.trim());
  if (old) return { pid: Number(old[1]), host: os.hostname(), token: `legacy:${text.trim()}`, since: Number(old[2]) };
  return undefined;
}

function isStale(seen: Seen): boolean {
  const o = seen.owner;
  if (!o) return Date.now() - seen.stat.mtimeMs > UNREADABLE_STALE_MS;
  if (o.host !== os.hostname()) return Date.now() - o.since > OTHER_HOST_STALE_MS;
  if (o.pid === process.pid) return !heldHere.has(o.token);
  try {
    process.kill(o.pid, 0);
    return false;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code !== 'EPERM';
  }
}

function sameLock(a: Seen, b: Seen): boolean {
  if (a.owner || b.owner) return a.owner?.token !== undefined && a.owner.token === b.owner?.token;
  return a.stat.ino === b.stat.ino && a.stat.size === b.stat.size && a.stat.mtimeMs === b.stat.mtimeMs;
}

/**
 * Removes the lock judged stale, and only that one. Breakers are serialised by a second lock, and
 * only a breaker ever removes a lock it does not own, so between the check that the lock still
 * carries the judged token and the unlink nobody else can replace it (its owner is dead).
 */
function breakStale(lockPath: string, judged: Seen): void {
  const breakPath = `${lockPath}.break`;
  const me = newOwner();
  if (!tryPublish(breakPath, me)) {
    // Another process is breaking it. If that breaker died in the act, clear its break lock.
    const breaker = look(breakPath);
    if (breaker && isStale(breaker)) removeStaleBreakLock(breakPath, breaker);
    return;
  }
  heldHere.add(me.token);
  try {
    const now = look(lockPath);
    if (now && sameLock(now, judged)) fs.rmSync(lockPath, { force: true });
  } finally {
    heldHere.delete(me.token);
    releaseIfOwn(breakPath, me.token);
  }
}

/**
 * A break lock left by a dead breaker: renamed away first, so it is removed only if it is the one
 * judged stale; a live one renamed by mistake is put back (link never replaces).
 */
function removeStaleBreakLock(breakPath: string, judged: Seen): void {
  const grave = `${breakPath}.${randomBytes(6).toString('hex')}.stale`;
  try {
    fs.renameSync(breakPath, grave);
  } catch {
    return; // already gone
  }
  const moved = look(grave);
  if (moved && !sameLock(moved, judged)) {
    try {
      fs.linkSync(grave, breakPath);
    } catch {
      // A new breaker holds it already; the one moved away finds its release a no-op.
    }
  }
  fs.rmSync(grave, { force: true });
}

function releaseIfOwn(lockPath: string, token: string): void {
  const seen = look(lockPath);
  // Not ours any more (broken by a process that judged us dead): removing it would free someone else's.
  if (seen?.owner?.token === token) fs.rmSync(lockPath, { force: true });
}
