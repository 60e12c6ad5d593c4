import * as fs from 'node:fs';
import * as path from 'node:path';
import { AlignError } from '../errors';
import type { DatasetStore } from '../dataset/datasetStore';
import type { TaskInstance } from '../dataset/instanceTypes';
import type { ChatMessage, ModelClient } from '../model/modelTypes';
import type { TaskSpec } from '../tasks/taskTypes';
import { appendJsonlLine, readJsonl, writeFileAtomic } from '../dataset/jsonlFile';
import { withFileLock } from '../dataset/fileLock';
import { assertNoLinkBelow } from '../dataset/datasetPaths';
import { buildMessages, partsFromInstance } from '../prompts/promptBuilder';
import { pickFewShotExamples, rankFewShotCandidates, renderExample } from '../prompts/fewShot';
import { escapePromptData } from '../prompts/promptData';
import { describeError } from '../errors';
import { newId } from '../dataset/ids';
import { effectiveSplit, readSplitConfig, type SplitConfig } from './splits';
import { leakBudget, logTestConsultation, type LeakBudget } from './leakLog';
import { bootstrapInterval } from './statistics';

export type Verdict = 'better' | 'same' | 'worse';

/** One line of `judgements.jsonl`: a model's answer to a saved instance, and how it compared. */
export interface Judgement {
  runId: string;
  instanceId: string;
  model: string;
  createdAt: string;
  /** The answer of the model under test (partial when it failed). */
  answer: string;
  /** The saved answer it is compared with. */
  reference: string;
  /** Compared with the saved answer: better, the same, or worse. Absent until judged. */
  verdict?: Verdict;
  score?: number;
  reason?: string;
  judgedBy?: 'human' | string;
  /** Set when the model failed on this instance; the run went on. */
  error?: string;
}

/** `summary.json`: counts and win rate per model. */
export interface Scorecard {
  runId: string;
  taskId: string;
  updatedAt: string;
  byModel: Record<string, ModelScore>;
  /** Which instances the run answered: the test split, the train split, or all (a task never split). */
  split?: EvaluationSplit;
  /** How many times the task's test split has been consulted, this run included. */
  testConsultations?: number;
}

export interface ModelScore {
  answered: number;
  errors: number;
  better: number;
  same: number;
  worse: number;
  unjudged: number;
  /** (better + same / 2) / judged. */
  winRate: number | null;
  /** 95% percentile bootstrap interval of the win rate over instances (seed 1, 1000 resamples). */
  winRateInterval: [number, number] | null;
  meanScore: number | null;
}

export type EvaluationSplit = 'test' | 'train' | 'all';

