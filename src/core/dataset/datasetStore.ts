import * as fs from 'node:fs';
import * as path from 'node:path';
import { isUtf8 } from 'node:buffer';
import type { CorruptLine, FeedbackRecord, Rating, TaskInstance } from './instanceTypes';
import type { TaskSpec } from '../tasks/taskTypes';
import { AlignError, writeFailureReason } from '../errors';
import { appendJsonlLine, readFileNoFollow, readJsonl, readJsonlBatches, writeFileAtomic } from './jsonlFile';
import { withFileLock } from './fileLock';
import { assertNoLinkBelow, assertNotLink } from './datasetPaths';
import { validateFeedback, validateInstance } from './instanceValidation';
import { readSplitConfig, withSplit } from '../evaluation/splits';

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

  async readInstances(taskId: string): Promise<{ instances: TaskInstance[]; corrupt: CorruptLine[] }> {
    const { records, corrupt } = readJsonl(this.checked(this.instancesPath(taskId)), (raw) => validateInstance(raw));
    return { instances: records.map((r) => r.value), corrupt };
  }

  /** The same records as readInstances, a few megabytes at a time (for exports of any size). */
  async *readInstanceBatches(taskId: string): AsyncGenerator<{ instances: TaskInstance[]; corrupt: CorruptLine[] }> {
    for await (const { records, corrupt } of readJsonlBatches(this.checked(this.instancesPath(taskId)), (raw) => validateInstance(raw))) {
      yield { instances: records.map((r) => r.value), corrupt };
    }
  }

  async countInstances(taskId: string): Promise<number> {
    return (await this.readInstances(taskId)).instances.length;
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
      await withFileLock(file, async () => appendJsonlLine(file, checked));
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
    const { records, corrupt } = readJsonl(this.checked(this.feedbackPath(taskId)), (raw) => validateFeedback(raw));
    return { records: records.map((r) => r.value), corrupt };
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
        const bytes = readFileNoFollow(file);
        if (!bytes) throw new AlignError(`${file} does not exist.`, 'no-instance', 'Refresh the view.');
        const needle = Buffer.from(id, 'utf8');
        const out: Buffer[] = [];
        let found = false;
        let start = 0;
        for (;;) {
          const nl = bytes.indexOf(0x0a, start);
          const line = bytes.subarray(start, nl === -1 ? bytes.length : nl);
          const current = !found && line.includes(needle) ? readableWithId(line, id) : undefined;
          if (current) {
            found = true;
            const next = change(current);
            if (next) out.push(Buffer.from(JSON.stringify(validateBeforeWrite(next)), 'utf8'));
          } else {
            out.push(line);
          }
          if (nl === -1) break;
          start = nl + 1;
        }
        if (!found) throw new AlignError(`Instance ${id} is not in ${file}.`, 'no-instance', 'Refresh the view: it may have been deleted elsewhere.');
        // Lines joined by the newlines they had: a removed line takes its own newline with it.
        const joined: Buffer[] = [];
        out.forEach((b, i) => {
          if (i) joined.push(NEWLINE);
          joined.push(b);
        });
        writeFileAtomic(file, Buffer.concat(joined));
      });
    } catch (e) {
      if (AlignError.is(e)) throw e;
      writeError(e, file);
    }
  }
}

const NEWLINE = Buffer.from('\n');

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
