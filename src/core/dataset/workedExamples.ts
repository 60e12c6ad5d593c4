import type { DatasetStore } from './datasetStore';
import type { TaskInstance } from './instanceTypes';
import type { PromptExample } from '../prompts/promptBuilder';
import { renderExample, selectFewShotExamples } from '../prompts/fewShot';
import { isPassagesOnlyAnswer } from '../assistant/fallbackAnswer';
import { readSplitConfig } from '../evaluation/splits';

export interface WorkedExampleOptions {
  budgetTokens: number;
  /**
   * False when the dataset belongs to a workspace the researcher has not trusted (restricted
   * mode): its instances were written by whoever made the repository, and worked examples are
   * put to the model as its own past turns, so none are used. The host knows; the core is told.
   */
  datasetTrusted: boolean;
}

/**
 * The saved instances of a task to show the model as worked examples, rendered. A passage list
 * given when no model was configured is not an answer and is never one of them, and an instance in
 * the test split never is (its task's split rule decides for instances not yet marked).
 */
export async function workedExamples(store: DatasetStore, taskId: string, opts: WorkedExampleOptions): Promise<PromptExample[]> {
  if (!opts.datasetTrusted) return [];
  const { instances } = await store.readInstances(taskId);
  return selectFewShotExamples(instances.filter(isModelOrResearcherAnswer), { budgetTokens: opts.budgetTokens, split: readSplitConfig(store, taskId) }).map(renderExample);
}

function isModelOrResearcherAnswer(inst: TaskInstance): boolean {
  return !isPassagesOnlyAnswer(inst.output);
}
