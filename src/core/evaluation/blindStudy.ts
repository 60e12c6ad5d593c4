import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import type { DatasetStore } from '../dataset/datasetStore';
import type { TaskInstance } from '../dataset/instanceTypes';
import type { ChatMessage, ModelClient } from '../model/modelTypes';
import type { TaskSpec } from '../tasks/taskTypes';
import { AlignError } from '../errors';
import { appendJsonlLine, readJsonl, writeFileAtomic } from '../dataset/jsonlFile';
import { withFileLock } from '../dataset/fileLock';
import { newId } from '../dataset/ids';
import { buildMessages, partsFromInstance } from '../prompts/promptBuilder';
import { effectiveSplit, readSplitConfig } from './splits';
import { leakBudget, logTestConsultation, type LeakBudget } from './leakLog';
import { readJudgements, runDir, type Judgement } from './evaluateTask';
import { bootstrapInterval, cohensKappa, krippendorffAlpha } from './statistics';

/**
 * Where one side of a comparison comes from: the saved reference answer, a model's answer in an
 * evaluation run, or a non-expert's answer written with the assistant's help (sandwiching).
 */
export type Arm = { kind: 'reference' } | { kind: 'model'; model: string; runId: string } | { kind: 'assisted' };

export function armName(arm: Arm): string {
  return arm.kind === 'model' ? `model:${arm.model}` : arm.kind;
}

/** Reads `reference`, `assisted` or `model:NAME` (with the run id given apart). */
export function parseArm(text: string, runId: string | undefined): Arm {
  if (text === 'reference' || text === 'assisted') return { kind: text };
  const m = /^model:(.+)$/.exec(text);
  if (m) {
    if (!runId) throw new AlignError(`The arm "${text}" needs the evaluation run its answers come from.`, 'study-arm', 'Give --run-id RUN_ID (see align eval).');
    return { kind: 'model', model: m[1], runId };
  }
  throw new AlignError(`"${text}" is not an arm of a study.`, 'study-arm', 'Use reference, assisted or model:NAME.');
}

/** `<task>/studies/<id>/study.json`: what is compared, on which instances. Raters never see it. */
export interface Study {
  schemaVersion: 1;
  id: string;
  taskId: string;
  createdAt: string;
  arms: [Arm, Arm];
  /** Seeds the order in which each rater sees the two answers of each item. */
  seed: number;
  /** The test instances compared, one item each (item id = instance id). */
  instanceIds: string[];
}

/** One verdict, a line of `ratings.jsonl`. `preferred` is an index into `study.arms`, or null for a tie. */
export interface StudyRating {
  studyId: string;
  itemId: string;
  rater: string;
  preferred: 0 | 1 | null;
  /** 1 (a guess) to 5 (certain). */
  confidence: number;
  /** Which arm was shown first (as "A") to this rater. */
  shownFirst: 0 | 1;
  at: string;
}

/** One question a non-expert asked the assistant while answering, and its reply. */
export interface HelpUse {
  question: string;
  answer: string;
  model: string;
  at: string;
}

/** A line of `assisted.jsonl`: a non-expert's answer and the help they used. */
export interface AssistedAnswer {
  studyId: string;
  itemId: string;
  rater: string;
  answer: string;
  help: HelpUse[];
  at: string;
}

/** What a rater sees: the input and two answers, labelled A and B, with nothing that names their source. */
export interface BlindItem {
  studyId: string;
  itemId: string;
  input: string;
  answers: { A: string; B: string };
  /** 1-based place of this item among the rater's items, and their count. */
  position: number;
  of: number;
}

function studyDir(store: DatasetStore, taskId: string, studyId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(studyId)) throw new AlignError(`"${studyId}" is not a study id.`, 'bad-study-id', 'Use letters, digits, dashes and underscores.');
  return path.join(store.taskDir(taskId), 'studies', studyId);
}

export function readStudy(store: DatasetStore, taskId: string, studyId: string): Study {
  const file = path.join(studyDir(store, taskId, studyId), 'study.json');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Study;
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new AlignError(missing ? `There is no study "${studyId}" for task "${taskId}" (${file}).` : `${file} cannot be read: ${(e as Error).message}.`, 'no-study', missing ? 'Create it with align study create, or check the id.' : 'Restore it from version control.');
  }
}

