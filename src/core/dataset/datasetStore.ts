import * as fs from 'node:fs';
import * as path from 'node:path';
import { isUtf8 } from 'node:buffer';
import type { CorruptLine, FeedbackRecord, Rating, TaskInstance } from './instanceTypes';
import type { TaskSpec } from '../tasks/taskTypes';
import { AlignError, writeFailureReason } from '../errors';
import { appendJsonlLine, readFileNoFollowAsync, readJsonlBatches, writeFileAtomic, writeFileAtomicAsync } from './jsonlFile';
import { withFileLock } from './fileLock';
import { assertNoLinkBelow, assertNotLink } from './datasetPaths';
import { validateFeedback, validateInstance } from './instanceValidation';
import { readSplitConfig, withSplit } from '../evaluation/splits';
import {
  decodeSummary,
  discardSummary,
  InstanceSummary,
  recordAppend,
  sameStamp,
  scanInstances,
  stampOf,
  summaryAfterRewrite,
  summaryEntryOf,
  summaryPath,
  writeSummaryFile,
  type SummaryEntry,
} from './instanceSummary';

const TASK_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** Turns a failed write into a message that names the path and the fix; nothing was half-written. */
function writeError(e: unknown, file: string): never {
  if (AlignError.is(e)) throw e;
  throw new AlignError(
    `Could not save to ${file}: ${writeFailureReason(e)}.`,
    'dataset-write',
    'Nothing was written and the answer is kept. Choose a writable dataset folder (setting alignment.datasetFolder, or --dataset DIR) or free some space, then save again.',
    { cause: e },
  );
}

/**
 * The dataset on disk: `<root>/<task-id>/task.json`, `instances.jsonl` and `feedback.jsonl`.
 * New records are appended under a lock shared with other processes; edits and deletions rewrite
 * the file atomically and keep every unreadable line byte for byte.
 */
export class DatasetStore {
  /** Summaries read by this store, by instances file, with the summary file's identity when read. */
  private readonly summaries = new Map<string, { summary: InstanceSummary; ino: bigint; bytes: number }>();
  private readonly loading = new Map<string, Promise<InstanceSummary>>();

  /**
   * `linkedRoot: 'refuse'` when the dataset folder was not chosen by the researcher (the default
   * folder of a repository they have not trusted, or of the directory the CLI runs in): a repository
   * can ship `alignment-tasks` itself as a link to anywhere.
   */
  constructor(
    readonly root: string,
    private readonly opts: { linkedRoot?: 'allow' | 'refuse' } = {},
  ) {}

  taskDir(taskId: string): string {
    if (!TASK_ID.test(taskId)) throw new AlignError(`"${taskId}" is not a valid task id.`, 'bad-task-id', 'Use lower-case letters, digits and dashes.');
    return path.join(this.root, taskId);
  }

  instancesPath(taskId: string): string {
    return path.join(this.taskDir(taskId), 'instances.jsonl');
  }

  feedbackPath(taskId: string): string {
    return path.join(this.taskDir(taskId), 'feedback.jsonl');
  }

  taskSpecPath(taskId: string): string {
    return path.join(this.taskDir(taskId), 'task.json');
  }

  /** A file of the dataset, refused when its task folder or the file itself is a symbolic link. */
  private checked(file: string): string {
    if (this.opts.linkedRoot === 'refuse') assertNotLink(this.root);
    assertNoLinkBelow(this.root, file);
    return file;
  }

  async writeTaskSpec(spec: TaskSpec): Promise<string> {
    const file = this.taskSpecPath(spec.id);
    try {
      writeFileAtomic(this.checked(file), JSON.stringify(spec, null, 2) + '\n');
    } catch (e) {
      writeError(e, file);
    }
    return file;
  }

  /** Every instance of the task; read a megabyte at a time, so the event loop gets turns while it reads. */
  async readInstances(taskId: string): Promise<{ instances: TaskInstance[]; corrupt: CorruptLine[] }> {
    const instances: TaskInstance[] = [];
    const corrupt: CorruptLine[] = [];
    for await (const batch of this.readInstanceBatches(taskId)) {
      for (const i of batch.instances) instances.push(i);
      corrupt.push(...batch.corrupt);
    }
    return { instances, corrupt };
  }

  /**
   * The last `limit` instances in file order (the newest saves), with the task's total and its
   * unreadable lines, read from their own lines by the summary: the dataset view's children.
   */
  async recentInstances(taskId: string, limit: number): Promise<{ instances: TaskInstance[]; total: number; corrupt: CorruptLine[]; corruptCount: number }> {
    const file = this.instancesPath(taskId);
    const summary = await this.summaryOf(taskId);
    const from = Math.max(0, summary.count - limit);
    const entries = Array.from({ length: summary.count - from }, (_, k) => summary.entry(from + k));
    const read = entries.length ? await this.readInstancesAt(taskId, entries) : [];
    if (read.every((i) => i)) return { instances: read as TaskInstance[], total: summary.count, corrupt: summary.corrupt(file), corruptCount: summary.header.corruptCount };
    // The summary did not match the file (it is discarded by now): read the file itself.
    const all = await this.readInstances(taskId);
    return { instances: all.instances.slice(-limit), total: all.instances.length, corrupt: all.corrupt, corruptCount: all.corrupt.length };
  }

