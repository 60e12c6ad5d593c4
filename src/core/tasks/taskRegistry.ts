import * as fs from 'node:fs';
import * as path from 'node:path';
import type { InformationConstraints, LoadedTask, TaskInputKind, TaskSpec } from './taskTypes';
import { INSTANCE_GUIDANCE } from './taskTypes';
import { BUILTIN_TASKS } from './builtinTasks';
import { AlignError, InputFileError } from '../errors';
import { readFileNoFollow } from '../dataset/jsonlFile';

const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const KINDS: readonly TaskInputKind[] = ['source-dialogue', 'text', 'idea-dialogue'];

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Version 0 specs were hand-written like the tasks call: snake_case keys (`input_type`,
 * `output_type`, `info_constraints`, `cutoff`). They are read as version 1 without loss.
 */
function migrate(raw: Obj): Obj {
  if (raw.schemaVersion !== undefined) return raw;
  const c = isObj(raw.constraints) ? raw.constraints : isObj(raw.info_constraints) ? raw.info_constraints : {};
  const constraints: Obj = { ...c };
  if (constraints.knowledgeCutoff === undefined && (c.knowledge_cutoff ?? c.cutoff) !== undefined) constraints.knowledgeCutoff = c.knowledge_cutoff ?? c.cutoff;
  if (constraints.excludedDocuments === undefined && c.excluded_documents !== undefined) constraints.excludedDocuments = c.excluded_documents;
  delete constraints.knowledge_cutoff;
  delete constraints.cutoff;
  delete constraints.excluded_documents;
  return {
    ...raw,
    schemaVersion: 1,
    inputType: raw.inputType ?? raw.input_type,
    outputType: raw.outputType ?? raw.output_type,
    inputKind: raw.inputKind ?? raw.input_kind ?? 'text',
    constraints,
  };
}

/** Checks a task.json; throws an InputFileError naming the file, the field and the fix. */
export function validateTaskSpec(raw: unknown, file: string): TaskSpec {
  const fail = (field: string, reason: string, hint: string): never => {
    throw new InputFileError(file, reason, hint, field);
  };
  if (!isObj(raw)) fail('(root)', 'must be a JSON object.', 'Write {"id": "...", "title": "...", ...}.');
  const v = migrate(raw as Obj);
  if (v.schemaVersion !== 1) fail('schemaVersion', `is ${JSON.stringify(v.schemaVersion)}; this version reads 1.`, 'Set "schemaVersion": 1 or update the extension.');
  if (typeof v.id !== 'string' || !ID.test(v.id)) fail('id', 'is missing or not a valid id.', 'Use lower-case letters, digits and dashes, e.g. "paper-qa".');
  for (const field of ['title', 'context', 'inputType', 'outputType'] as const) {
    if (typeof v[field] !== 'string' || !(v[field] as string).trim()) fail(field, 'is missing or empty.', `Add "${field}": "…" (text).`);
  }
  if (v.instructions !== undefined && typeof v.instructions !== 'string') fail('instructions', 'must be text.', 'Write the instructions as one string.');
  if (!KINDS.includes(v.inputKind as TaskInputKind)) fail('inputKind', `must be one of ${KINDS.join(', ')}.`, 'Use "text" for a task that works on a piece of text.');
  const c = v.constraints ?? {};
  if (!isObj(c)) fail('constraints', 'must be an object.', 'Write "constraints": {} when there are none.');
  const constraints = c as Obj;
  if (constraints.knowledgeCutoff !== undefined && (typeof constraints.knowledgeCutoff !== 'string' || !DATE.test(constraints.knowledgeCutoff))) {
    fail('constraints.knowledgeCutoff', 'must be a date written YYYY-MM-DD.', 'For example "2022-06-30".');
  }
  if (constraints.excludedDocuments !== undefined && (!Array.isArray(constraints.excludedDocuments) || !constraints.excludedDocuments.every((d) => typeof d === 'string'))) {
    fail('constraints.excludedDocuments', 'must be a list of strings.', 'For example ["arXiv 2212.03827", "ELK report"].');
  }
  if (constraints.note !== undefined && typeof constraints.note !== 'string') fail('constraints.note', 'must be text.', 'Write the note as a string.');
  const out: TaskSpec = {
    schemaVersion: 1,
    id: v.id as string,
    title: (v.title as string).trim(),
    context: (v.context as string).trim(),
    inputType: (v.inputType as string).trim(),
    outputType: (v.outputType as string).trim(),
    constraints: constraints as InformationConstraints,
    instructions: typeof v.instructions === 'string' && v.instructions.trim() ? v.instructions : `${v.context}\nInput: ${v.inputType}\nProduce: ${v.outputType}`,
    inputKind: v.inputKind as TaskInputKind,
  };
  return out;
}

/**
 * Built-in tasks plus the workspace's `<root>/<id>/task.json`; a workspace task overrides the
 * built-in of the same id. A bad task.json is reported and skipped; the others load.
 */
export async function loadTasks(datasetRoot: string): Promise<{ tasks: LoadedTask[]; problems: InputFileError[] }> {
  const byId = new Map<string, LoadedTask>(BUILTIN_TASKS.map((t) => [t.id, { ...t, origin: 'builtin' }]));
  const problems: InputFileError[] = [];
  let entries: fs.Dirent[] = [];
  try {
    entries = fs.readdirSync(datasetRoot, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      problems.push(new InputFileError(datasetRoot, `cannot be read (${(e as NodeJS.ErrnoException).code}).`, 'Check the dataset folder setting.'));
    }
  }
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const file = path.join(datasetRoot, entry.name, 'task.json');
    let text: string;
    try {
      // Never through a link: a repository's task.json linked to another file would be read (and
      // its lines quoted back in the error) from anywhere on the disk.
      const bytes = readFileNoFollow(file);
      if (!bytes) continue; // a folder of instances for a built-in task has no task.json
      text = bytes.toString('utf8');
    } catch (e) {
      if (AlignError.is(e)) problems.push(new InputFileError(file, `is ignored: ${e.message.replace(`${file} `, '')}`, e.hint));
      continue;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      problems.push(new InputFileError(file, `is not valid JSON (${(e as Error).message}).`, 'Fix the JSON syntax; the other tasks still load.'));
      continue;
    }
    try {
      const spec = validateTaskSpec(raw, file);
      if (spec.id !== entry.name) {
        problems.push(new InputFileError(file, `has id "${spec.id}" but lives in folder "${entry.name}".`, 'Make the folder name and the id the same.', 'id'));
        continue;
      }
      byId.set(spec.id, { ...spec, origin: 'workspace', specPath: file });
    } catch (e) {
      problems.push(e as InputFileError);
    }
  }
  return { tasks: [...byId.values()], problems };
}

/** A note when a task's instance count is outside the 2–20 the tasks call asks for; never blocks. */
export function taskInstanceCountWarning(count: number): string | undefined {
  if (count >= INSTANCE_GUIDANCE.min && count <= INSTANCE_GUIDANCE.max) return undefined;
  return `${count} instance${count === 1 ? '' : 's'} — the tasks call asks for ${INSTANCE_GUIDANCE.min} to ${INSTANCE_GUIDANCE.max}`;
}