export function listStudies(store: DatasetStore, taskId: string): Study[] {
  const dir = path.join(store.taskDir(taskId), 'studies');
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    try {
      return [readStudy(store, taskId, n)];
    } catch {
      return [];
    }
  });
}

/** The text a rater reads as the input: the source's title, passages, text, fields and dialogue, without prompt markup. */
export function raterInput(inst: TaskInstance): string {
  const i = inst.input;
  const parts: string[] = [];
  if (i.source) parts.push(`Source: "${i.source.title}"`);
  for (const p of i.passages.slice(0, 4)) parts.push(`[${p.id}] ${p.text.slice(0, 1200)}`);
  if (i.text !== undefined) parts.push(i.text.slice(0, 8000));
  for (const [k, v] of Object.entries(i.fields ?? {})) parts.push(`${k}: ${v}`);
  if (i.dialogue.length) parts.push(i.dialogue.map((d) => `${d.role === 'researcher' ? 'Researcher' : 'Assistant'}: ${d.content}`).join('\n'));
  return parts.join('\n\n');
}

/**
 * Creates a blind study on the task's test split (the whole task when it was never split is
 * refused: a study is a look at held-out data). The look is logged as a test consultation.
 */
export async function createStudy(
  store: DatasetStore,
  task: TaskSpec,
  opts: { arms: [Arm, Arm]; seed?: number; id?: string; now?: Date; testBudget?: number; confirmOverBudget?: (b: LeakBudget) => Promise<boolean> },
): Promise<Study> {
  if (armName(opts.arms[0]) === armName(opts.arms[1])) throw new AlignError('A study compares two different arms.', 'study-arm', 'Pick two of reference, assisted and model:NAME.');
  const config = readSplitConfig(store, task.id);
  const { instances } = await store.readInstances(task.id);
  if (!config && !instances.some((i) => i.split)) throw new AlignError(`Task "${task.id}" has no test split.`, 'not-split', `Split it first: align dataset split ${task.id} --test 0.3.`);
  const test = instances.filter((i) => effectiveSplit(i, config) === 'test');
  if (!test.length) throw new AlignError(`The test split of "${task.id}" is empty.`, 'no-instances', 'Save more instances, or split with a larger test fraction.');
  for (const arm of opts.arms) {
    if (arm.kind !== 'model') continue;
    const answered = new Set(readJudgements(runDir(store, task.id, arm.runId)).filter((j) => j.model === arm.model && j.answer && !j.error).map((j) => j.instanceId));
    if (!test.some((i) => answered.has(i.id))) throw new AlignError(`Run "${arm.runId}" has no answers by ${arm.model} on the test split of "${task.id}".`, 'study-arm', `Run align eval ${task.id} --model ${arm.model} --run-id ${arm.runId} first.`);
  }
  const study: Study = {
    schemaVersion: 1,
    id: opts.id ?? `study-${newId()}`,
    taskId: task.id,
    createdAt: (opts.now ?? new Date()).toISOString(),
    arms: opts.arms,
    seed: opts.seed ?? 1,
    instanceIds: test.map((i) => i.id),
  };
  const dir = studyDir(store, task.id, study.id);
  if (fs.existsSync(path.join(dir, 'study.json'))) throw new AlignError(`Study "${study.id}" already exists.`, 'study-exists', 'Pick another id.');
  const budget = leakBudget(store, task.id, opts.testBudget);
  if (budget.exceeded && !(await opts.confirmOverBudget?.(budget))) {
    throw new AlignError(`The test split of "${task.id}" has been consulted ${budget.consultations} times, at its budget of ${budget.budget}.`, 'leak-budget', 'Confirm to create the study anyway (--yes on the command line), or raise the budget.');
  }
  writeFileAtomic(path.join(dir, 'study.json'), JSON.stringify(study, null, 2) + '\n');
  await logTestConsultation(store, task.id, {
    at: study.createdAt,
    kind: 'study',
    runId: study.id,
    models: opts.arms.filter((a): a is Extract<Arm, { kind: 'model' }> => a.kind === 'model').map((a) => a.model),
    instances: test.length,
  });
  return study;
}

