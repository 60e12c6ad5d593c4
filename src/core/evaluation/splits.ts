import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import type { InstanceSplit, TaskInstance } from '../dataset/instanceTypes';
import { AlignError, writeFailureReason } from '../errors';
import { withFileLock } from '../dataset/fileLock';
import { writeFileAtomic } from '../dataset/jsonlFile';

/**
 * A task's split rule, kept in `<task>/split.json`. An instance is in test when
 * `sha256("<seed>:<id>")`, read as a number in [0, 1) from its first 32 bits, is below
 * `testFraction`. The rule depends only on the seed and the instance's own id, so an instance
 * saved after the split lands on a side by the same rule and no earlier instance ever moves.
 */
export interface SplitConfig {
  schemaVersion: 1;
  seed: number;
  testFraction: number;
  createdAt: string;
  /** The rule in words, for people reading the dataset. */
  rule: string;
}

export const SPLIT_RULE = 'test when the first 32 bits of sha256("<seed>:<instance id>") / 2^32 < testFraction';

/** Where the instance's id falls in [0, 1) under the seed. */
export function splitPoint(seed: number, id: string): number {
  return createHash('sha256').update(`${seed}:${id}`).digest().readUInt32BE(0) / 2 ** 32;
}

export function ruleSplit(config: Pick<SplitConfig, 'seed' | 'testFraction'>, id: string): InstanceSplit {
  return splitPoint(config.seed, id) < config.testFraction ? 'test' : 'train';
}

/** The instance's recorded split, else the task's rule; undefined when the task was never split. */
export function effectiveSplit(inst: Pick<TaskInstance, 'id' | 'split'>, config: SplitConfig | undefined): InstanceSplit | undefined {
  return inst.split ?? (config ? ruleSplit(config, inst.id) : undefined);
}

/** Instances that may be shown to a model as worked examples: never one in test. */
export function trainOnly<T extends Pick<TaskInstance, 'id' | 'split'>>(instances: readonly T[], config: SplitConfig | undefined): T[] {
  return instances.filter((i) => effectiveSplit(i, config) !== 'test');
}

/** The instance with its effective split written in (for exports): a copy when it changes, the same object otherwise. */
export function withSplit<T extends Pick<TaskInstance, 'id' | 'split'>>(inst: T, config: SplitConfig | undefined): T {
  if (inst.split || !config) return inst;
  return { ...inst, split: ruleSplit(config, inst.id) };
}

/**
 * Where a task's files are: the dataset store answers it. Named here rather than imported, because
 * the store reads split.json through this module (an import back would be a loop).
 */
export interface TaskFolders {
  taskDir(taskId: string): string;
  instancesPath(taskId: string): string;
}

export function splitConfigPath(store: TaskFolders, taskId: string): string {
  return path.join(store.taskDir(taskId), 'split.json');
}

/** The task's split rule, or undefined when it has none; a damaged file is an error naming it. */
export function readSplitConfig(store: TaskFolders, taskId: string): SplitConfig | undefined {
  const file = splitConfigPath(store, taskId);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    // No task folder (or a file in its place, which the caller reports) means no split either.
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new AlignError(`Could not read ${file}: ${writeFailureReason(e)}.`, 'split-config', 'Check the file’s permissions.');
  }
  let raw: Partial<SplitConfig>;
  try {
    raw = JSON.parse(text) as Partial<SplitConfig>;
  } catch (e) {
    throw new AlignError(`${file} is not valid JSON (${(e as Error).message}).`, 'split-config', 'Restore it from version control; deleting it would move instances between train and test.');
  }
  if (typeof raw.seed !== 'number' || typeof raw.testFraction !== 'number' || !(raw.testFraction > 0 && raw.testFraction < 1)) {
    throw new AlignError(`${file} needs a numeric "seed" and a "testFraction" between 0 and 1.`, 'split-config', 'Restore it from version control.');
  }
  return { schemaVersion: 1, seed: raw.seed, testFraction: raw.testFraction, createdAt: String(raw.createdAt ?? ''), rule: SPLIT_RULE };
}

export interface SplitResult {
  config: SplitConfig;
  total: number;
  train: number;
  test: number;
  /** Instances that got their `split` field now (the others already had one and kept it). */
  assigned: number;
  /** Lines that could not be read: left byte for byte, with no split. */
  unreadable: number;
}

/**
 * Splits a task's instances into train and test. The first call writes the rule; later calls
 * (with the same fraction and seed) give a split to instances saved since and leave every other
 * instance where it is. Asking for a different fraction or seed is refused: moving an instance
 * from test to train would leak it.
 */
export async function splitTask(store: TaskFolders, taskId: string, opts: { testFraction: number; seed?: number; now?: Date }): Promise<SplitResult> {
  if (!(opts.testFraction > 0 && opts.testFraction < 1)) {
    throw new AlignError(`A test fraction of ${opts.testFraction} leaves one side empty.`, 'bad-split', 'Give a fraction between 0 and 1, e.g. 0.3.');
  }
  const existing = readSplitConfig(store, taskId);
  const seed = opts.seed ?? existing?.seed ?? 0;
  if (existing && (existing.testFraction !== opts.testFraction || existing.seed !== seed)) {
    throw new AlignError(
      `Task "${taskId}" is already split (test ${existing.testFraction}, seed ${existing.seed}).`,
      'split-exists',
      `Re-split with --test ${existing.testFraction} --seed ${existing.seed} to place new instances; a different rule would move old ones between train and test.`,
    );
  }
  const config: SplitConfig = existing ?? { schemaVersion: 1, seed, testFraction: opts.testFraction, createdAt: (opts.now ?? new Date()).toISOString(), rule: SPLIT_RULE };
  const file = store.instancesPath(taskId);
  if (!fs.existsSync(file)) throw new AlignError(`Task "${taskId}" has no saved instances (${file}).`, 'no-instances', 'Save some answers first.');
  const result: SplitResult = { config, total: 0, train: 0, test: 0, assigned: 0, unreadable: 0 };
  try {
    await withFileLock(file, async () => {
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      const out = lines.map((line) => {
        if (!line.trim()) return line;
        let raw: unknown;
        try {
          raw = JSON.parse(line);
        } catch {
          result.unreadable++;
          return line;
        }
        const rec = raw as { id?: unknown; split?: unknown };
        if (typeof raw !== 'object' || raw === null || typeof rec.id !== 'string') {
          result.unreadable++;
          return line;
        }
        result.total++;
        if (rec.split === 'train' || rec.split === 'test') {
          result[rec.split]++;
          return line; // an instance that has a side keeps it, byte for byte
        }
        const side = ruleSplit(config, rec.id);
        result[side]++;
        result.assigned++;
        return JSON.stringify({ ...rec, split: side });
      });
      if (!existing) writeFileAtomic(splitConfigPath(store, taskId), JSON.stringify(config, null, 2) + '\n');
      if (result.assigned) writeFileAtomic(file, out.join('\n'));
    });
  } catch (e) {
    if (AlignError.is(e)) throw e;
    throw new AlignError(`Could not split ${file}: ${writeFailureReason(e)}.`, 'dataset-write', 'Nothing was changed. Free some space or fix permissions, then split again.', { cause: e });
  }
  return result;
}
