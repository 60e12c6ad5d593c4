import type { DatasetStore } from '../dataset/datasetStore';
import { newInstanceRecord } from '../dataset/records';
import type { InstanceInput, TaskInstance } from '../dataset/instanceTypes';
import type { ModelClient } from '../model/modelTypes';
import type { ParsedSource, PassageLocation } from '../sources/sourceTypes';
import type { LoadedTask } from '../tasks/taskTypes';
import type { PaperLibrary } from '../retrieval/library';
import type { Logger } from '../ports';
import { silentLogger } from '../ports';
import { PassageIndex, type ScoredPassage } from '../retrieval/retriever';
import { citationLabel } from '../retrieval/citations';
import { ResearchSession } from '../assistant/researchSession';
import { checkSource } from '../tasks/constraints';
import { ToolInputError, type ToolInput } from './toolInputs';

/** What the research tools work over; the CLI's MCP server and the extension each supply one. */
export interface ResearchToolDeps {
  store(): Promise<DatasetStore>;
  tasks(): Promise<LoadedTask[]>;
  /** The library, brought up to date; undefined when none is configured. */
  library(signal?: AbortSignal): Promise<PaperLibrary | undefined>;
  /** A file path, or an arXiv id or URL. */
  loadPaper(ref: string, signal?: AbortSignal): Promise<ParsedSource>;
  model(): Promise<ModelClient | undefined>;
  /** Where the model came from, for the instance's provenance when no model answered. */
  logger?: Logger;
}

/** A passage as the tools hand it out: which paper, where in it, and the text. */
export interface FoundPassage {
  paper: string;
  path?: string;
  /** `p. 6`, `§2, lines 40–52`. */
  location: string;
  page?: number;
  section?: string;
  startLine?: number;
  endLine?: number;
  score: number;
  text: string;
}

/** A tool's answer: text for a model to read and the same facts as data. */
export interface ToolAnswer<T> {
  text: string;
  data: T;
}

function found(p: ScoredPassage): FoundPassage {
  const loc: PassageLocation = p.location;
  return {
    paper: p.source.title,
    ...(p.source.path ? { path: p.source.path } : {}),
    location: citationLabel(loc),
    ...(loc.page !== undefined ? { page: loc.page } : {}),
    ...(loc.section ? { section: loc.section } : {}),
    ...(loc.startLine !== undefined ? { startLine: loc.startLine, endLine: loc.endLine ?? loc.startLine } : {}),
    score: Math.round(p.score * 1000) / 1000,
    text: p.text,
  };
}

function passagesText(passages: FoundPassage[], empty: string): string {
  if (!passages.length) return empty;
  return passages.map((p, i) => `${i + 1}. ${p.paper} (${p.location})\n${p.text.trim()}`).join('\n\n');
}

async function findTask(deps: ResearchToolDeps, id: string): Promise<LoadedTask> {
  const tasks = await deps.tasks();
  const task = tasks.find((t) => t.id === id);
  if (!task) throw new ToolInputError(`There is no task "${id}". Tasks: ${tasks.map((t) => t.id).join(', ')}.`);
  return task;
}

export async function searchLibrary(deps: ResearchToolDeps, input: ToolInput<'searchLibrary'>, signal?: AbortSignal): Promise<ToolAnswer<{ passages: FoundPassage[]; papers: number; skipped: { title: string; reason: string }[] }>> {
  const library = await deps.library(signal);
  if (!library) throw new ToolInputError('No library is configured: set alignment.library.folder (CLI: align mcp --library DIR).');
  const { passages, skipped } = await library.search(input.query, input.k ?? 5);
  const out = passages.map(found);
  return {
    text: passagesText(out, `No passage in the ${library.papers().length} papers of the library matches "${input.query}".`),
    data: { passages: out, papers: library.papers().length, skipped },
  };
}

export async function searchPaper(deps: ResearchToolDeps, input: ToolInput<'searchPaper'>, signal?: AbortSignal): Promise<ToolAnswer<{ paper: string; passages: FoundPassage[] }>> {
  const source = await deps.loadPaper(input.path, signal);
  const out = PassageIndex.fromSources([source]).search(input.query, input.k ?? 5).map(found);
  return { text: passagesText(out, `No passage of ${source.ref.title} matches "${input.query}".`), data: { paper: source.ref.title, passages: out } };
}

export async function listTasks(deps: ResearchToolDeps): Promise<ToolAnswer<{ tasks: { id: string; title: string; inputKind: string; inputType: string; outputType: string; instances: number }[] }>> {
  const store = await deps.store();
  const tasks = await Promise.all(
    (await deps.tasks()).map(async (t) => ({ id: t.id, title: t.title, inputKind: t.inputKind, inputType: t.inputType, outputType: t.outputType, instances: await store.countInstances(t.id) })),
  );
  return { text: tasks.map((t) => `${t.id} — ${t.title} (${t.instances} instances)\n  input: ${t.inputType}\n  output: ${t.outputType}`).join('\n'), data: { tasks } };
}