export function readRatings(store: DatasetStore, study: Study): StudyRating[] {
  return readJsonl(path.join(studyDir(store, study.taskId, study.id), 'ratings.jsonl'), (raw) => raw as StudyRating).records.map((r) => r.value);
}

export function readAssisted(store: DatasetStore, study: Study): AssistedAnswer[] {
  return readJsonl(path.join(studyDir(store, study.taskId, study.id), 'assisted.jsonl'), (raw) => raw as AssistedAnswer).records.map((r) => r.value);
}

/** The answer of each arm for each item; items missing either answer are not ready to rate. */
async function answerTable(store: DatasetStore, study: Study): Promise<Map<string, [string | undefined, string | undefined]>> {
  const { instances } = await store.readInstances(study.taskId);
  const byId = new Map(instances.map((i) => [i.id, i]));
  const runs = new Map<string, Judgement[]>();
  const assisted = readAssisted(store, study);
  const table = new Map<string, [string | undefined, string | undefined]>();
  for (const id of study.instanceIds) {
    const inst = byId.get(id);
    const pair = study.arms.map((arm) => {
      if (!inst) return undefined;
      if (arm.kind === 'reference') return inst.output;
      if (arm.kind === 'assisted') return assisted.filter((a) => a.itemId === id).at(-1)?.answer;
      if (!runs.has(arm.runId)) runs.set(arm.runId, readJudgements(runDir(store, study.taskId, arm.runId)));
      return runs.get(arm.runId)!.filter((j) => j.instanceId === id && j.model === arm.model && j.answer && !j.error).at(-1)?.answer;
    }) as [string | undefined, string | undefined];
    table.set(id, pair);
  }
  return table;
}

/** Which arm this rater sees first on this item: seeded, different across raters and items. */
export function shownFirst(study: Study, rater: string, itemId: string): 0 | 1 {
  return (createHash('sha256').update(`${study.seed}:${rater}:${itemId}`).digest()[0] & 1) as 0 | 1;
}

/**
 * The next item this rater has not rated, blinded; undefined when they have rated every ready item.
 * Items are taken in an order shuffled per rater so that raters do not all tire on the same ones.
 */
export async function nextBlindItem(store: DatasetStore, study: Study, rater: string): Promise<BlindItem | undefined> {
  checkRater(rater);
  const table = await answerTable(store, study);
  const { instances } = await store.readInstances(study.taskId);
  const byId = new Map(instances.map((i) => [i.id, i]));
  const rated = new Set(readRatings(store, study).filter((r) => r.rater === rater).map((r) => r.itemId));
  const ready = study.instanceIds.filter((id) => byId.has(id) && table.get(id)!.every((a) => a !== undefined));
  const order = [...ready].sort((a, b) => key(study, rater, a).localeCompare(key(study, rater, b)));
  const position = order.findIndex((id) => !rated.has(id));
  if (position < 0) return undefined;
  const itemId = order[position];
  const pair = table.get(itemId)!;
  const first = shownFirst(study, rater, itemId);
  return { studyId: study.id, itemId, input: raterInput(byId.get(itemId)!), answers: { A: pair[first]!, B: pair[1 - first]! }, position: position + 1, of: order.length };
}

function key(study: Study, rater: string, itemId: string): string {
  return createHash('sha256').update(`${study.seed}:order:${rater}:${itemId}`).digest('hex');
}

function checkRater(rater: string): void {
  if (!/^[\w.@-]{1,64}$/.test(rater)) throw new AlignError(`"${rater}" is not a rater id.`, 'bad-rater', 'Use letters, digits, dots, dashes, @ or underscores (no spaces), e.g. r1 or alice.');
}