  /** The same records as readInstances, a few megabytes at a time (for exports of any size). */
  async *readInstanceBatches(taskId: string): AsyncGenerator<{ instances: TaskInstance[]; corrupt: CorruptLine[] }> {
    for await (const { records, corrupt } of readJsonlBatches(this.checked(this.instancesPath(taskId)), (raw) => validateInstance(raw))) {
      yield { instances: records.map((r) => r.value), corrupt };
    }
  }

  async countInstances(taskId: string): Promise<number> {
    return (await this.summaryOf(taskId)).count;
  }

  /**
   * How many readable instances a task has and its unreadable lines (the first ones, with their
   * total), from the task's summary: no instance is parsed unless the summary must be rebuilt.
   */
  async instanceCounts(taskId: string): Promise<{ count: number; corrupt: CorruptLine[]; corruptCount: number }> {
    const file = this.instancesPath(taskId);
    const summary = await this.summaryOf(taskId);
    return { count: summary.count, corrupt: summary.corrupt(file), corruptCount: summary.header.corruptCount };
  }

  /**
   * The task's summary (instanceSummary.ts), true of instances.jsonl as it is now: the one in
   * memory, extended by the records other saves appended, or read from disk, or rebuilt from the
   * instances file when the one on disk is stale, missing or damaged.
   */
  async summaryOf(taskId: string): Promise<InstanceSummary> {
    const file = this.checked(this.instancesPath(taskId));
    const pending = this.loading.get(file);
    if (pending) return pending;
    const load = this.loadSummary(file).finally(() => this.loading.delete(file));
    this.loading.set(file, load);
    return load;
  }

  private async loadSummary(file: string): Promise<InstanceSummary> {
    const now = await stampOf(file);
    if (!now) return new InstanceSummary({ size: 0, mtimeNs: '0', tail: 0, corrupt: [], corruptCount: 0 }, Buffer.alloc(0));
    const target = summaryPath(file);
    try {
      const st = await fs.promises.lstat(target, { bigint: true });
      const cached = this.summaries.get(file);
      const size = Number(st.size);
      if (st.isFile() && cached && cached.ino === st.ino && size >= cached.bytes) {
        if (size > cached.bytes) {
          // Only the records appended since: the rest is unchanged (a rewrite would be a new file).
          const handle = await fs.promises.open(target, fs.constants.O_RDONLY | NOFOLLOW);
          try {
            const more = Buffer.alloc(size - cached.bytes);
            const { bytesRead } = await handle.read(more, 0, more.length, cached.bytes);
            if (bytesRead === more.length && more.length % 48 === 0) {
              cached.summary.append(more);
              cached.bytes = size;
            } else this.summaries.delete(file);
          } finally {
            await handle.close();
          }
        }
        const kept = this.summaries.get(file);
        if (kept && sameStamp(kept.summary.stamp(), now)) return kept.summary;
      } else if (st.isFile()) {
        const bytes = await fs.promises.readFile(target, { flag: fs.constants.O_RDONLY | NOFOLLOW });
        const summary = decodeSummary(bytes);
        if (summary && sameStamp(summary.stamp(), now)) {
          this.summaries.set(file, { summary, ino: st.ino, bytes: bytes.length });
          return summary;
        }
      }
    } catch {
      // A missing or unreadable summary is rebuilt like a stale one.
    }
    return this.rebuildSummary(file);
  }

  /** Summarises instances.jsonl again and keeps the result when the file held still while it was read. */
  private async rebuildSummary(file: string): Promise<InstanceSummary> {
    this.summaries.delete(file);
    const scan = await scanInstances(file);
    if (!scan) return new InstanceSummary({ size: 0, mtimeNs: '0', tail: 0, corrupt: [], corruptCount: 0 }, Buffer.alloc(0));
    const bytes = scan.bytes;
    const summary = decodeSummary(bytes)!;
    if (scan.stable) {
      try {
        const target = summaryPath(file);
        await writeSummaryFile(target, bytes);
        const st = await fs.promises.lstat(target, { bigint: true });
        this.summaries.set(file, { summary, ino: st.ino, bytes: bytes.length });
      } catch {
        // A read-only dataset folder still works: the summary is kept in memory only.
      }
    }
    return summary;
  }

