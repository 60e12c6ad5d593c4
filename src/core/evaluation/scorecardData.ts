import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DatasetStore } from '../dataset/datasetStore';
import type { TaskSpec } from '../tasks/taskTypes';
import type { Scorecard } from './evaluateTask';
import { effectiveSplit, readSplitConfig } from './splits';
import { readTestConsultations, type TestConsultation } from './leakLog';
import { listStudies, studyResults, type StudyResults } from './blindStudy';
import { readPlantedRuns } from './plantedFlaws';

/** One evaluation run's figures per model, as the scorecard draws them. */
export interface RunFigures {
  runId: string;
  updatedAt: string;
  split?: string;
  models: { model: string; winRate: number | null; low: number | null; high: number | null; judged: number; errors: number }[];
}

/** Everything the evidence scorecard shows, from the dataset alone (the same numbers as the CLI's --json). */
export interface EvidenceScorecard {
  generatedAt: string;
  testBudget?: number;
  tasks: {
    taskId: string;
    title: string;
    split?: { train: number; test: number; testFraction: number; seed: number };
    consultations: TestConsultation[];
    runs: RunFigures[];
    studies: StudyResults[];
  }[];
  planted: { runId: string; createdAt: string; results: { model: string; caught: number; total: number; otherFindings: number }[] }[];
}

function readRuns(store: DatasetStore, taskId: string): RunFigures[] {
  const evals = path.join(store.taskDir(taskId), 'evals');
  let names: string[] = [];
  try {
    names = fs.readdirSync(evals);
  } catch {
    return [];
  }
  const runs: RunFigures[] = [];
  for (const n of names) {
    let card: Scorecard;
    try {
      card = JSON.parse(fs.readFileSync(path.join(evals, n, 'summary.json'), 'utf8')) as Scorecard;
    } catch {
      continue; // no summary yet (a run in progress), or one that cannot be read: not drawn
    }
    runs.push({
      runId: card.runId,
      updatedAt: card.updatedAt,
      split: card.split,
      models: Object.entries(card.byModel ?? {}).map(([model, s]) => ({
        model,
        winRate: s.winRate,
        low: s.winRateInterval?.[0] ?? null,
        high: s.winRateInterval?.[1] ?? null,
        judged: s.better + s.same + s.worse,
        errors: s.errors,
      })),
    });
  }
  return runs.sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
}

/** Gathers the scorecard of the tasks that have any evidence (runs, consultations, studies or a split). */
export async function collectScorecard(store: DatasetStore, tasks: readonly TaskSpec[], opts: { testBudget?: number; now?: Date } = {}): Promise<EvidenceScorecard> {
  const out: EvidenceScorecard = { generatedAt: (opts.now ?? new Date()).toISOString(), ...(opts.testBudget ? { testBudget: opts.testBudget } : {}), tasks: [], planted: [] };
  for (const task of tasks) {
    if (!fs.existsSync(store.taskDir(task.id))) continue;
    const config = readSplitConfig(store, task.id);
    const consultations = readTestConsultations(store, task.id);
    const runs = readRuns(store, task.id);
    const studies = await Promise.all(listStudies(store, task.id).map((s) => studyResults(store, s)));
    let split: EvidenceScorecard['tasks'][number]['split'];
    if (config) {
      const { instances } = await store.readInstances(task.id);
      const test = instances.filter((i) => effectiveSplit(i, config) === 'test').length;
      split = { train: instances.length - test, test, testFraction: config.testFraction, seed: config.seed };
    }
    if (!split && !consultations.length && !runs.length && !studies.length) continue;
    out.tasks.push({ taskId: task.id, title: task.title, ...(split ? { split } : {}), consultations, runs, studies });
  }
  out.planted = readPlantedRuns(store).map((r) => ({
    runId: r.runId,
    createdAt: r.createdAt,
    results: r.results.map((x) => ({ model: x.model, caught: x.planted.caught.length, total: x.planted.total, otherFindings: x.otherFindings })),
  }));
  return out;
}