/** Records a verdict given on the blinded item: "A", "B" (as shown to this rater) or "tie", with a confidence of 1-5. */
export async function rateItem(store: DatasetStore, study: Study, r: { rater: string; itemId: string; verdict: 'A' | 'B' | 'tie'; confidence: number; now?: Date }): Promise<StudyRating> {
  checkRater(r.rater);
  if (!study.instanceIds.includes(r.itemId)) throw new AlignError(`Item "${r.itemId}" is not in study "${study.id}".`, 'no-item', 'Take the item id from align study next.');
  if (!['A', 'B', 'tie'].includes(r.verdict)) throw new AlignError(`"${r.verdict}" is not a verdict.`, 'bad-verdict', 'Say A, B or tie.');
  if (!(Number.isInteger(r.confidence) && r.confidence >= 1 && r.confidence <= 5)) throw new AlignError(`A confidence of "${r.confidence}" is not 1 to 5.`, 'bad-confidence', 'Give a whole number from 1 (a guess) to 5 (certain).');
  const first = shownFirst(study, r.rater, r.itemId);
  const preferred = r.verdict === 'tie' ? null : ((r.verdict === 'A' ? first : 1 - first) as 0 | 1);
  const line: StudyRating = { studyId: study.id, itemId: r.itemId, rater: r.rater, preferred, confidence: r.confidence, shownFirst: first, at: (r.now ?? new Date()).toISOString() };
  const file = path.join(studyDir(store, study.taskId, study.id), 'ratings.jsonl');
  await withFileLock(file, async () => appendJsonlLine(file, line));
  return line;
}

/** Asks the assistant a question about an item while writing an assisted answer; the exchange is returned to be recorded. */
export async function askForHelp(model: ModelClient, task: TaskSpec, inst: TaskInstance, question: string, signal?: AbortSignal): Promise<HelpUse> {
  const parts = partsFromInstance(task, inst.input);
  const messages: ChatMessage[] = buildMessages(parts);
  messages.push({ role: 'user', content: `Someone answering this task asks you for help (do not write the whole answer for them unless asked):\n${question}` });
  const result = await model.chat({ messages, signal });
  return { question, answer: result.text, model: model.settings.model, at: new Date().toISOString() };
}

/** The next item this non-expert has not yet answered in the assisted arm: its input only, never the reference. */
export async function nextAssistItem(store: DatasetStore, study: Study, rater: string): Promise<{ itemId: string; input: string; position: number; of: number } | undefined> {
  checkRater(rater);
  const { instances } = await store.readInstances(study.taskId);
  const byId = new Map(instances.map((i) => [i.id, i]));
  const done = new Set(readAssisted(store, study).map((a) => a.itemId));
  const ids = study.instanceIds.filter((id) => byId.has(id));
  const position = ids.findIndex((id) => !done.has(id));
  if (position < 0) return undefined;
  return { itemId: ids[position], input: raterInput(byId.get(ids[position])!), position: position + 1, of: ids.length };
}

/** Keeps a help exchange until the rater submits the answer it was for (`help.jsonl`). */
export async function recordHelp(store: DatasetStore, study: Study, itemId: string, rater: string, help: HelpUse): Promise<void> {
  checkRater(rater);
  const file = path.join(studyDir(store, study.taskId, study.id), 'help.jsonl');
  await withFileLock(file, async () => appendJsonlLine(file, { itemId, rater, ...help }));
}

/** The help this rater asked for on this item since their last answer to it. */
export function pendingHelp(store: DatasetStore, study: Study, itemId: string, rater: string): HelpUse[] {
  const answeredAt = readAssisted(store, study).filter((a) => a.itemId === itemId && a.rater === rater).at(-1)?.at ?? '';
  return readJsonl(path.join(studyDir(store, study.taskId, study.id), 'help.jsonl'), (raw) => raw as HelpUse & { itemId: string; rater: string })
    .records.map((r) => r.value)
    .filter((h) => h.itemId === itemId && h.rater === rater && h.at > answeredAt)
    .map(({ question, answer, model, at }) => ({ question, answer, model, at }));
}

