import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CommonOptions } from './coreCommands';
import { openStore, loadTask, modelFrom } from './coreCommands';
import { UsageError, readInputFile } from './cliIo';
import {
  askForHelp,
  createStudy,
  nextAssistItem,
  nextBlindItem,
  parseArm,
  pendingHelp,
  rateItem,
  readStudy,
  recordAssistedAnswer,
  recordHelp,
  studyResults,
  tidyCsv,
  tidyJsonl,
  tidyRows,
  type Arm,
} from '../core/evaluation/blindStudy';
import { AlignError, writeFailureReason } from '../core/errors';

export const STUDY_USAGE = `align study — blind comparisons by people on a task's test split

  align study create <task> --arms reference,model:M --run-id RUN_ID [--seed N] [--study ID] [--budget N] [--yes]
  align study next <task> <study> --rater R [--json]          the next blinded item: input, answers A and B
  align study rate <task> <study> <item> A|B|tie --rater R --confidence 1-5
  align study assist <task> <study> --rater R [--json]        (assisted arm) the next item to answer
  align study ask <task> <study> <item> "question" --rater R  (assisted arm) ask the assistant; the help is recorded
  align study answer <task> <study> <item> --rater R --input FILE   (assisted arm) submit the answer
  align study results <task> <study> [--json]
  align study export <task> <study> --format jsonl|csv --out PATH`;

