import type { DatasetStore } from './datasetStore';
import type { TaskInstance } from './instanceTypes';
import type { PromptExample } from '../prompts/promptBuilder';
import { renderExample, selectFewShotExamples } from '../prompts/fewShot';
import { isPassagesOnlyAnswer } from '../assistant/fallbackAnswer';
import { effectiveSplit, readSplitConfig, type SplitConfig } from '../evaluation/splits';

export interface WorkedExampleOptions {
  budgetTokens: number;
  /**
   * False when the dataset belongs to a workspace the researcher has not trusted (restricted
   * mode): its instances were written by whoever made the repository, and worked examples are
   * put to the model as its own past turns, so none are used. The host knows; the core is told.
   */
  datasetTrusted: boolean;
}

const MAX_EXAMPLES = 4;

/**
 * The saved instances of a task to show the model as worked examples, rendered. A passage list
 * given when no model was configured is not an answer and is never one of them, and an instance in
 * the test split never is (its task's split rule decides for instances not yet marked).
 *
 * The candidates are ranked from the task's summary (instanceSummary.ts) and only the instances
 * picked are read, each from its own line: the same choice selectFewShotExamples makes over the
 * whole file, without reading it.
 */
export async function workedExamples(store: DatasetStore, taskId: string, opts: WorkedExampleOptions): Promise<PromptExample[]> {
  if (!opts.datasetTrusted) return [];
  const split = readSplitConfig(store, taskId);
  const picked = await pickFromSummary(store, taskId, opts.budgetTokens, split);
  if (picked) return picked.map(renderExample);
  // The summary did not match a line it pointed to (it is discarded by now): the whole file decides.
  const { instances } = await store.readInstances(taskId);
  return selectFewShotExamples(instances.filter(isModelOrResearcherAnswer), { budgetTokens: opts.budgetTokens, split }).map(renderExample);
}

/**
 * Walks the ranked candidates, skipping those over what is left of the budget, and reads the rest a
 * few at a time (a test-split instance by the task's rule is known only once its id is read).
 * Undefined when a line did not hold what the summary said.
 */
async function pickFromSummary(store: DatasetStore, taskId: string, budgetTokens: number, split: SplitConfig | undefined): Promise<TaskInstance[] | undefined> {
  const summary = await store.summaryOf(taskId);
  const out: TaskInstance[] = [];
  let used = 0;
  let group: number[] = [];
  const readGroup = async (): Promise<boolean> => {
    const read = await store.readInstancesAt(taskId, group.map((i) => summary.entry(i)));
    const costs = group.map((i) => summary.entry(i).tokens);
    group = [];
    for (const [k, inst] of read.entries()) {
      if (!inst) return false;
      // Same rule as pickFewShotExamples: an example that no longer fits is passed over.
      if (out.length >= MAX_EXAMPLES || effectiveSplit(inst, split) === 'test' || used + costs[k] > budgetTokens) continue;
      out.push(inst);
      used += costs[k];
    }
    return true;
  };
  for (const list of summary.rankedLists()) {
    for (const i of list) {
      if (out.length >= MAX_EXAMPLES) return out;
      if (used + summary.entry(i).tokens > budgetTokens) continue;
      group.push(i);
      if (group.length >= MAX_EXAMPLES - out.length && !(await readGroup())) return undefined;
    }
  }
  if (group.length && !(await readGroup())) return undefined;
  return out;
}

function isModelOrResearcherAnswer(inst: TaskInstance): boolean {
  return !isPassagesOnlyAnswer(inst.output);
}
