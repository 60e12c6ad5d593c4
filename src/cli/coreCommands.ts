import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Logger } from '../core/ports';
import type { CliIo } from './cliIo';
import type { CliValues } from './main';
import type { DialogueTurn } from '../core/dataset/instanceTypes';
import type { ModelClient } from '../core/model/modelTypes';
import type { ParsedSource } from '../core/sources/sourceTypes';
import type { TaskSpec } from '../core/tasks/taskTypes';
import { UsageError, readInputFile } from './cliIo';
import { ResearchSession, type SessionInput, type SessionTurn } from '../core/assistant/researchSession';
import { DatasetStore } from '../core/dataset/datasetStore';
import { loadTasks, taskInstanceCountWarning } from '../core/tasks/taskRegistry';
import { OpenAIModelClient } from '../core/model/openaiModelClient';
import { isModelConfigured, resolveModelSettingsFromEnv } from '../core/model/modelConfig';
import { SourceCache } from '../core/sources/sourceCache';
import { citationLabel } from '../core/retrieval/citations';
import { selectFewShotExamples, renderExample } from '../core/prompts/fewShot';
import { AlignError, InputFileError } from '../core/errors';
import { checkSource } from '../core/tasks/constraints';

/** What every command gets: parsed flags, I/O, a logger and the Ctrl-C signal. */
export interface CommonOptions {
  values: CliValues;
  io: CliIo;
  logger: Logger;
  signal: AbortSignal;
}

export function datasetRoot(o: CommonOptions): string {
  return path.resolve(o.io.cwd, o.values.dataset ?? 'alignment-tasks');
}

export function cacheDir(io: CliIo): string {
  const base = io.env.ALIGN_CACHE_DIR ?? path.join(io.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'alignment-research-assistant');
  return base;
}

/** The model from the environment and flags, or undefined when none is configured. */
export function modelFrom(o: CommonOptions): ModelClient | undefined {
  const timeout = o.values.timeout !== undefined ? Number(o.values.timeout) : undefined;
  if (timeout !== undefined && !(timeout > 0)) throw new UsageError(`--timeout takes a number of seconds, not "${o.values.timeout}".`);
  const settings = resolveModelSettingsFromEnv(o.io.env, { model: o.values.model, baseUrl: o.values['base-url'], timeoutSeconds: timeout });
  return isModelConfigured(settings) ? new OpenAIModelClient(settings, o.logger) : undefined;
}

export async function loadTask(o: CommonOptions, id: string): Promise<TaskSpec> {
  const { tasks, problems } = await loadTasks(datasetRoot(o));
  for (const p of problems) o.logger.warn(p.message);
  const task = tasks.find((t) => t.id === id);
  if (!task) throw new UsageError(`There is no task "${id}". Tasks: ${tasks.map((t) => t.id).join(', ')}.`);
  return task;
}

export async function tasksCommand(o: CommonOptions): Promise<number> {
  const root = datasetRoot(o);
  const { tasks, problems } = await loadTasks(root);
  const store = new DatasetStore(root);
  const rows = await Promise.all(
    tasks.map(async (t) => ({ id: t.id, title: t.title, origin: t.origin, inputKind: t.inputKind, instances: await store.countInstances(t.id) })),
  );
  if (o.values.json) {
    o.io.stdout(JSON.stringify({ tasks: rows, problems: problems.map((p) => p.message) }) + '\n');
  } else {
    const width = Math.max(...rows.map((r) => r.id.length));
    for (const r of rows) o.io.stdout(`${r.id.padEnd(width)}  ${String(r.instances).padStart(3)} instance${r.instances === 1 ? ' ' : 's'}  ${r.title}${r.origin === 'workspace' ? ' (workspace)' : ''}\n`);
    for (const p of problems) o.io.stderr(`warning: ${p.message}\n`);
  }
  return 0;
}