  /**
   * Reads instances by their summary entries, each from its own line; undefined for an entry whose
   * line no longer holds the instance it described (the summary is then discarded).
   */
  async readInstancesAt(taskId: string, entries: readonly SummaryEntry[]): Promise<(TaskInstance | undefined)[]> {
    const file = this.checked(this.instancesPath(taskId));
    const handle = await fs.promises.open(file, fs.constants.O_RDONLY | NOFOLLOW);
    const out: (TaskInstance | undefined)[] = [];
    let wrong = false;
    try {
      for (const e of entries) {
        const line = Buffer.alloc(e.length);
        const { bytesRead } = await handle.read(line, 0, e.length, e.offset);
        const inst = bytesRead === e.length ? readableInstance(line) : undefined;
        const same = inst && sameEntry(summaryEntryOf(inst, e.offset, e.length), e);
        if (!same) wrong = true;
        out.push(same ? inst : undefined);
      }
    } finally {
      await handle.close();
    }
    if (wrong) {
      this.summaries.delete(file);
      await discardSummary(file);
    }
    return out;
  }

  /** Appends an instance; writes `spec` as task.json first when the task has none yet. */
  async appendInstance(instance: TaskInstance, spec?: TaskSpec): Promise<void> {
    const valid = validateBeforeWrite(instance);
    const file = this.instancesPath(valid.taskId);
    try {
      this.checked(file);
      // In a split task a new save records its side by the task's rule (evaluation/splits.ts), so
      // every instance carries its `split` field and nothing already placed ever moves.
      const checked = withSplit(valid, readSplitConfig(this, valid.taskId));
      if (spec && spec.id === checked.taskId && !fs.existsSync(this.taskSpecPath(spec.id))) {
        const { origin: _o, specPath: _p, ...plain } = spec as TaskSpec & { origin?: unknown; specPath?: unknown };
        await this.writeTaskSpec(plain as TaskSpec);
      }
      await withFileLock(file, async () => {
        // The summary is a cache: nothing about it may fail a save (recordAppend never throws).
        const before = await stampOf(file).catch(() => undefined);
        const line = appendJsonlLine(file, checked);
        await recordAppend(file, before, line, checked);
      });
    } catch (e) {
      writeError(e, file);
    }
  }

  async appendFeedback(record: FeedbackRecord): Promise<void> {
    validateFeedback(record);
    const file = this.feedbackPath(record.taskId);
    try {
      this.checked(file);
      await withFileLock(file, async () => appendJsonlLine(file, record));
    } catch (e) {
      writeError(e, file);
    }
  }

  async readFeedback(taskId: string): Promise<{ records: FeedbackRecord[]; corrupt: CorruptLine[] }> {
    const records: FeedbackRecord[] = [];
    const corrupt: CorruptLine[] = [];
    for await (const batch of readJsonlBatches(this.checked(this.feedbackPath(taskId)), (raw) => validateFeedback(raw))) {
      for (const r of batch.records) records.push(r.value);
      corrupt.push(...batch.corrupt);
    }
    return { records, corrupt };
  }

  async updateInstance(taskId: string, id: string, patch: { output?: string; rating?: Rating }): Promise<TaskInstance> {
    let updated: TaskInstance | undefined;
    await this.rewrite(taskId, id, (inst) => {
      const next: TaskInstance = { ...inst };
      if (patch.output !== undefined && patch.output !== inst.output) {
        if (!patch.output.trim()) throw new AlignError('The new output is empty.', 'empty-output', 'Write the answer you want to keep.');
        // The model's answer stays the first version ever saved, whatever is edited later.
        next.originalOutput = inst.originalOutput ?? inst.output;
        next.output = patch.output;
      }
      if (patch.rating) next.rating = patch.rating;
      updated = next;
      return next;
    });
    return updated!;
  }

  async deleteInstance(taskId: string, id: string): Promise<void> {
    await this.rewrite(taskId, id, () => undefined);
  }

