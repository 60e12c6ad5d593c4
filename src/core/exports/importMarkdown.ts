import * as fs from 'node:fs';
import { newInstanceRecord } from '../dataset/records';
import type { DatasetStore } from '../dataset/datasetStore';
import type { DialogueTurn, FeedbackRecord, TaskInstance } from '../dataset/instanceTypes';
import type { InformationConstraints, TaskInputKind, TaskSpec } from '../tasks/taskTypes';
import { validateTaskSpec } from '../tasks/taskRegistry';
import { BUILTIN_TASKS } from '../tasks/builtinTasks';
import { AlignError } from '../errors';
import { findLabels, stripLineDecoration, type LabelHit } from './callTokens';
import { parseConstraintsText } from './callConstraints';
import { FEEDBACK_BLOCK, FEEDBACK_NOTE, INSTANCE_BLOCK, INSTANCE_END, OUTPUT_LABEL, TASK_BLOCK, constraintsText, decodeBlock, renderInstanceBody } from './markdownLayout';

export interface ImportedTask {
  spec: TaskSpec;
  instances: TaskInstance[];
  /** Ratings and dismissed answers carried by a Markdown export (hidden copies). */
  feedback?: FeedbackRecord[];
  /** A one-line task idea with no instances yet ("proto-example"): its spec is a draft to complete. */
  draft?: boolean;
}

export interface ImportResult {
  tasks: ImportedTask[];
  /** What could not be read or placed, with 1-based line numbers in the imported file. */
  problems: { line: number; message: string }[];
  /** What was understood, one line per task, for the importer to print. */
  understood: string[];
}

export interface ImportOptions {
  /** Read a list of one-line task ideas as draft tasks when the file has no task in it. */
  drafts?: boolean;
}

interface RawInstance {
  line: number;
  input: string[];
  source?: string;
  turns: DialogueTurn[];
  output: string[];
  constraints?: string[];
  /** The exporter's hidden copy, when there is one: the instance exactly as saved. */
  exact?: TaskInstance;
  /** The answer as shown in the Markdown under an exact copy (to notice a hand edit). */
  shownOutput?: string;
  /** An id named by an older export's `<!-- instance-id: … -->`. */
  legacyId?: string;
}

interface RawTask {
  line: number;
  title?: string[];
  taskText?: string[];
  context?: string[];
  inputType?: string[];
  outputType?: string[];
  constraints?: string[];
  instances: RawInstance[];
  exact?: TaskSpec;
  /** An id named by an older export's `<!-- task-id: … -->`. */
  legacyId?: string;
  feedback: FeedbackRecord[];
  startedByExample: boolean;
}

type Sink = string[] | undefined;

const BUILTIN_IDS = new Set(BUILTIN_TASKS.map((t) => t.id));
const joined = (parts: string[] | undefined) => (parts ?? []).join('\n').replace(/[ \t]+\n/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
const shorten = (s: string, n = 60) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function slug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60).replace(/-$/, '') || 'imported-task';
}

/** An input type that names a paper (or post) and a dialogue runs as a source-dialogue task. */
export function inputKindFor(inputType: string, instances: RawInstance[] = []): TaskInputKind {
  const source = /\b(paper|post|article|document|source|report|book)s?\b/i.test(inputType);
  const dialogue = /\b(dialogue|dialog|conversation|questions?|chat)\b/i.test(inputType);
  if ((source && dialogue) || instances.some((i) => i.source && i.turns.length)) return 'source-dialogue';
  if (dialogue && /\b(ideas?|propos\w*|plans?|approach\w*)\b/i.test(inputType)) return 'idea-dialogue';
  return 'text';
}

/**
 * Reads tasks as the 2022 tasks call wrote them, however they were pasted: labels ("Example 1:",
 * "Task:", "Context:", "Input type:", "Output type:", "Info constraints:", "Instance 1:", "Input",
 * "Output", "Source:", "Researcher:", "Assistant:") on their own lines, in bullets or headings, or
 * running inline in one paragraph. Files written by the Markdown export carry a hidden copy of
 * each task and instance, read back exactly. Anything it cannot place is reported with its line.
 */