export interface EvaluateOptions {
  task: TaskSpec;
  store: DatasetStore;
  /** One model, or several to compare on the same instances. */
  models: ModelClient[];
  judge?: ModelClient;
  runId?: string;
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  /** Tokens of worked examples; 0 to evaluate zero-shot. */
  fewShotBudgetTokens?: number;
  /** Which instances to answer; default the test split when the task is split, else all. */
  split?: EvaluationSplit;
  /** How many consultations of the test split are allowed before `confirmOverBudget` is asked. */
  testBudget?: number;
  /** Asked when the test split has been consulted `testBudget` times already; false refuses the run. */
  confirmOverBudget?: (status: LeakBudget) => Promise<boolean>;
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** `<task>/evals/<runId>`; a run id is one plain name, so it cannot lead out of the dataset ("../.."). */
export function runDir(store: DatasetStore, taskId: string, runId: string): string {
  if (!RUN_ID.test(runId) || runId.includes('..')) {
    throw new AlignError(`"${runId}" is not a valid run id.`, 'bad-run-id', 'Use letters, digits, dots, dashes and underscores, e.g. run-2026-01-05 (or leave --run-id out for a new run).');
  }
  return path.join(store.taskDir(taskId), 'evals', runId);
}

/**
 * The chat the model under test sees for a saved instance: its input, with worked examples from
 * the train split only, never the instance itself. `all` may be ranked once with
 * rankFewShotCandidates and passed with `ranked: true`.
 */
export function evaluationMessages(task: TaskSpec, inst: TaskInstance, all: readonly TaskInstance[], budget: number, opts: { split?: SplitConfig; ranked?: boolean } = {}): ChatMessage[] {
  const pool = opts.ranked ? all : rankFewShotCandidates(all, opts.split);
  const examples = budget > 0 ? pickFewShotExamples(pool, { budgetTokens: budget, excludeId: inst.id }).map(renderExample) : [];
  return buildMessages({ ...partsFromInstance(task, inst.input), examples });
}

const JUDGE_SCHEMA = {
  name: 'judgement',
  schema: {
    type: 'object',
    additionalProperties: false,
    required: ['verdict', 'score', 'reason'],
    properties: { verdict: { type: 'string', enum: ['better', 'same', 'worse'] }, score: { type: 'integer', minimum: 1, maximum: 5 }, reason: { type: 'string' } },
  },
};

/** Asks the judge model to grade an answer against the saved one with a rubric. */
async function judgeAnswer(judge: ModelClient, task: TaskSpec, inst: TaskInstance, answer: string, signal?: AbortSignal): Promise<Pick<Judgement, 'verdict' | 'score' | 'reason' | 'judgedBy'>> {
  const messages: ChatMessage[] = [
    {
      role: 'system',
      content:
        `You grade answers for the task "${task.title}" (${task.outputType}). A researcher saved a reference answer. ` +
        'Compare the candidate with the reference on correctness, faithfulness to the input, usefulness to an alignment researcher, and concision. ' +
        'verdict: "better", "same" or "worse" than the reference; score: 1 (useless) to 5 (excellent) for the candidate; reason: one or two sentences. Answer with JSON.',
    },
    { role: 'user', content: `<input>\n${buildMessages(partsFromInstance(task, inst.input)).at(-1)!.content}\n</input>\n<reference>\n${escapePromptData(inst.output)}\n</reference>\n<candidate>\n${escapePromptData(answer)}\n</candidate>` },
  ];
  const result = await judge.chat({ messages, jsonSchema: JUDGE_SCHEMA, signal });
  const m = /\{[\s\S]*\}/.exec(result.text);
  let parsed: { verdict?: unknown; score?: unknown; reason?: unknown } = {};
  try {
    parsed = m ? (JSON.parse(m[0]) as typeof parsed) : {};
  } catch {
    parsed = {};
  }
  const verdict = ['better', 'same', 'worse'].includes(String(parsed.verdict)) ? (parsed.verdict as Verdict) : /\bbetter\b/i.test(result.text) ? 'better' : /\bworse\b/i.test(result.text) ? 'worse' : 'same';
  const score = Number(parsed.score);
  return { verdict, ...(Number.isFinite(score) ? { score } : {}), reason: typeof parsed.reason === 'string' ? parsed.reason : result.text.slice(0, 300), judgedBy: judge.settings.model };
}

export function readJudgements(dir: string): Judgement[] {
  return readJsonl(path.join(dir, 'judgements.jsonl'), (raw) => raw as Judgement).records.map((r) => r.value);
}

/** The latest verdict per (instance, model): a human verdict recorded later overrides the judge's. */
export function summarise(runId: string, taskId: string, judgements: Judgement[]): Scorecard {
  const latest = new Map<string, Judgement>();
  for (const j of judgements) {
    const key = `${j.model}\u0000${j.instanceId}`;
    const prev = latest.get(key);
    latest.set(key, prev && !j.answer && prev.answer ? { ...prev, verdict: j.verdict ?? prev.verdict, judgedBy: j.judgedBy, reason: j.reason ?? prev.reason } : j);
  }
  const byModel: Scorecard['byModel'] = {};
  for (const j of latest.values()) {
    const s = (byModel[j.model] ??= { answered: 0, errors: 0, better: 0, same: 0, worse: 0, unjudged: 0, winRate: null, winRateInterval: null, meanScore: null });
    if (j.error) s.errors++;
    else s.answered++;
    if (j.verdict) s[j.verdict]++;
    else if (!j.error) s.unjudged++;
  }
  for (const [model, s] of Object.entries(byModel)) {
    const judged = s.better + s.same + s.worse;
    // Ties count half, as in pairwise win rates.
    s.winRate = judged ? Math.round(((s.better + s.same / 2) / judged) * 1000) / 1000 : null;
    if (judged) {
      const points = [...Array(s.better).fill(1), ...Array(s.same).fill(0.5), ...Array(s.worse).fill(0)] as number[];
      const ci = bootstrapInterval(points, { seed: 1, resamples: 1000 });
      s.winRateInterval = [Math.round(ci.low * 1000) / 1000, Math.round(ci.high * 1000) / 1000];
    }
    const scores = [...latest.values()].filter((j) => j.model === model && typeof j.score === 'number').map((j) => j.score!);
    s.meanScore = scores.length ? Math.round((scores.reduce((a, b) => a + b, 0) / scores.length) * 100) / 100 : null;
  }
  return { runId, taskId, updatedAt: new Date().toISOString(), byModel };
}

/**
 * Re-runs models against a task's saved instances. Each answer (and the judge's grade, when a
 * judge is given) is appended to `<dataset>/<task>/evals/<runId>/judgements.jsonl` as it
 * arrives; a re-run with the same run id skips what is already there, so an interrupted
 * evaluation resumes. A failure on one instance is recorded and the run goes on.
 */
export async function evaluateTask(opts: EvaluateOptions): Promise<{ runId: string; dir: string; scorecard: Scorecard; judgements: Judgement[] }> {
  const runId = opts.runId ?? `run-${newId()}`;
  const dir = runDir(opts.store, opts.task.id, runId);
  assertNoLinkBelow(opts.store.root, path.join(dir, 'judgements.jsonl'));
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'judgements.jsonl');
  const { instances: all } = await opts.store.readInstances(opts.task.id);
  const splitConfig = readSplitConfig(opts.store, opts.task.id);
  const split: EvaluationSplit = opts.split ?? (splitConfig ? 'test' : 'all');
  if (split !== 'all' && !splitConfig && !all.some((i) => i.split)) {
    throw new AlignError(`Task "${opts.task.id}" has no train/test split.`, 'not-split', `Split it first (align dataset split ${opts.task.id} --test 0.3), or evaluate on all instances.`);
  }
  const instances = split === 'all' ? all : all.filter((i) => effectiveSplit(i, splitConfig) === split);
  const done = new Set(readJudgements(dir).filter((j) => !j.error).map((j) => `${j.model}\u0000${j.instanceId}`));
  const jobs = opts.models.flatMap((m) => instances.map((inst) => ({ model: m, inst }))).filter((j) => !done.has(`${j.model.settings.model}\u0000${j.inst.id}`));
  const testTouched = new Set(jobs.filter((j) => effectiveSplit(j.inst, splitConfig) === 'test').map((j) => j.inst.id)).size;
  if (testTouched) {
    const status = leakBudget(opts.store, opts.task.id, opts.testBudget);
    if (status.exceeded && !(await opts.confirmOverBudget?.(status))) {
      throw new AlignError(
        `The test split of "${opts.task.id}" has been consulted ${status.consultations} times, at its budget of ${status.budget}.`,
        'leak-budget',
        'Each look leaks a little of the held-out set. Confirm to run anyway (--yes on the command line), or raise the budget.',
      );
    }
    await logTestConsultation(opts.store, opts.task.id, {
      at: new Date().toISOString(),
      kind: 'evaluation',
      runId,
      models: opts.models.map((m) => m.settings.model),
      ...(opts.judge ? { judge: opts.judge.settings.model } : {}),
      instances: testTouched,
    });
  }
  // Worked examples come from train only (never test, never the instance itself), ranked once.
  const pool = rankFewShotCandidates(all, splitConfig);
  const total = jobs.length;
  // Judgements are appended in small batches (one lock, one write, one fsync per batch) rather than
  // one by one: at 10,000 instances the per-line fsync would dominate the tool's own time. A crash
  // loses at most the last batch of answers, which a resumed run asks for again; saved instances are
  // untouched. Within this process batches go one after another, so workers never meet the lock.
  let pending: Judgement[] = [];
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let writes: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = undefined;
    const batch = pending;
    pending = [];
    if (!batch.length) return writes;
    writes = writes.then(() => withFileLock(file, async () => appendJsonlLines(file, batch)));
    return writes;
  };
  const append = async (line: Judgement): Promise<void> => {
    pending.push(line);
    if (pending.length >= 64) await flush();
    else flushTimer ??= setTimeout(() => void flush().catch(() => undefined), 250);
  };
  let finished = 0;
  let next = 0;
  const work = async () => {
    while (next < jobs.length && !opts.signal?.aborted) {
      const { model, inst } = jobs[next++];
      const base: Judgement = { runId, instanceId: inst.id, model: model.settings.model, createdAt: new Date().toISOString(), answer: '', reference: inst.output };
      let line: Judgement;
      try {
        const result = await model.chat({ messages: evaluationMessages(opts.task, inst, pool, opts.fewShotBudgetTokens ?? 2000, { ranked: true }), signal: opts.signal });
        line = { ...base, answer: result.text };
        if (opts.judge) line = { ...line, ...(await judgeAnswer(opts.judge, opts.task, inst, result.text, opts.signal)) };
      } catch (e) {
        const err = e as { code?: string; partial?: string };
        if (err.code === 'cancelled' || opts.signal?.aborted) break;
        line = { ...base, answer: err.partial ?? '', error: describeError(e) };
      }
      await append(line);
      finished++;
      opts.onProgress?.(finished, total);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 2, jobs.length)) }, work));
  } finally {
    await flush();
  }
  const judgements = readJudgements(dir);
  const scorecard: Scorecard = { ...summarise(runId, opts.task.id, judgements), split, testConsultations: leakBudget(opts.store, opts.task.id, undefined).consultations };
  writeFileAtomic(path.join(dir, 'summary.json'), JSON.stringify(scorecard, null, 2) + '\n');
  return { runId, dir, scorecard, judgements };
}

/** Appends several JSON lines with one write and one fsync; a torn last line of the file gets its own line ended first. */
function appendJsonlLines(file: string, values: readonly unknown[]): void {
  const fd = fs.openSync(file, 'a+');
  try {
    const size = fs.fstatSync(fd).size;
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      fs.readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    fs.writeSync(fd, prefix + values.map((v) => JSON.stringify(v)).join('\n') + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Records a researcher's verdict (better / same / worse) on one answer, and updates the summary. */
export async function recordHumanVerdict(dir: string, taskId: string, j: Pick<Judgement, 'instanceId' | 'model'>, verdict: Verdict): Promise<Scorecard> {
  const file = path.join(dir, 'judgements.jsonl');
  const runId = path.basename(dir);
  await withFileLock(file, async () =>
    appendJsonlLine(file, { runId, instanceId: j.instanceId, model: j.model, createdAt: new Date().toISOString(), answer: '', reference: '', verdict, judgedBy: 'human' } satisfies Judgement),
  );
  const scorecard = summarise(runId, taskId, readJudgements(dir));
  writeFileAtomic(path.join(dir, 'summary.json'), JSON.stringify(scorecard, null, 2) + '\n');
  return scorecard;
}