/** Records a non-expert's answer to an item, with every bit of help they used. */
export async function recordAssistedAnswer(store: DatasetStore, study: Study, a: { itemId: string; rater: string; answer: string; help: HelpUse[]; now?: Date }): Promise<AssistedAnswer> {
  checkRater(a.rater);
  if (!study.arms.some((x) => x.kind === 'assisted')) throw new AlignError(`Study "${study.id}" has no assisted arm.`, 'study-arm', 'Create a study with the arms assisted,reference.');
  if (!study.instanceIds.includes(a.itemId)) throw new AlignError(`Item "${a.itemId}" is not in study "${study.id}".`, 'no-item');
  if (!a.answer.trim()) throw new AlignError('The answer is empty.', 'empty-output', 'Write the answer.');
  const line: AssistedAnswer = { studyId: study.id, itemId: a.itemId, rater: a.rater, answer: a.answer, help: a.help, at: (a.now ?? new Date()).toISOString() };
  const file = path.join(studyDir(store, study.taskId, study.id), 'assisted.jsonl');
  await withFileLock(file, async () => appendJsonlLine(file, line));
  return line;
}

/** Numbers a study reports: win rates with intervals, agreement between raters, and between the judge and people. */
export interface StudyResults {
  studyId: string;
  taskId: string;
  arms: string[];
  items: number;
  ratings: number;
  raters: string[];
  /** Per arm: share of verdicts it won (ties count half) with a 95% bootstrap interval over items (seed = the study's). */
  winRates: { arm: string; winRate: number; low: number; high: number; n: number }[];
  agreement: {
    /** Cohen's kappa, when exactly two raters rated common items. */
    cohensKappa?: number;
    /** Krippendorff's alpha (nominal: arm 0 / arm 1 / tie) over all raters. */
    krippendorffAlpha?: number;
    /** Share of items on which all their raters agree. */
    unanimous?: number;
  };
  /** The model judge of the evaluation run against the raters' majority, when a model arm was judged. */
  judgeVsPeople?: { judge: string; items: number; agreement: number; cohensKappa: number };
  meanConfidence?: number;
  /** Help used in the assisted arm: answers written, and questions asked per answer. */
  assistance?: { answers: number; questionsPerAnswer: number };
}

const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : NaN);