/** Reads a dialogue file: a JSON array of {role, content}, or lines starting "Researcher:" / "Assistant:". */
export function readDialogue(file: string): DialogueTurn[] {
  const text = readInputFile(file);
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let raw: unknown;
    try {
      raw = JSON.parse(trimmed);
    } catch (e) {
      throw new InputFileError(file, `is not valid JSON: ${(e as Error).message}`, 'Write a JSON array of {"role": "researcher"|"assistant", "content": "…"}.');
    }
    if (!Array.isArray(raw)) throw new InputFileError(file, 'must be a JSON array.');
    return raw.map((t, i) => {
      const turn = t as { role?: unknown; content?: unknown };
      const role = turn.role === 'user' ? 'researcher' : turn.role;
      if ((role !== 'researcher' && role !== 'assistant') || typeof turn.content !== 'string') {
        throw new InputFileError(file, `turn ${i + 1} needs "role" ("researcher" or "assistant") and "content" (text).`, undefined, `[${i}]`);
      }
      return { role, content: turn.content };
    });
  }
  const turns: DialogueTurn[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^(researcher|assistant|user)\s*:\s*(.*)$/i.exec(line);
    if (m) turns.push({ role: m[1].toLowerCase() === 'assistant' ? 'assistant' : 'researcher', content: m[2] });
    else if (turns.length) turns[turns.length - 1].content += `\n${line}`;
  }
  for (const t of turns) t.content = t.content.trim();
  if (!turns.length && trimmed) throw new InputFileError(file, 'has no turns.', 'Start each turn with "Researcher:" or "Assistant:", or use a JSON array.');
  return turns;
}

export async function loadCliSource(o: CommonOptions, file: string): Promise<ParsedSource> {
  const src = await (await import('./sourceArg')).loadSourceArg(file, {
    cwd: o.io.cwd,
    cache: new SourceCache(path.join(cacheDir(o.io), 'sources')),
    cacheDir: cacheDir(o.io),
    signal: o.signal,
    timeoutMs: 60_000,
    env: o.io.env,
  });
  for (const w of src.warnings) o.io.stderr(`warning: ${src.ref.title}: ${w}\n`);
  return src;
}

export async function runSession(o: CommonOptions, input: SessionInput, question: string | undefined): Promise<number> {
  const model = modelFrom(o);
  const store = new DatasetStore(datasetRoot(o));
  const session = new ResearchSession(input, {
    model,
    passageBudgetTokens: 12_000,
    logger: o.logger,
    examples: async () => selectFewShotExamples((await store.readInstances(input.task.id)).instances, { budgetTokens: 3000 }).map(renderExample),
  });
  const json = o.values.json;
  const turn = await session.ask(question, { signal: o.signal, onDelta: json ? undefined : (t) => o.io.stdout(t) });
  let instanceId: string | undefined;
  if (o.values.save && turn.status === 'done') {
    const inst = session.toInstance(turn.id, turn.answer);
    await store.appendInstance(inst, input.task);
    instanceId = inst.id;
  }
  if (json) {
    o.io.stdout(JSON.stringify(jsonResult(turn, instanceId)) + '\n');
  } else {
    if (!turn.answer.endsWith('\n')) o.io.stdout('\n');
    if (turn.passages.length && turn.status === 'done') {
      const cited = new Set(turn.citations.filter((c) => c.valid).map((c) => c.id));
      const shown = turn.passages.filter((p) => cited.has(p.id) || turn.passagesOnly);
      if (shown.length) o.io.stdout(`\nSources:\n${shown.map((p) => `  [${p.id}] ${citationLabel(p.location)}`).join('\n')}\n`);
      const invalid = turn.citations.filter((c) => !c.valid);
      if (invalid.length) o.io.stderr(`warning: the answer cites ${invalid.map((c) => c.id).join(', ')}, which match no passage given to the model.\n`);
    }
    if (instanceId) o.io.stderr(`Saved instance ${instanceId} to ${store.instancesPath(input.task.id)}\n`);
  }
  if (turn.status !== 'done') {
    const partial = turn.answer ? ` The partial answer (${turn.answer.length} characters) is ${json ? 'in the JSON output' : 'above'}.` : '';
    o.io.stderr(`align: ${turn.error?.message ?? 'the answer did not finish.'}${partial}\n`);
    if (o.values.save) o.io.stderr('align: nothing was saved because the answer did not finish.\n');
    return 1;
  }
  return 0;
}

