import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Logger } from '../core/ports';
import type { CliIo } from './cliIo';
import type { CliValues } from './cliOptions';
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
import { workedExamples } from '../core/dataset/workedExamples';
import { AlignError, InputFileError } from '../core/errors';
import { checkSource } from '../core/tasks/constraints';
import { SETTING_DEFAULTS } from '../core/settingDefaults';

/** What every command gets: parsed flags, I/O, a logger and the Ctrl-C signal. */
export interface CommonOptions {
  values: CliValues;
  io: CliIo;
  logger: Logger;
  signal: AbortSignal;
}

export function datasetRoot(o: CommonOptions): string {
  return path.resolve(o.io.cwd, o.values.dataset ?? SETTING_DEFAULTS.datasetFolder);
}

/** The dataset; its default folder in the working directory may not be a link (a cloned repository could ship one). */
export function openStore(o: CommonOptions): DatasetStore {
  return new DatasetStore(datasetRoot(o), { linkedRoot: o.values.dataset !== undefined ? 'allow' : 'refuse' });
}

export function cacheDir(io: CliIo): string {
  const base = io.env.ALIGN_CACHE_DIR ?? path.join(io.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'alignment-research-assistant');
  return base;
}

/** The model from the environment and flags, or undefined when none is configured. */
export function modelFrom(o: CommonOptions): ModelClient | undefined {
  const timeout = o.values.timeout !== undefined ? Number(o.values.timeout) : undefined;
  if (timeout !== undefined && !(timeout > 0)) throw new UsageError(`--timeout takes a number of seconds, not "${o.values.timeout}".`);
  const maxTime = o.values['max-time'] !== undefined ? Number(o.values['max-time']) : undefined;
  if (maxTime !== undefined && !(maxTime > 0)) throw new UsageError(`--max-time takes a number of seconds, not "${o.values['max-time']}".`);
  const maxChars = o.values['max-answer-chars'] !== undefined ? Number(o.values['max-answer-chars']) : undefined;
  if (maxChars !== undefined && !(Number.isInteger(maxChars) && maxChars > 0)) throw new UsageError(`--max-answer-chars takes a whole number, not "${o.values['max-answer-chars']}".`);
  const settings = resolveModelSettingsFromEnv(o.io.env, { model: o.values.model, baseUrl: o.values['base-url'], timeoutSeconds: timeout, maxAnswerSeconds: maxTime, maxAnswerChars: maxChars });
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
  const store = openStore(o);
  const rows = await Promise.all(
    tasks.map(async (t) => {
      const instances = await store.countInstances(t.id).catch((e: unknown) => {
        if (!AlignError.is(e)) throw e;
        problems.push(new InputFileError(store.instancesPath(t.id), e.message, e.hint));
        return 0;
      });
      return { id: t.id, title: t.title, origin: t.origin, inputKind: t.inputKind, instances };
    }),
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
  const store = openStore(o);
  const session = new ResearchSession(input, {
    model,
    passageBudgetTokens: 12_000,
    logger: o.logger,
    // The CLI has no workspace trust: the researcher chose the dataset folder by running it there.
    examples: () => workedExamples(store, input.task.id, { budgetTokens: 3000, datasetTrusted: true }),
  });
  const json = o.values.json;
  const turn = await session.ask(question, { signal: o.signal, onDelta: json ? undefined : (t) => o.io.stdout(t) });
  let instanceId: string | undefined;
  let saveError: AlignError | undefined;
  if (o.values.save && turn.status === 'done') {
    try {
      const inst = session.toInstance(turn.id, turn.answer);
      await store.appendInstance(inst, input.task);
      instanceId = inst.id;
    } catch (e) {
      if (!AlignError.is(e)) throw e;
      saveError = e;
    }
  }
  if (json) {
    // One JSON object whatever happened: a failed save carries its error beside the kept answer.
    const saveFailure = saveError ? { saveError: saveError.message, saveErrorCode: saveError.code, ...(saveError.hint ? { saveHint: saveError.hint } : {}) } : {};
    o.io.stdout(JSON.stringify({ ...jsonResult(turn, instanceId), ...saveFailure }) + '\n');
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
  if (saveError) {
    o.io.stderr(`align: not saved: ${saveError.display} The answer is ${json ? 'in the JSON output' : 'above'}.\n`);
    return 1;
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

/** A source the task's information constraints rule out is refused, by ask and run alike. */
function enforceConstraints(task: TaskSpec, source: ParsedSource | undefined): void {
  if (!source) return;
  const allowed = checkSource(source.ref, task.constraints);
  if (!allowed.allowed) throw new AlignError(allowed.reason, 'constraint', `Nothing was asked. Use another source, or edit the constraints in ${task.id}/task.json.`);
}

/** --field name=value, repeated: the named inputs of a task (e.g. elk-ideas' "problem"). */
export function parseFields(raw: string[] | undefined): Record<string, string> | undefined {
  if (!raw?.length) return undefined;
  const fields: Record<string, string> = {};
  for (const f of raw) {
    const m = /^([A-Za-z][\w-]*)=([\s\S]*)$/.exec(f);
    if (!m) throw new UsageError(`--field takes NAME=VALUE, e.g. --field problem="Find the direct translator"; got "${f}".`);
    if (!m[2].trim()) throw new UsageError(`--field ${m[1]} is empty.`);
    fields[m[1]] = m[2];
  }
  return fields;
}

export async function askCommand(o: CommonOptions, file: string, question: string): Promise<number> {
  if (!question.trim()) throw new UsageError('The question is empty.');
  const task = await loadTask(o, 'paper-qa');
  const source = await loadCliSource(o, file);
  enforceConstraints(task, source);
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
  const fields = parseFields(o.values.field);
  const source = o.values.source ? await loadCliSource(o, o.values.source) : undefined;
  enforceConstraints(task, source);
  const priorDialogue = o.values.dialogue ? readDialogue(path.resolve(o.io.cwd, o.values.dialogue)) : undefined;
  if (task.inputKind === 'source-dialogue') {
    if (!source) throw new UsageError(`Task "${task.id}" works on a paper: give it with --source FILE.`);
    const question = text?.trim() || 'Summarise this document.';
    return runSession(o, { task, source, priorDialogue, fields }, question);
  }
  if (text === undefined && !source && !fields && !priorDialogue) throw new UsageError(`Task "${task.id}" needs an input: --input FILE (or - for stdin), --source FILE, --field NAME=VALUE or --dialogue FILE.`);
  if (text !== undefined && !text.trim()) throw new AlignError('The input is empty.', 'empty-input', 'Give the task some text to work on.');
  return runSession(o, { task, source, text: text ?? source?.blocks.map((b) => b.text).join('\n\n'), priorDialogue, fields }, undefined);
}

function isLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

export async function validateCommand(o: CommonOptions): Promise<number> {
  const root = datasetRoot(o);
  if (!fs.existsSync(root)) {
    o.io.stderr(`align: no dataset at ${root}. Save an instance first, or pass --dataset DIR.\n`);
    return 1;
  }
  const { tasks, problems } = await loadTasks(root);
  const store = openStore(o);
  let bad = problems.length;
  for (const p of problems) o.io.stdout(`error: ${p.display}\n`);
  for (const t of tasks) {
    if (!fs.existsSync(store.instancesPath(t.id)) && !isLink(store.instancesPath(t.id)) && !isLink(store.taskDir(t.id))) continue;
    let read: Awaited<ReturnType<DatasetStore['readInstances']>>;
    try {
      read = await store.readInstances(t.id);
    } catch (e) {
      // A linked or unreadable file is a problem of that task; the others are still checked.
      if (!AlignError.is(e)) throw e;
      o.io.stdout(`error: ${e.display}\n`);
      bad++;
      continue;
    }
    const { instances, corrupt } = read;
    for (const c of corrupt) o.io.stdout(`error: ${c.file}:${c.line}: ${c.reason}\n`);
    bad += corrupt.length;
    const warn = taskInstanceCountWarning(instances.length);
    o.io.stdout(`${t.id}: ${instances.length} instance${instances.length === 1 ? '' : 's'}${corrupt.length ? `, ${corrupt.length} unreadable line${corrupt.length === 1 ? '' : 's'}` : ''}${warn ? ` — ${warn}` : ''}\n`);
  }
  o.io.stdout(bad ? `${bad} problem${bad === 1 ? '' : 's'} found; no file was changed.\n` : 'The dataset is valid.\n');
  return bad ? 1 : 0;
}