export function importTasksMarkdown(markdown: string, file: string, opts: ImportOptions = {}): ImportResult {
  const lines = markdown.replace(/^\uFEFF/, '').split(/\r?\n/);
  const problems: ImportResult['problems'] = [];
  const tasks: RawTask[] = [];
  let sink: Sink;
  /** Where the text of the current line goes, and whether that line has started there yet. */
  let sinkLine = -1;
  let mode: 'task' | 'input' | 'output' | 'none' = 'none';
  let fence: string | undefined;
  let unplaced: { line: number; last: number; text: string } | undefined;
  const task = () => tasks[tasks.length - 1];
  const instance = () => task()?.instances[task().instances.length - 1];
  const flushUnplaced = () => {
    if (unplaced) problems.push({ line: unplaced.line, message: `Could not tell which task or field this belongs to, so it was skipped: "${shorten(unplaced.text)}".` });
    unplaced = undefined;
  };
  const write = (text: string, lineNo: number) => {
    // A source is named on one line; what follows it is the input's text.
    if (pendingSource && sink === pendingSource.box && lineNo !== sinkLine && sinkLine !== -1) {
      const inst = pendingSource.inst;
      settle();
      sink = inst.input;
    }
    if (!sink) {
      // A document's own title, before any task, is no loss; other text is reported once per paragraph.
      if (!text.trim()) flushUnplaced();
      else if (unplaced && unplaced.last >= lineNo - 1) {
        unplaced.text += ` ${text.trim()}`;
        unplaced.last = lineNo;
      } else if (!(tasks.length === 0 && /^\s{0,3}#/.test(text))) {
        flushUnplaced();
        unplaced = { line: lineNo, last: lineNo, text: text.trim() };
      }
      return;
    }
    if (sinkLine === lineNo && sink.length) sink[sink.length - 1] += text;
    else sink.push(text);
    sinkLine = lineNo;
  };
  const startTask = (lineNo: number, byExample: boolean): RawTask => {
    const t: RawTask = { line: lineNo, instances: [], feedback: [], startedByExample: byExample };
    tasks.push(t);
    return t;
  };
  const startInstance = (lineNo: number): RawInstance | undefined => {
    let t = task();
    if (!t) {
      problems.push({ line: lineNo, message: 'An instance comes before any "Task:"; a task was started for it. Add a "Task:" line above it.' });
      t = startTask(lineNo, false);
    }
    const inst: RawInstance = { line: lineNo, input: [], turns: [], output: [] };
    t.instances.push(inst);
    return inst;
  };
  const open = (hit: LabelHit, lineNo: number) => {
    const t = task();
    const inst = instance();
    switch (hit.kind) {
      case 'example':
        sink = startTask(lineNo, true).title = [];
        mode = 'task';
        break;
      case 'task': {
        const reuse = t && t.startedByExample && !t.taskText && !t.instances.length && !t.context;
        sink = (reuse ? t : startTask(lineNo, false)).taskText = [];
        mode = 'task';
        break;
      }
      case 'context':
      case 'inputType':
      case 'outputType': {
        let target = t;
        if (!target || (target.instances.length && target[hit.kind])) {
          if (!target) problems.push({ line: lineNo, message: `"${hit.kind === 'context' ? 'Context' : hit.kind === 'inputType' ? 'Input type' : 'Output type'}:" comes before any "Task:"; a task was started for it.` });
          target = startTask(lineNo, false);
        }
        sink = target[hit.kind] = [];
        mode = 'task';
        break;
      }
      case 'constraints':
        if (inst && mode !== 'task') sink = inst.constraints = [];
        else if (t) sink = t.constraints = [];
        else sink = startTask(lineNo, false).constraints = [];
        break;
      case 'instance':
        startInstance(lineNo);
        sink = undefined;
        mode = 'input';
        break;
      case 'input':
        if (!inst || inst.output.length || inst.input.length || inst.turns.length || inst.source !== undefined) startInstance(lineNo);
        sink = instance()!.input;
        mode = 'input';
        break;
      case 'output':
        sink = (inst ?? startInstance(lineNo)!).output;
        mode = 'output';
        break;
      case 'source': {
        const i = inst!;
        const box: string[] = [];
        i.source = '';
        sink = box;
        // The title is read when the source's text ends (see finishSource).
        pendingSource = { inst: i, box };
        break;
      }
      case 'researcher':
      case 'assistant': {
        const i = inst!;
        if (mode === 'output') {
          if (hit.kind === 'assistant' && !joined(i.output)) sink = i.output;
          else {
            sink = i.output;
            write(`\n${hit.kind === 'assistant' ? 'Assistant' : 'Researcher'}: `, lineNo);
          }
          break;
        }
        const turn: DialogueTurn = { role: hit.kind, content: '' };
        i.turns.push(turn);
        const box: string[] = [];
        sink = box;
        pendingTurn = { turn, box };
        break;
      }
    }
  };
  let pendingSource: { inst: RawInstance; box: string[] } | undefined;
  let pendingTurn: { turn: DialogueTurn; box: string[] } | undefined;
  const settle = () => {
    if (pendingSource) pendingSource.inst.source = joined(pendingSource.box).replace(/\s*\(?<?https?:\/\/\S+>?\)?\s*$/, '').trim();
    if (pendingTurn) pendingTurn.turn.content = joined(pendingTurn.box);
    pendingSource = undefined;
    pendingTurn = undefined;
  };

  let i = 0;
  if (lines[0]?.trim() === '---') {
    const end = lines.findIndex((l, n) => n > 0 && /^(---|\.\.\.)\s*$/.test(l));
    if (end > 0) i = end + 1;
  }
  for (; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i];
    if (fence !== undefined) {
      write(raw, lineNo);
      if (raw.trim().startsWith(fence)) fence = undefined;
      continue;
    }
    const fenceOpen = /^\s{0,3}(`{3,}|~{3,})/.exec(raw);
    if (fenceOpen) {
      fence = fenceOpen[1];
      write(raw, lineNo);
      continue;
    }
    const trimmed = raw.trim();
    const taskBlock = TASK_BLOCK.exec(trimmed);
    if (taskBlock) {
      const spec = decodeBlock(taskBlock[1]);
      if (task() && spec) {
        try {
          task().exact = validateTaskSpec(spec, `${file}:${lineNo}`);
        } catch (e) {
          problems.push({ line: lineNo, message: `The hidden copy of the task could not be read (${(e as Error).message}); the visible text was used.` });
        }
      } else problems.push({ line: lineNo, message: 'A hidden task copy that could not be read, or that comes before any task, was skipped.' });
      continue;
    }
    const instBlock = INSTANCE_BLOCK.exec(trimmed);
    if (instBlock) {
      const exact = decodeBlock(instBlock[1]) as TaskInstance | undefined;
      const end = exact && typeof exact.id === 'string' ? lines.findIndex((l, n) => n > i && l.trim() === INSTANCE_END(exact.id)) : -1;
      if (!exact || typeof exact.output !== 'string' || !exact.input || end < 0) {
        problems.push({ line: lineNo, message: 'A hidden instance copy could not be read (or has no end marker); the visible text was read instead.' });
        continue;
      }
      settle();
      const inst: RawInstance = { line: lineNo, input: [], turns: [], output: [], exact, shownOutput: shownAnswer(lines.slice(i + 1, end), exact, lineNo, problems) };
      if (!task()) startTask(lineNo, false);
      const last = instance();
      // The heading "### Instance N" just before the copy opened an empty instance: this is it.
      if (last && !last.exact && !last.input.length && !last.output.length && !last.turns.length && last.source === undefined) task().instances.pop();
      task().instances.push(inst);
      sink = undefined;
      mode = 'none';
      i = end;
      continue;
    }
    const feedbackBlock = FEEDBACK_BLOCK.exec(trimmed);
    if (feedbackBlock) {
      const f = decodeBlock(feedbackBlock[1]) as FeedbackRecord | undefined;
      if (f && task() && typeof f.id === 'string' && typeof f.output === 'string') task().feedback.push(f);
      else problems.push({ line: lineNo, message: 'A hidden feedback copy could not be read, or comes before any task; it was skipped.' });
      continue;
    }
    // Exports before the hidden copies named ids in comments: they are kept, so re-importing one adds no duplicates.
    const legacyTask = /^<!-- task-id: ([a-z0-9][a-z0-9-]*) -->$/.exec(trimmed);
    if (legacyTask && task()) task().legacyId = legacyTask[1];
    const legacyInstance = /^<!-- instance-id: ([A-Za-z0-9_-]+) -->$/.exec(trimmed);
    if (legacyInstance && instance()) instance()!.legacyId = legacyInstance[1];
    if (/^<!--[\s\S]*-->$/.test(trimmed) || trimmed.startsWith(FEEDBACK_NOTE)) continue; // other comments, such as a legacy "task-id" note
    if (/^(-{3,}|\*{3,}|_{3,}|={3,})$/.test(trimmed)) continue; // a thematic break or a heading's underline
    const { text } = stripLineDecoration(raw);
    const hits = findLabels(text, (accepted) => {
      const prev = accepted[accepted.length - 1];
      const inInstance = !!instance() || accepted.some((h) => h.kind === 'instance' || h.kind === 'input');
      // Labels found earlier on this line have not been acted on yet: read the state from them.
      const lastOpen = Math.max(...accepted.map((h, n) => (h.kind === 'instance' || h.kind === 'input' ? n : -1)), -1);
      const lastOutput = Math.max(...accepted.map((h, n) => (h.kind === 'output' ? n : -1)), -1);
      const inInput = lastOpen >= 0 || lastOutput >= 0 ? lastOpen > lastOutput : mode === 'input';
      return {
        inInstance: inInstance && !(prev && ['example', 'task', 'context', 'inputType', 'outputType'].includes(prev.kind)),
        inInput,
        justOpenedInstance: prev?.kind === 'instance' || (!prev && mode === 'input' && !!instance() && !instance()!.input.length && !instance()!.turns.length),
      };
    });
    if (!hits.length) {
      // A line without a label continues the field before it, as written (lists and emphasis kept).
      write(trimmed ? raw : '', lineNo);
      continue;
    }
    if (hits[0].start > 0) write(text.slice(0, hits[0].start), lineNo);
    hits.forEach((hit, n) => {
      settle();
      open(hit, lineNo);
      sinkLine = -1;
      const content = text.slice(hit.end, hits[n + 1]?.start ?? text.length);
      if (content.trim()) write(content, lineNo);
    });
  }
  settle();
  flushUnplaced();

  if (!tasks.length && opts.drafts) return draftTasks(lines, file);

  const result: ImportedTask[] = [];
  const understood: string[] = [];
  for (const t of tasks) {
    const built = buildTask(t, problems);
    result.push(built);
    understood.push(describeImported(built));
  }
  if (!tasks.length) {
    problems.push({
      line: 1,
      message: `${file} has no task in it. Start each task with "Task: …" (or "Example 1: <title>"), followed by "Context:", "Input type:", "Output type:", "Info constraints:" and "Instance 1:" with "Input" and "Output"; to import a list of one-line task ideas as drafts, ask for drafts (CLI: --drafts).`,
    });
  }
  return { tasks: result, problems, understood };
}

function buildTask(t: RawTask, problems: ImportResult['problems']): ImportedTask {
  const exact = t.exact;
  const example = joined(t.title);
  const taskText = joined(t.taskText);
  const title = exact?.title ?? (example || taskText || 'Untitled task');
  const context = joined(t.context);
  const inputType = joined(t.inputType);
  const outputType = joined(t.outputType);
  const missing = [!context && !exact && 'Context', !inputType && !exact && 'Input type', !outputType && !exact && 'Output type'].filter(Boolean);
  if (missing.length) problems.push({ line: t.line, message: `Task "${shorten(title)}" has no ${missing.join(', ')}; a placeholder was put in its place — edit the task to say it.` });
  const constraintsRaw = joined(t.constraints);
  const constraints: InformationConstraints = exact && (!t.constraints || constraintsRaw === constraintsText(exact.constraints)) ? exact.constraints : parseConstraintsText(constraintsRaw);
  const spec: TaskSpec = exact
    ? {
        ...exact,
        ...(context && context !== exact.context ? { context } : {}),
        ...(inputType && inputType !== exact.inputType ? { inputType } : {}),
        ...(outputType && outputType !== exact.outputType ? { outputType } : {}),
        constraints,
      }
    : {
        schemaVersion: 1,
        id: t.legacyId ?? slug(title),
        title,
        context: context || `(no context given) ${taskText || title}`,
        inputType: inputType || 'Text',
        outputType: outputType || 'Text',
        constraints,
        instructions: [taskText && taskText !== title ? `${taskText.replace(/\.$/, '')}.` : `${title.replace(/\.$/, '')}.`, context, inputType && `Input: ${inputType}`, outputType && `Produce: ${outputType}`].filter(Boolean).join('\n'),
        inputKind: inputKindFor(inputType, t.instances),
      };
  const instances: TaskInstance[] = [];
  t.instances.forEach((raw, n) => {
    if (raw.exact) {
      instances.push(exactInstance(raw, spec, problems));
      return;
    }
    const text = joined(raw.input);
    let output = joined(raw.output);
    const hasInput = text || raw.turns.length || raw.source;
    if (!hasInput || !output) {
      problems.push({ line: raw.line, message: `Instance ${n + 1} of "${shorten(title)}" has no ${!hasInput ? 'Input' : 'Output'}; it was skipped.` });
      return;
    }
    output = output.replace(/^Assistant:\s*/, '');
    const turns = raw.turns.filter((d) => d.content.trim());
    const instConstraints = raw.constraints ? parseConstraintsText(joined(raw.constraints)) : spec.constraints;
    instances.push(newInstanceRecord({
      ...(raw.legacyId ? { id: raw.legacyId } : {}),
      taskId: spec.id,
      input: {
        passages: [],
        dialogue: turns,
        ...(text ? { text } : {}),
        ...(raw.source ? { source: { title: raw.source, kind: 'text' as const, contentHash: '' } } : {}),
      },
      output,
      constraints: instConstraints,
    }));
  });
  return { spec, instances, ...(t.feedback.length ? { feedback: t.feedback.map((f) => ({ ...f, taskId: spec.id })) } : {}) };
}

/**
 * The answer shown under a hidden copy, or undefined when the visible text is exactly what the
 * exporter wrote. Only the answer's edits are read back; an edited input is reported.
 */
function shownAnswer(body: string[], exact: TaskInstance, lineNo: number, problems: ImportResult['problems']): string | undefined {
  const expected = renderInstanceBody(exact);
  const trim = (ls: string[]) => ls.join('\n').trim();
  if (trim(body) === trim(expected)) return undefined;
  const at = expected.indexOf(OUTPUT_LABEL);
  if (trim(body.slice(0, at + 1)) === trim(expected.slice(0, at + 1))) return trim(body.slice(at + 1));
  problems.push({ line: lineNo, message: `Instance ${exact.id}: its input was edited in the Markdown; inputs are read from the hidden copy, so that edit was not imported.` });
  const last = body.map((l) => l.trim()).lastIndexOf(OUTPUT_LABEL);
  return last >= 0 ? trim(body.slice(last + 1)) : undefined;
}

/** The exporter's hidden copy, unless the answer shown above it was edited by hand: then the edit is kept. */
function exactInstance(raw: RawInstance, spec: TaskSpec, problems: ImportResult['problems']): TaskInstance {
  const exact = { ...raw.exact!, taskId: spec.id };
  if (raw.shownOutput === undefined || raw.shownOutput === exact.output.trim()) return exact;
  if (!raw.shownOutput) {
    problems.push({ line: raw.line, message: `Instance ${exact.id}: its answer was deleted from the Markdown; the saved answer was kept.` });
    return exact;
  }
  problems.push({ line: raw.line, message: `Instance ${exact.id}: the answer was edited in the Markdown; the edit is imported and the earlier answer kept as the original.` });
  return { ...exact, output: raw.shownOutput, originalOutput: exact.originalOutput ?? exact.output };
}

/** A list of one-line task ideas (the call's "proto-examples"), each a draft task that needs instances. */
function draftTasks(lines: string[], file: string): ImportResult {
  const tasks: ImportedTask[] = [];
  const problems: ImportResult['problems'] = [];
  lines.forEach((line, n) => {
    const item = /^\s{0,3}(?:[-*+]|\d{1,3}[.)])\s+(.+)$/.exec(line);
    if (!item) {
      if (line.trim() && !/^\s{0,3}#/.test(line)) problems.push({ line: n + 1, message: `Not a list item, so not read as a task idea: "${shorten(line.trim())}".` });
      return;
    }
    const idea = item[1].replace(/^\*\*|\*\*$/g, '').trim();
    const title = idea.replace(/[.:]$/, '');
    tasks.push({
      draft: true,
      spec: {
        schemaVersion: 1,
        id: slug(title),
        title,
        context: `Draft task from a list of task ideas: ${idea} (say who uses it, doing what).`,
        inputType: 'To be written',
        outputType: 'To be written',
        constraints: {},
        instructions: `${title}.`,
        inputKind: 'text',
      },
      instances: [],
    });
  });
  if (!tasks.length) problems.push({ line: 1, message: `${file} has no task and no list of task ideas.` });
  return { tasks, problems, understood: tasks.map((t) => `${describeImported(t)} — draft: needs a context, input and output types, and 2 to 20 instances`) };
}

/** One line saying what was read for a task: its id, kind, instances and constraints. */
export function describeImported(t: ImportedTask): string {
  const c = t.spec.constraints;
  const bits = [`${t.instances.length} instance${t.instances.length === 1 ? '' : 's'}`, `input: ${t.spec.inputKind}`];
  if (c.knowledgeCutoff) bits.push(`cut-off ${c.knowledgeCutoff}`);
  if (c.excludedDocuments?.length) bits.push(`excluded: ${c.excludedDocuments.join('; ')}`);
  const own = t.instances.filter((i) => JSON.stringify(i.constraints) !== JSON.stringify(c)).length;
  if (own) bits.push(`${own} with constraints of their own`);
  const turns = t.instances.reduce((n, i) => n + i.input.dialogue.length, 0);
  if (turns) bits.push(`${turns} dialogue turns`);
  return `Task "${t.spec.title}" (${t.spec.id}): ${bits.join(', ')}`;
}

export interface ImportReport {
  /** task.json files written. */
  written: string[];
  /** Existing workspace task.json files left as they were (replace them with force). */
  skipped: string[];
  /** Built-in tasks whose definition was kept (their instances are still imported). */
  builtinKept: string[];
  added: number;
  /** Instances whose id was already saved: not added again. */
  alreadyThere: number;
}

/**
 * Writes imported tasks: a task.json for each new task (never over a built-in task, nor over an
 * existing one unless forced), and every instance not already saved under its id.
 */
export async function importIntoStore(store: DatasetStore, result: ImportResult, opts: { force?: boolean } = {}): Promise<ImportReport> {
  if (!result.tasks.length) throw new AlignError('Nothing to import.', 'import-empty', result.problems[0]?.message);
  const report: ImportReport = { written: [], skipped: [], builtinKept: [], added: 0, alreadyThere: 0 };
  for (const t of result.tasks) {
    const specPath = store.taskSpecPath(t.spec.id);
    if (BUILTIN_IDS.has(t.spec.id)) report.builtinKept.push(t.spec.id);
    else if (fs.existsSync(specPath) && !opts.force) report.skipped.push(specPath);
    else report.written.push(await store.writeTaskSpec(t.spec));
    const existing = new Set((await store.readInstances(t.spec.id)).instances.map((i) => i.id));
    const known = new Set(t.feedback?.length ? (await store.readFeedback(t.spec.id)).records.map((f) => f.id) : []);
    for (const f of t.feedback ?? []) if (!known.has(f.id)) await store.appendFeedback(f);
    for (const inst of t.instances) {
      if (existing.has(inst.id)) {
        report.alreadyThere++;
        continue;
      }
      await store.appendInstance(inst);
      existing.add(inst.id);
      report.added++;
    }
  }
  return report;
}