function jsonResult(turn: SessionTurn, instanceId: string | undefined) {
  return {
    answer: turn.answer,
    status: turn.status,
    ...(turn.error ? { error: turn.error.message, errorCode: turn.error.code } : {}),
    passagesOnly: turn.passagesOnly ?? false,
    wholeSource: turn.wholeSource,
    passages: turn.passages.map((p) => ({ id: p.id, location: p.location, label: citationLabel(p.location), score: p.score, text: p.text })),
    citations: turn.citations,
    model: turn.model,
    instanceId: instanceId ?? null,
  };
}

export async function askCommand(o: CommonOptions, file: string, question: string): Promise<number> {
  if (!question.trim()) throw new UsageError('The question is empty.');
  const task = await loadTask(o, 'paper-qa');
  const source = await loadCliSource(o, file);
  const allowed = checkSource(source.ref, task.constraints);
  if (!allowed.allowed) throw new AlignError(allowed.reason, 'constraint', "Edit the task's constraints (task.json) to use it.");
  const priorDialogue = o.values.dialogue ? readDialogue(path.resolve(o.io.cwd, o.values.dialogue)) : undefined;
  return runSession(o, { task, source, priorDialogue }, question);
}

export async function runCommand(o: CommonOptions, taskId: string): Promise<number> {
  const task = await loadTask(o, taskId);
  let text: string | undefined;
  if (o.values.input === '-') text = await o.io.readStdin();
  else if (o.values.input) {
    text = readInputFile(path.resolve(o.io.cwd, o.values.input), 'Check the path given to --input.');
  }
  const source = o.values.source ? await loadCliSource(o, o.values.source) : undefined;
  const priorDialogue = o.values.dialogue ? readDialogue(path.resolve(o.io.cwd, o.values.dialogue)) : undefined;
  if (task.inputKind === 'source-dialogue') {
    if (!source) throw new UsageError(`Task "${task.id}" works on a paper: give it with --source FILE.`);
    const question = text?.trim() || 'Summarise this document.';
    return runSession(o, { task, source, priorDialogue }, question);
  }
  if (text === undefined && !source) throw new UsageError(`Task "${task.id}" needs an input: --input FILE, or --input - to read stdin.`);
  if (text !== undefined && !text.trim()) throw new AlignError('The input is empty.', 'empty-input', 'Give the task some text to work on.');
  return runSession(o, { task, source, text: text ?? source?.blocks.map((b) => b.text).join('\n\n'), priorDialogue }, undefined);
}

export async function validateCommand(o: CommonOptions): Promise<number> {
  const root = datasetRoot(o);
  if (!fs.existsSync(root)) {
    o.io.stderr(`align: no dataset at ${root}. Save an instance first, or pass --dataset DIR.\n`);
    return 1;
  }
  const { tasks, problems } = await loadTasks(root);
  const store = new DatasetStore(root);
  let bad = problems.length;
  for (const p of problems) o.io.stdout(`error: ${p.message}\n`);
  for (const t of tasks) {
    if (!fs.existsSync(store.instancesPath(t.id))) continue;
    const { instances, corrupt } = await store.readInstances(t.id);
    for (const c of corrupt) o.io.stdout(`error: ${c.file}:${c.line}: ${c.reason}\n`);
    bad += corrupt.length;
    const warn = taskInstanceCountWarning(instances.length);
    o.io.stdout(`${t.id}: ${instances.length} instance${instances.length === 1 ? '' : 's'}${corrupt.length ? `, ${corrupt.length} unreadable line${corrupt.length === 1 ? '' : 's'}` : ''}${warn ? ` — ${warn}` : ''}\n`);
  }
  o.io.stdout(bad ? `${bad} problem${bad === 1 ? '' : 's'} found; no file was changed.\n` : 'The dataset is valid.\n');
  return bad ? 1 : 0;
}
