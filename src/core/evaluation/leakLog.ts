import * as path from 'node:path';
import type { DatasetStore } from '../dataset/datasetStore';
import { appendJsonlLine, readJsonl } from '../dataset/jsonlFile';
import { withFileLock } from '../dataset/fileLock';

/**
 * One consultation of a task's test split, a line of `<task>/test-consultations.jsonl`. Each
 * look at the held-out set leaks a little about it; the log makes the number of looks visible.
 */
export interface TestConsultation {
  /** ISO timestamp. */
  at: string;
  kind: 'evaluation' | 'study';
  runId: string;
  /** The models whose answers were produced or compared. */
  models: string[];
  /** The judge model, when one graded the answers. */
  judge?: string;
  /** How many test instances were touched. */
  instances: number;
}

export function consultationLogPath(store: DatasetStore, taskId: string): string {
  return path.join(store.taskDir(taskId), 'test-consultations.jsonl');
}

export async function logTestConsultation(store: DatasetStore, taskId: string, entry: TestConsultation): Promise<void> {
  const file = consultationLogPath(store, taskId);
  await withFileLock(file, async () => appendJsonlLine(file, entry));
}

export function readTestConsultations(store: DatasetStore, taskId: string): TestConsultation[] {
  return readJsonl(consultationLogPath(store, taskId), (raw) => {
    const c = raw as Partial<TestConsultation>;
    if (typeof c.at !== 'string' || typeof c.runId !== 'string' || !Array.isArray(c.models) || typeof c.instances !== 'number') throw new Error('not a test consultation');
    return c as TestConsultation;
  }).records.map((r) => r.value);
}

/** How often the test split has been looked at, against the budget the researcher set. */
export interface LeakBudget {
  consultations: number;
  /** Undefined: no budget set. */
  budget?: number;
  /** True when one more run would go past the budget: the shells ask before running it. */
  exceeded: boolean;
}

export function leakBudget(store: DatasetStore, taskId: string, budget: number | undefined): LeakBudget {
  const consultations = readTestConsultations(store, taskId).length;
  const set = budget !== undefined && budget > 0 ? budget : undefined;
  return { consultations, ...(set !== undefined ? { budget: set } : {}), exceeded: set !== undefined && consultations >= set };
}
