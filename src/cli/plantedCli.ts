import * as path from 'node:path';
import type { CommonOptions } from './coreCommands';
import { openStore, loadTask, modelFrom } from './coreCommands';
import { readInputFile } from './cliIo';
import { OpenAIModelClient } from '../core/model/openaiModelClient';
import { evaluatePlantedFlaws, parsePlantedFlaws, FLAW_TASK_ID } from '../core/evaluation/plantedFlaws';
import { AlignError } from '../core/errors';

/**
 * align critique <draft.md> --planted flaws.json [--model M,…] [--json]: runs each critic on a
 * draft with planted flaws and reports, per model, which it caught and which it missed.
 */
export async function plantedCli(o: CommonOptions, file: string): Promise<number> {
  const draftFile = path.resolve(o.io.cwd, file);
  const flawsFile = path.resolve(o.io.cwd, o.values.planted!);
  const draft = readInputFile(draftFile);
  const flaws = parsePlantedFlaws(readInputFile(flawsFile), flawsFile, draft);
  const base = modelFrom(o);
  if (!base) throw new AlignError('No model is configured.', 'not-configured', 'Set OPENAI_API_KEY (or --base-url for a local server) and --model.');
  const names = (o.values.model ?? base.settings.model).split(',').map((s) => s.trim()).filter(Boolean);
  const models = names.map((model) => new OpenAIModelClient({ ...base.settings, model }, o.logger));
  const run = await evaluatePlantedFlaws({
    draft,
    draftFile,
    flaws,
    flawsFile,
    models,
    critiqueTask: await loadTask(o, 'draft-critique'),
    flawTask: await loadTask(o, FLAW_TASK_ID),
    store: openStore(o),
    signal: o.signal,
    onProgress: o.values.json ? undefined : (model, done, total) => o.io.stderr(`[${model} ${done}/${total}]\n`),
  });
  if (o.values.json) o.io.stdout(JSON.stringify(run) + '\n');
  else {
    for (const r of run.results) {
      o.io.stdout(`${r.model}: caught ${r.planted.caught.length} of ${r.planted.total} planted flaws; ${r.otherFindings} other finding${r.otherFindings === 1 ? '' : 's'}\n`);
      for (const c of r.planted.caught) o.io.stdout(`  caught  ${file}:${c.startLine} “${c.quote}” — ${c.flaw}\n`);
      for (const m of r.planted.missed) o.io.stdout(`  missed  ${file}:${m.startLine} “${m.quote}” — ${m.flaw}\n`);
    }
    o.io.stdout(`Saved as run ${run.runId} in ${run.dir}\n`);
  }
  for (const r of run.results) for (const e of r.errors) o.io.stderr(`align: ${r.model}: section ${e} failed\n`);
  return run.results.some((r) => r.errors.length) ? 1 : 0;
}
