import * as fs from 'node:fs';
import { newInstanceRecord } from '../dataset/records';
import * as path from 'node:path';
import type { DatasetStore } from '../dataset/datasetStore';
import type { ModelClient } from '../model/modelTypes';
import type { TaskSpec } from '../tasks/taskTypes';
import { critiqueDraft, type AnchoredFinding } from '../critique/critiqueRunner';
import { AlignError, InputFileError } from '../errors';
import { writeFileAtomic } from '../dataset/jsonlFile';
import { newId } from '../dataset/ids';
import { redactUrl } from '../redact';

/** A flaw a researcher planted in a copy of a draft: the sentence (copied from the draft) and what is wrong with it. */
export interface PlantedFlaw {
  quote: string;
  flaw: string;
}

/** A planted flaw located in the draft: character offsets [start, end) and 1-based lines. */
export interface PlacedFlaw extends PlantedFlaw {
  start: number;
  end: number;
  startLine: number;
  endLine: number;
}

const MAX_FLAWS = 500;

/** Character offset of the start of each 1-based line (index 0 unused). */
function lineStarts(text: string): number[] {
  const starts = [0, 0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineAt(starts: number[], offset: number): number {
  let lo = 1;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Where `quote` sits in `text`: verbatim, or with runs of white space folded (a quote copied across
 * a line break). Undefined when it is not there.
 */
export function locateQuote(text: string, quote: string, from = 0): { start: number; end: number } | undefined {
  const q = quote.trim();
  if (!q) return undefined;
  const exact = text.indexOf(q, from);
  if (exact >= 0) return { start: exact, end: exact + q.length };
  const pattern = q
    .split(/\s+/)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('\\s+');
  const re = new RegExp(pattern, 'g');
  re.lastIndex = from;
  const m = re.exec(text);
  return m ? { start: m.index, end: m.index + m[0].length } : undefined;
}

/**
 * Reads a flaws file: a JSON array of `{ "quote": …, "flaw": … }`. Refuses, naming them, the
 * quotes that are not in the draft: a flaw that cannot be placed cannot be scored.
 */
export function parsePlantedFlaws(json: string, file: string, draft: string): PlacedFlaw[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (e) {
    throw new InputFileError(file, `is not valid JSON (${(e as Error).message}).`, 'Write a JSON array of { "quote": "…", "flaw": "…" } objects.');
  }
  if (!Array.isArray(raw)) throw new InputFileError(file, 'must be a JSON array of { "quote", "flaw" } objects.', 'Wrap the flaws in [ … ].');
  if (!raw.length) throw new InputFileError(file, 'lists no flaws.', 'Add at least one { "quote", "flaw" }.');
  if (raw.length > MAX_FLAWS) throw new InputFileError(file, `lists ${raw.length} flaws; at most ${MAX_FLAWS} are scored.`, 'Split it into several files.');
  const starts = lineStarts(draft);
  const missing: string[] = [];
  const placed = raw.map((x, i): PlacedFlaw | undefined => {
    const f = x as Partial<PlantedFlaw>;
    if (!x || typeof x !== 'object' || typeof f.quote !== 'string' || !f.quote.trim()) throw new InputFileError(file, 'needs a non-empty "quote" on every flaw.', 'Copy the sentence from the draft.', `[${i}].quote`);
    if (typeof f.flaw !== 'string' || !f.flaw.trim()) throw new InputFileError(file, 'needs a "flaw" describing what is wrong.', 'Describe the planted flaw.', `[${i}].flaw`);
    const at = locateQuote(draft, f.quote);
    if (!at) {
      missing.push(`[${i}] “${f.quote.length > 60 ? `${f.quote.slice(0, 57)}…` : f.quote}”`);
      return undefined;
    }
    return { quote: f.quote.trim(), flaw: f.flaw.trim(), ...at, startLine: lineAt(starts, at.start), endLine: lineAt(starts, Math.max(at.start, at.end - 1)) };
  });
  if (missing.length) {
    throw new InputFileError(file, `has quote${missing.length === 1 ? '' : 's'} that ${missing.length === 1 ? 'is' : 'are'} not in the draft: ${missing.join('; ')}.`, 'Copy each quote verbatim from the draft the critic will read.', 'quote');
  }
  return placed as PlacedFlaw[];
}

/** The characters a finding points at: its quote where it appears verbatim in its lines, else the lines themselves. */
export function findingRange(draft: string, f: Pick<AnchoredFinding, 'quote' | 'startLine' | 'endLine'>): { start: number; end: number } {
  const starts = lineStarts(draft);
  const lineStart = starts[Math.min(f.startLine, starts.length - 1)] ?? 0;
  const lineEnd = f.endLine + 1 < starts.length ? starts[f.endLine + 1] - 1 : draft.length;
  const at = locateQuote(draft.slice(0, lineEnd), f.quote, lineStart);
  return at ?? { start: lineStart, end: lineEnd };
}

export interface PlantedScore {
  model: string;
  planted: {
    total: number;
    caught: (PlantedFlaw & { startLine: number; endLine: number; foundAs: string[] })[];
    missed: (PlantedFlaw & { startLine: number; endLine: number })[];
  };
  /** Findings that overlap no planted flaw (they may still be right: the draft had flaws of its own). */
  otherFindings: number;
  /** Sections whose request failed: a flaw there counts as missed, and the run says so. */
  errors: string[];
}

/** A flaw is caught when some finding's range overlaps its quote's range. */
export function scorePlanted(model: string, draft: string, flaws: readonly PlacedFlaw[], findings: readonly Pick<AnchoredFinding, 'quote' | 'startLine' | 'endLine' | 'problem'>[], errors: string[] = []): PlantedScore {
  const ranges = findings.map((f) => ({ f, ...findingRange(draft, f) }));
  const used = new Set<number>();
  const caught: PlantedScore['planted']['caught'] = [];
  const missed: PlantedScore['planted']['missed'] = [];
  for (const p of flaws) {
    const hits = ranges.map((r, i) => ({ r, i })).filter(({ r }) => r.start < p.end && p.start < r.end);
    const entry = { quote: p.quote, flaw: p.flaw, startLine: p.startLine, endLine: p.endLine };
    if (hits.length) {
      hits.forEach(({ i }) => used.add(i));
      caught.push({ ...entry, foundAs: hits.map(({ r }) => r.f.problem) });
    } else missed.push(entry);
  }
  return { model, planted: { total: flaws.length, caught, missed }, otherFindings: findings.length - used.size, errors };
}

/** A saved planted-flaw run: `<dataset>/flaw-detection/evals/<runId>/planted.json`. */
export interface PlantedRun {
  runId: string;
  createdAt: string;
  draftFile: string;
  flawsFile: string;
  results: PlantedScore[];
}

export const FLAW_TASK_ID = 'flaw-detection';

export interface PlantedOptions {
  draft: string;
  draftFile: string;
  flaws: readonly PlacedFlaw[];
  flawsFile: string;
  models: ModelClient[];
  /** The draft-critique task: the critic runs exactly as in everyday use. */
  critiqueTask: TaskSpec;
  /** The flaw-detection task: caught and missed flaws are saved as its instances when given. */
  flawTask?: TaskSpec;
  store?: DatasetStore;
  signal?: AbortSignal;
  onProgress?: (model: string, done: number, total: number) => void;
}

/**
 * Runs each critic on the draft (which holds the planted flaws but never their descriptions) and
 * scores which planted flaws its findings overlap. With a store, the run is saved and each
 * (critic, flaw) pair becomes an instance of the flaw-detection task.
 */
export async function evaluatePlantedFlaws(opts: PlantedOptions): Promise<PlantedRun & { dir?: string }> {
  const run: PlantedRun = { runId: `planted-${newId()}`, createdAt: new Date().toISOString(), draftFile: opts.draftFile, flawsFile: opts.flawsFile, results: [] };
  for (const model of opts.models) {
    const report = await critiqueDraft(opts.draft, {
      model,
      task: opts.critiqueTask,
      signal: opts.signal,
      onProgress: (done, total) => opts.onProgress?.(model.settings.model, done, total),
    });
    run.results.push(scorePlanted(model.settings.model, opts.draft, opts.flaws, report.findings, report.errors.map((e) => `${e.section}: ${e.message}`)));
  }
  if (!opts.store) return run;
  const dir = path.join(opts.store.taskDir(FLAW_TASK_ID), 'evals', run.runId);
  try {
    writeFileAtomic(path.join(dir, 'planted.json'), JSON.stringify(run, null, 2) + '\n');
  } catch (e) {
    throw new AlignError(`Could not save the run in ${dir}: ${(e as Error).message}.`, 'dataset-write', 'Choose a writable dataset folder.', { cause: e });
  }
  for (const [i, r] of run.results.entries()) {
    const model = opts.models[i];
    const outcomes = [...r.planted.caught.map((f) => ({ f, outcome: 'caught' as const })), ...r.planted.missed.map((f) => ({ f, outcome: 'missed' as const }))];
    for (const { f, outcome } of outcomes) {
      const inst = newInstanceRecord({
        taskId: FLAW_TASK_ID,
        createdAt: run.createdAt,
        input: { passages: [], dialogue: [], text: opts.draft, fields: { quote: f.quote, critic: r.model, outcome, run: run.runId } },
        output: f.flaw,
        ...('foundAs' in f ? { originalOutput: f.foundAs.join('\n') } : {}),
        model: { model: r.model, endpoint: redactUrl(model.settings.baseURL), parameters: { temperature: model.settings.temperature } },
        constraints: {},
      });
      await opts.store.appendInstance(inst, opts.flawTask);
    }
  }
  return { ...run, dir };
}

/** Every saved planted-flaw run of the dataset, oldest first (for comparing critics over time). */
export function readPlantedRuns(store: DatasetStore): PlantedRun[] {
  const evals = path.join(store.taskDir(FLAW_TASK_ID), 'evals');
  let names: string[] = [];
  try {
    names = fs.readdirSync(evals).filter((n) => n.startsWith('planted-'));
  } catch {
    return [];
  }
  const runs: PlantedRun[] = [];
  for (const n of names) {
    try {
      runs.push(JSON.parse(fs.readFileSync(path.join(evals, n, 'planted.json'), 'utf8')) as PlantedRun);
    } catch {
      // A run that cannot be read is skipped here; the file itself is left as it is.
    }
  }
  return runs.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}