export async function listInstances(deps: ResearchToolDeps, input: ToolInput<'listInstances'>): Promise<ToolAnswer<{ task: string; instances: TaskInstance[]; unreadableLines: number }>> {
  await findTask(deps, input.task);
  const store = await deps.store();
  const { instances, corrupt } = await store.readInstances(input.task);
  const shown = instances.slice(-(input.limit ?? 20));
  const lines = shown.map((i) => `${i.id} (${i.createdAt})${i.rating ? ` rated ${i.rating.value}` : ''}\n  output: ${i.output.slice(0, 200).replace(/\s+/g, ' ')}${i.output.length > 200 ? '…' : ''}`);
  return {
    text: `${instances.length} instance${instances.length === 1 ? '' : 's'} of ${input.task}${corrupt.length ? ` (${corrupt.length} unreadable lines kept as they are)` : ''}${shown.length < instances.length ? `; the last ${shown.length}` : ''}:\n${lines.join('\n')}`,
    data: { task: input.task, instances: shown, unreadableLines: corrupt.length },
  };
}

/** The instance an agent asks to save, before it is written (shown in the confirmation). */
export async function draftInstance(deps: ResearchToolDeps, input: ToolInput<'saveInstance'>, provenance: { tool: string }): Promise<{ task: LoadedTask; instance: TaskInstance }> {
  const task = await findTask(deps, input.task);
  const structured: InstanceInput =
    typeof input.input === 'string'
      ? task.inputKind === 'text'
        ? { passages: [], dialogue: [], text: input.input }
        : { passages: [], dialogue: [{ role: 'researcher', content: input.input }] }
      : { passages: [], dialogue: input.input.dialogue ?? [], ...(input.input.text !== undefined ? { text: input.input.text } : {}), ...(input.input.fields ? { fields: input.input.fields } : {}) };
  if (input.source) {
    structured.source = /^[a-z]+:\/\//i.test(input.source)
      ? { title: input.source, kind: 'text', url: input.source, contentHash: '' }
      : { title: input.source.split(/[\\/]/).pop() ?? input.source, kind: 'text', path: input.source, contentHash: '' };
  }
  const instance = newInstanceRecord({
    taskId: task.id,
    input: structured,
    output: input.output,
    ...(input.originalOutput !== undefined ? { originalOutput: input.originalOutput } : {}),
    model: { model: 'unknown', endpoint: `agent-tool:${provenance.tool}`, parameters: {} },
    constraints: task.constraints,
  });
  return { task, instance };
}

export async function saveInstance(deps: ResearchToolDeps, input: ToolInput<'saveInstance'>, provenance: { tool: string }): Promise<ToolAnswer<{ id: string; task: string; file: string }>> {
  const { task, instance } = await draftInstance(deps, input, provenance);
  const store = await deps.store();
  await store.appendInstance(instance, task);
  const file = store.instancesPath(task.id);
  return { text: `Saved instance ${instance.id} of "${task.id}" to ${file}.`, data: { id: instance.id, task: task.id, file } };
}

/** Runs a task with the configured model; a paper task needs `source`. */
export async function runTask(deps: ResearchToolDeps, input: ToolInput<'runTask'>, signal?: AbortSignal): Promise<ToolAnswer<{ answer: string; status: string; passages: { id: string; location: string }[]; model?: string }>> {
  const task = await findTask(deps, input.task);
  const model = await deps.model();
  if (!model) throw new ToolInputError('No model is configured for run_task: set OPENAI_API_KEY (and OPENAI_BASE_URL / ALIGN_MODEL) for the server, or use a local endpoint.');
  let source: ParsedSource | undefined;
  if (input.source) source = await deps.loadPaper(input.source, signal);
  if (task.inputKind === 'source-dialogue' && !source) throw new ToolInputError(`Task "${task.id}" works on a paper: give its path or arXiv id as "source".`);
  if (source) {
    const allowed = checkSource(source.ref, task.constraints);
    if (!allowed.allowed) throw new ToolInputError(`${allowed.reason} The task's information constraints do not allow this source.`);
  }
  const session = new ResearchSession(source ? { task, source } : { task, text: input.input }, { model, passageBudgetTokens: 12_000, logger: deps.logger ?? silentLogger });
  const turn = await session.ask(source ? input.input : undefined, { signal });
  if (turn.status !== 'done') throw new Error(`${turn.error?.message ?? 'The answer did not finish.'}${turn.answer ? ` Partial answer: ${turn.answer}` : ''}`);
  return {
    text: turn.answer,
    data: { answer: turn.answer, status: turn.status, passages: turn.passages.map((p) => ({ id: p.id, location: citationLabel(p.location) })), model: turn.model?.model },
  };
}