  /**
   * Rewrites instances.jsonl with one record changed or removed. The file is handled as bytes, so
   * every other line (an unreadable one too, whatever its encoding) is written back exactly; the
   * new file replaces the old only once it is written in full. The record changed is the first
   * readable line with that id: an unreadable line that carries the same id is kept, not blamed.
   */
  private async rewrite(taskId: string, id: string, change: (inst: TaskInstance) => TaskInstance | undefined): Promise<void> {
    const file = this.instancesPath(taskId);
    try {
      this.checked(file);
      await withFileLock(file, async () => {
        // The summary as it stood before, if it was true of the file: it is then updated, not rebuilt.
        const before = await stampOf(file).catch(() => undefined);
        const inMemory = this.summaries.get(file)?.summary;
        const prior = inMemory && sameStamp(inMemory.stamp(), before) ? inMemory : await decodeSummaryFile(file);
        const usable = prior && sameStamp(prior.stamp(), before) ? prior : undefined;
        const bytes = await readFileNoFollowAsync(file);
        if (!bytes) throw new AlignError(`${file} does not exist.`, 'no-instance', 'Refresh the view.');
        // Only lines that contain the id can be the one: found by searching the bytes, not by
        // splitting 100,000 lines.
        const needle = Buffer.from(id, 'utf8');
        let changed: { offset: number; oldLength: number; next?: Buffer } | undefined;
        let written: Buffer[] | undefined;
        for (let hit = bytes.indexOf(needle); hit !== -1 && !written; ) {
          const start = bytes.lastIndexOf(0x0a, hit) + 1;
          const nl = bytes.indexOf(0x0a, hit);
          const end = nl === -1 ? bytes.length : nl;
          const current = readableWithId(bytes.subarray(start, end), id);
          if (current) {
            const next = change(current);
            const nextBytes = next ? Buffer.from(JSON.stringify(validateBeforeWrite(next)), 'utf8') : undefined;
            changed = { offset: start, oldLength: end - start, next: nextBytes };
            // The other lines keep their bytes; a removed line takes its own newline with it (or,
            // the last line without one, the newline before it).
            if (nextBytes) written = [bytes.subarray(0, start), nextBytes, bytes.subarray(end)];
            else if (nl !== -1) written = [bytes.subarray(0, start), bytes.subarray(nl + 1)];
            else written = [bytes.subarray(0, Math.max(0, start - 1))];
          }
          hit = nl === -1 ? -1 : bytes.indexOf(needle, nl + 1);
        }
        if (!written || !changed) throw new AlignError(`Instance ${id} is not in ${file}.`, 'no-instance', 'Refresh the view: it may have been deleted elsewhere.');
        await writeFileAtomicAsync(file, written);
        await this.afterRewrite(file, usable, changed, written.reduce((n, b) => n + b.length, 0));
      });
    } catch (e) {
      if (AlignError.is(e)) throw e;
      writeError(e, file);
    }
  }

  /**
   * Under the lock, after a rewrite: the summary updated for the one changed line when it was true
   * of the file before, otherwise removed (the next reader rebuilds it). Never fails the rewrite.
   */
  private async afterRewrite(file: string, prior: InstanceSummary | undefined, changed: { offset: number; oldLength: number; next?: Buffer }, size: number): Promise<void> {
    this.summaries.delete(file);
    try {
      const stamp = await stampOf(file);
      if (!prior || !stamp || stamp.size !== size) throw new Error('no summary to update');
      const next = changed.next ? summaryEntryOf(validateInstance(JSON.parse(changed.next.toString('utf8'))), changed.offset, changed.next.length) : undefined;
      const bytes = summaryAfterRewrite(prior, file, changed.offset, changed.oldLength, next, stamp);
      if (!bytes) throw new Error('the summary cannot follow this change');
      await writeSummaryFile(summaryPath(file), bytes);
    } catch {
      await discardSummary(file);
    }
  }
}

const NOFOLLOW = fs.constants.O_NOFOLLOW ?? 0;

/** A summary file read from disk now, whatever it describes; undefined when missing or damaged. */
async function decodeSummaryFile(file: string): Promise<InstanceSummary | undefined> {
  try {
    const bytes = await readFileNoFollowAsync(summaryPath(file));
    return bytes ? decodeSummary(bytes) : undefined;
  } catch {
    return undefined;
  }
}

/** A line's instance, when it is readable (valid UTF-8, JSON and a valid instance). */
function readableInstance(line: Buffer): TaskInstance | undefined {
  if (!isUtf8(line)) return undefined;
  try {
    return validateInstance(JSON.parse(line.toString('utf8')));
  } catch {
    return undefined;
  }
}

function sameEntry(a: SummaryEntry, b: SummaryEntry): boolean {
  return a.rating === b.rating && a.split === b.split && a.eligible === b.eligible && a.tokens === b.tokens && (a.createdMs === b.createdMs || (Number.isNaN(a.createdMs) && Number.isNaN(b.createdMs)));
}

/** The instance on this line when it is readable and has this id; otherwise the line is kept as it is. */
function readableWithId(line: Buffer, id: string): TaskInstance | undefined {
  if (!isUtf8(line)) return undefined;
  try {
    const parsed = JSON.parse(line.toString('utf8')) as unknown;
    if ((parsed as { id?: unknown } | null)?.id !== id) return undefined;
    return validateInstance(parsed);
  } catch {
    return undefined;
  }
}

/** Refuses to store an instance that could not be read back. */
function validateBeforeWrite(instance: TaskInstance): TaskInstance {
  try {
    return validateInstance(JSON.parse(JSON.stringify(instance)));
  } catch (e) {
    throw new AlignError(`The instance cannot be saved: ${(e as Error).message}.`, 'invalid-instance');
  }
}