export async function studyResults(store: DatasetStore, study: Study): Promise<StudyResults> {
  // A rater's latest verdict on an item counts.
  const latest = new Map<string, StudyRating>();
  for (const r of readRatings(store, study)) latest.set(`${r.rater}\u0000${r.itemId}`, r);
  const ratings = [...latest.values()];
  const raters = [...new Set(ratings.map((r) => r.rater))].sort();
  const items = [...new Set(ratings.map((r) => r.itemId))];
  const arms = study.arms.map(armName);
  // Win rate per arm: the item's mean score for that arm, resampled over items.
  const perItem = new Map<string, number[]>();
  for (const r of ratings) {
    const list = perItem.get(r.itemId) ?? [];
    list.push(r.preferred === null ? 0.5 : r.preferred === 0 ? 1 : 0);
    perItem.set(r.itemId, list);
  }
  const itemScores = [...perItem.values()].map((xs) => xs.reduce((a, b) => a + b, 0) / xs.length);
  const ci = bootstrapInterval(itemScores, { seed: study.seed, resamples: 2000 });
  const winRates = [
    { arm: arms[0], winRate: round(ci.value), low: round(ci.low), high: round(ci.high), n: items.length },
    { arm: arms[1], winRate: round(1 - ci.value), low: round(1 - ci.high), high: round(1 - ci.low), n: items.length },
  ];
  const label = (r: StudyRating | undefined) => (r ? (r.preferred === null ? 'tie' : String(r.preferred)) : null);
  const agreement: StudyResults['agreement'] = {};
  if (raters.length >= 2) {
    const grid = raters.map((rater) => items.map((item) => label(latest.get(`${rater}\u0000${item}`))));
    agreement.krippendorffAlpha = round(krippendorffAlpha(grid, 'nominal'));
    if (raters.length === 2) agreement.cohensKappa = round(cohensKappa(grid[0], grid[1]));
    const multi = items.filter((_, u) => grid.filter((row) => row[u] !== null).length >= 2);
    if (multi.length) agreement.unanimous = round(multi.filter((item) => new Set(raters.map((r) => label(latest.get(`${r}\u0000${item}`))).filter(Boolean)).size === 1).length / multi.length);
  }
  const results: StudyResults = { studyId: study.id, taskId: study.taskId, arms, items: items.length, ratings: ratings.length, raters, winRates, agreement };
  if (ratings.length) results.meanConfidence = round(ratings.reduce((a, r) => a + r.confidence, 0) / ratings.length);
  // Judge against people: a model arm compared with the reference, in a run a judge graded.
  const modelAt = study.arms.findIndex((a) => a.kind === 'model');
  const refAt = study.arms.findIndex((a) => a.kind === 'reference');
  if (modelAt >= 0 && refAt >= 0) {
    const arm = study.arms[modelAt] as Extract<Arm, { kind: 'model' }>;
    const judged = new Map<string, Judgement>();
    for (const j of readJudgements(runDir(store, study.taskId, arm.runId))) if (j.model === arm.model && j.verdict && j.judgedBy && j.judgedBy !== 'human') judged.set(j.instanceId, j);
    const judgeLabels: string[] = [];
    const peopleLabels: string[] = [];
    for (const item of items) {
      const j = judged.get(item);
      const votes = [...perItem.get(item)!];
      if (!j || !votes.length) continue;
      // People's majority, as arm index; a tie or a split vote counts as "same".
      const mean = votes.reduce((a, b) => a + b, 0) / votes.length;
      const modelWins = modelAt === 0 ? mean > 0.5 : mean < 0.5;
      const refWins = modelAt === 0 ? mean < 0.5 : mean > 0.5;
      peopleLabels.push(modelWins ? 'better' : refWins ? 'worse' : 'same');
      judgeLabels.push(j.verdict!);
    }
    if (judgeLabels.length) {
      const judge = [...judged.values()][0].judgedBy!;
      results.judgeVsPeople = { judge, items: judgeLabels.length, agreement: round(judgeLabels.filter((l, i) => l === peopleLabels[i]).length / judgeLabels.length), cohensKappa: round(cohensKappa(judgeLabels, peopleLabels)) };
    }
  }
  if (study.arms.some((a) => a.kind === 'assisted')) {
    const assisted = readAssisted(store, study);
    results.assistance = { answers: assisted.length, questionsPerAnswer: assisted.length ? round(assisted.reduce((a, x) => a + x.help.length, 0) / assisted.length) : 0 };
  }
  return results;
}

/** One tidy row per verdict: what analysis in R or pandas wants. */
export interface TidyRow {
  study: string;
  task: string;
  item: string;
  rater: string;
  arm_a: string;
  arm_b: string;
  shown_first: string;
  preferred: string;
  confidence: number;
  assisted_questions: number | null;
  at: string;
}

export async function tidyRows(store: DatasetStore, study: Study): Promise<TidyRow[]> {
  const arms = study.arms.map(armName);
  const assisted = readAssisted(store, study);
  return readRatings(store, study).map((r) => {
    const help = assisted.filter((a) => a.itemId === r.itemId).at(-1);
    return {
      study: study.id,
      task: study.taskId,
      item: r.itemId,
      rater: r.rater,
      arm_a: arms[0],
      arm_b: arms[1],
      shown_first: arms[r.shownFirst],
      preferred: r.preferred === null ? 'tie' : arms[r.preferred],
      confidence: r.confidence,
      assisted_questions: study.arms.some((a) => a.kind === 'assisted') ? (help?.help.length ?? 0) : null,
      at: r.at,
    };
  });
}

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  // A leading = + - @ would be run as a formula by spreadsheets: quote it with a leading apostrophe.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function tidyCsv(rows: readonly TidyRow[]): string {
  const cols: (keyof TidyRow)[] = ['study', 'task', 'item', 'rater', 'arm_a', 'arm_b', 'shown_first', 'preferred', 'confidence', 'assisted_questions', 'at'];
  return [cols.join(','), ...rows.map((r) => cols.map((c) => csvCell(r[c])).join(','))].join('\n') + '\n';
}

export function tidyJsonl(rows: readonly TidyRow[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
}
