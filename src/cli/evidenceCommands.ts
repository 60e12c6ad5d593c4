import type { CommonOptions } from './coreCommands';
import { openStore, loadTask } from './coreCommands';
import { UsageError } from './cliIo';
import { SPLIT_RULE, splitTask } from '../core/evaluation/splits';

/** align dataset split <task> --test 0.3 [--seed N] [--json] */
export async function splitCommand(o: CommonOptions, args: string[]): Promise<number> {
  const taskId = args[0];
  if (!taskId) throw new UsageError('align dataset split needs a task id: align dataset split paper-qa --test 0.3');
  const testFraction = Number(o.values.test ?? NaN);
  if (!(testFraction > 0 && testFraction < 1)) throw new UsageError(`--test takes the fraction held out for testing, between 0 and 1 (e.g. --test 0.3), not "${o.values.test ?? ''}".`);
  const seed = o.values.seed !== undefined ? Number(o.values.seed) : undefined;
  if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError(`--seed takes a whole number, not "${o.values.seed}".`);
  const task = await loadTask(o, taskId);
  const result = await splitTask(openStore(o), task.id, { testFraction, seed });
  if (o.values.json) o.io.stdout(JSON.stringify(result) + '\n');
  else {
    o.io.stdout(`${task.id}: ${result.train} train, ${result.test} test (${result.assigned} newly placed; test fraction ${result.config.testFraction}, seed ${result.config.seed}).\n`);
    o.io.stdout(`Rule: ${SPLIT_RULE}. New instances follow the same rule; none already placed ever moves.\n`);
    if (result.unreadable) o.io.stderr(`warning: ${result.unreadable} unreadable line(s) left as they are; run align dataset validate.\n`);
  }
  return 0;
}

/** align study …: blind comparisons by people (see studyCli.ts). */
export async function studyCommand(o: CommonOptions, args: string[]): Promise<number> {
  return (await import('./studyCli')).studyCli(o, args);
}