/** align study …: create a study, rate blinded items, write assisted answers, read results, export. */
export async function studyCli(o: CommonOptions, args: string[]): Promise<number> {
  const [sub, taskId, studyId, ...rest] = args;
  if (!sub || !taskId) throw new UsageError(STUDY_USAGE);
  const task = await loadTask(o, taskId);
  const store = openStore(o);
  const out = (text: string, json: unknown) => o.io.stdout(o.values.json ? JSON.stringify(json) + '\n' : text);
  if (sub === 'create') {
    const arms = (o.values.arms ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (arms.length !== 2) throw new UsageError('--arms takes two arms separated by a comma, e.g. --arms reference,model:gpt-4o-mini (or assisted,reference).');
    const seed = o.values.seed !== undefined ? Number(o.values.seed) : undefined;
    if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError(`--seed takes a whole number, not "${o.values.seed}".`);
    const budget = o.values.budget !== undefined ? Number(o.values.budget) : undefined;
    const study = await createStudy(store, task, {
      arms: arms.map((a) => parseArm(a, o.values['run-id'])) as [Arm, Arm],
      seed,
      id: o.values.study ?? studyId,
      testBudget: budget,
      confirmOverBudget: async () => o.values.yes,
    });
    out(`Study ${study.id}: ${study.instanceIds.length} test items, arms hidden from raters. Rate with: align study next ${task.id} ${study.id} --rater YOUR_ID\n`, study);
    return 0;
  }
  if (!studyId) throw new UsageError(`align study ${sub} needs the task and the study id.`);
  const study = readStudy(store, task.id, studyId);
  const rater = () => {
    if (!o.values.rater) throw new UsageError('--rater ID is required: the id recorded with each verdict.');
    return o.values.rater;
  };
  switch (sub) {
    case 'next': {
      const item = await nextBlindItem(store, study, rater());
      if (!item) return out('Nothing left to rate.\n', null), 0;
      out(`Item ${item.itemId} (${item.position} of ${item.of})\n\n${item.input}\n\n=== Answer A ===\n${item.answers.A}\n\n=== Answer B ===\n${item.answers.B}\n\nRate with: align study rate ${task.id} ${study.id} ${item.itemId} A|B|tie --rater ${rater()} --confidence 1-5\n`, item);
      return 0;
    }
    case 'rate': {
      const [itemId, verdict] = rest;
      if (!itemId || !verdict) throw new UsageError('align study rate needs the item id and a verdict: A, B or tie.');
      const confidence = Number(o.values.confidence ?? NaN);
      const r = await rateItem(store, study, { rater: rater(), itemId, verdict: (verdict === 'tie' ? 'tie' : verdict.toUpperCase()) as 'A' | 'B' | 'tie', confidence });
      out(`Recorded ${verdict} (confidence ${r.confidence}) from ${r.rater} on ${itemId}.\n`, r);
      return 0;
    }
    case 'assist': {
      const item = await nextAssistItem(store, study, rater());
      if (!item) return out('Every item has an assisted answer.\n', null), 0;
      out(`Item ${item.itemId} (${item.position} of ${item.of})\n\n${item.input}\n\nAsk for help: align study ask ${task.id} ${study.id} ${item.itemId} "…" --rater ${rater()}\nAnswer: align study answer ${task.id} ${study.id} ${item.itemId} --rater ${rater()} --input answer.md\n`, item);
      return 0;
    }
    case 'ask': {
      const [itemId, ...question] = rest;
      if (!itemId || !question.length) throw new UsageError('align study ask needs the item id and a question.');
      const model = modelFrom(o);
      if (!model) throw new AlignError('No model is configured.', 'not-configured', 'Set OPENAI_API_KEY (or --base-url for a local server) and --model.');
      const inst = (await store.readInstances(task.id)).instances.find((i) => i.id === itemId && study.instanceIds.includes(i.id));
      if (!inst) throw new AlignError(`Item "${itemId}" is not in study "${study.id}".`, 'no-item');
      const help = await askForHelp(model, task, inst, question.join(' '), o.signal);
      await recordHelp(store, study, itemId, rater(), help);
      out(help.answer + '\n', help);
      return 0;
    }
    case 'answer': {
      const [itemId] = rest;
      if (!itemId || !o.values.input) throw new UsageError('align study answer needs the item id and --input FILE with the answer.');
      const answer = o.values.input === '-' ? await o.io.readStdin() : readInputFile(path.resolve(o.io.cwd, o.values.input));
      const a = await recordAssistedAnswer(store, study, { itemId, rater: rater(), answer, help: pendingHelp(store, study, itemId, rater()) });
      out(`Recorded the assisted answer to ${itemId} with ${a.help.length} use${a.help.length === 1 ? '' : 's'} of help.\n`, a);
      return 0;
    }
    case 'results': {
      const r = await studyResults(store, study);
      const lines = [
        `Study ${r.studyId} on ${r.taskId}: ${r.ratings} verdicts on ${r.items} items by ${r.raters.length} rater(s)`,
        ...r.winRates.map((w) => (Number.isFinite(w.winRate) ? `  ${w.arm}: win rate ${w.winRate} [95% CI ${w.low}–${w.high}]` : `  ${w.arm}: no verdicts yet`)),
        r.agreement.cohensKappa !== undefined ? `  Cohen's kappa between the two raters: ${r.agreement.cohensKappa}` : '',
        r.agreement.krippendorffAlpha !== undefined ? `  Krippendorff's alpha (nominal): ${r.agreement.krippendorffAlpha}` : '',
        r.judgeVsPeople ? `  judge ${r.judgeVsPeople.judge} vs people: agreement ${r.judgeVsPeople.agreement}, kappa ${r.judgeVsPeople.cohensKappa} on ${r.judgeVsPeople.items} items` : '',
        r.assistance ? `  assisted answers: ${r.assistance.answers}, ${r.assistance.questionsPerAnswer} questions each on average` : '',
      ].filter(Boolean);
      out(lines.join('\n') + '\n', r);
      return 0;
    }
    case 'export': {
      const format = o.values.format;
      if (format !== 'jsonl' && format !== 'csv') throw new UsageError('--format must be jsonl or csv.');
      if (!o.values.out) throw new UsageError('--out PATH is required.');
      const file = path.resolve(o.io.cwd, o.values.out);
      const rows = await tidyRows(store, study);
      if (fs.existsSync(file) && !o.values.force) throw new AlignError(`${file} already exists.`, 'export-exists', 'Choose another path or add --force.');
      try {
        fs.writeFileSync(file, format === 'csv' ? tidyCsv(rows) : tidyJsonl(rows));
      } catch (e) {
        throw new AlignError(`Could not write ${file}: ${writeFailureReason(e)}.`, 'export-write', 'Choose a writable path.');
      }
      out(`Wrote ${rows.length} verdict${rows.length === 1 ? '' : 's'} to ${file}\n`, { file, rows: rows.length });
      return 0;
    }
    default:
      throw new UsageError(`Unknown study command "${sub}".\n${STUDY_USAGE}`);
  }
}
