import type { CommonOptions } from './coreCommands';
import { loadTask, modelFrom, openStore } from './coreCommands';
import { UsageError } from './cliIo';
import { evaluateTask, type EvaluationSplit } from '../core/evaluation/evaluateTask';
import { readTestConsultations } from '../core/evaluation/leakLog';
import { OpenAIModelClient } from '../core/model/openaiModelClient';
import { AlignError } from '../core/errors';

/**
 * align eval <task> [--model M[,M2]] [--judge M] [--run-id ID] [--split S] [--budget N] [--yes] [--json]:
 * re-runs models against the task's saved instances (its test split when it has one); two models
 * separated by a comma are compared on the same instances. Past the test budget it refuses
 * unless --yes is given.
 */
export async function evalCli(o: CommonOptions, args: string[]): Promise<number> {
  const taskId = args[0];
  if (!taskId) throw new UsageError('align eval needs a task id: align eval paper-qa --model gpt-4o-mini');
  const task = await loadTask(o, taskId);
  const base = modelFrom(o);
  if (!base) throw new AlignError('No model is configured.', 'not-configured', undefined, { remedy: 'configure-model' });
  const names = (o.values.model ?? base.settings.model).split(',').map((s) => s.trim()).filter(Boolean);
  const models = names.map((model) => new OpenAIModelClient({ ...base.settings, model }, o.logger));
  const judge = o.values.judge ? new OpenAIModelClient({ ...base.settings, model: o.values.judge, temperature: 0 }, o.logger) : undefined;
  const split = o.values.split;
  if (split !== undefined && !['test', 'train', 'all'].includes(split)) throw new UsageError(`--split must be test, train or all, not "${split}".`);
  const budget = o.values.budget !== undefined ? Number(o.values.budget) : undefined;
  if (budget !== undefined && !(Number.isInteger(budget) && budget >= 0)) throw new UsageError(`--budget takes a whole number of consultations, not "${o.values.budget}".`);
  const store = openStore(o);
  const { instances } = await store.readInstances(task.id);
  if (!instances.length) throw new AlignError(`Task "${task.id}" has no saved instances to evaluate against.`, 'no-instances', 'Save some answers first.');
  const result = await evaluateTask({
    task,
    store,
    models,
    judge,
    runId: o.values['run-id'],
    split: split as EvaluationSplit | undefined,
    testBudget: budget,
    confirmOverBudget: async () => o.values.yes,
    signal: o.signal,
    onProgress: o.values.json ? undefined : (done, total) => o.io.stderr(`[${done}/${total}]\n`),
  });
  const errors = Object.values(result.scorecard.byModel).reduce((n, s) => n + s.errors, 0);
  if (o.values.json) {
    o.io.stdout(JSON.stringify({ runId: result.runId, dir: result.dir, summary: result.scorecard, testConsultations: readTestConsultations(store, task.id) }) + '\n');
  } else {
    o.io.stdout(`Run ${result.runId} (${result.dir}) on the ${result.scorecard.split} instances; test split consulted ${result.scorecard.testConsultations ?? 0} time(s)\n`);
    for (const [model, s] of Object.entries(result.scorecard.byModel)) {
      o.io.stdout(`${model}: ${s.answered} answered, ${s.errors} failed; better ${s.better}, same ${s.same}, worse ${s.worse}, unjudged ${s.unjudged}; win rate ${s.winRate ?? '–'}${s.winRateInterval ? ` [95% CI ${s.winRateInterval[0]}–${s.winRateInterval[1]}]` : ''}; mean score ${s.meanScore ?? '–'}\n`);
    }
    if (errors) o.io.stdout(`Run the same command with --run-id ${result.runId} to retry the ${errors} that failed.\n`);
  }
  if (o.signal.aborted) {
    o.io.stderr(`align: interrupted; resume with --run-id ${result.runId}\n`);
    return 1;
  }
  return errors ? 1 : 0;
}
