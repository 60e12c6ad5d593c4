import type { RootContent } from 'mdast';
import { toString } from 'mdast-util-to-string';
import type { DatasetStore } from '../dataset/datasetStore';
import type { DialogueTurn, TaskInstance } from '../dataset/instanceTypes';
import type { InformationConstraints, TaskSpec } from '../tasks/taskTypes';
import { parseMarkdownTree } from '../sources/markdownSource';
import { newId } from '../dataset/ids';
import { AlignError } from '../errors';
import * as fs from 'node:fs';

export interface ImportedTask {
  spec: TaskSpec;
  instances: TaskInstance[];
}

export interface ImportResult {
  tasks: ImportedTask[];
  /** What could not be read, with 1-based line numbers in the imported file. */
  problems: { line: number; message: string }[];
}

type Field = 'context' | 'inputType' | 'outputType' | 'constraints' | 'input' | 'output';
const LABELS: [RegExp, Field][] = [
  [/^context\s*:/i, 'context'],
  [/^input\s*type\s*:/i, 'inputType'],
  [/^output\s*type\s*:/i, 'outputType'],
  [/^info(rmation)?\s*constraints?\s*:/i, 'constraints'],
  [/^input\s*:/i, 'input'],
  [/^output\s*:/i, 'output'],
];

function slug(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'imported-task';
}

function parseConstraints(text: string): InformationConstraints {
  const c: InformationConstraints = {};
  if (/^\s*(none|n\/a|-)?\s*\.?\s*$/i.test(text)) return c;
  const cut = /(\d{4}-\d{2}-\d{2})/.exec(text);
  if (cut && /cut-?off|before|until|knowledge/i.test(text)) c.knowledgeCutoff = cut[1];
  const ex = /excluded documents?\s*:\s*([^.]*(?:\.\d[^.]*)*)/i.exec(text);
  if (ex) c.excludedDocuments = ex[1].split(';').map((s) => s.trim()).filter(Boolean);
  const note = /note\s*:\s*(.*)$/i.exec(text);
  if (note) c.note = note[1].trim();
  if (!c.knowledgeCutoff && !c.excludedDocuments && !c.note) c.note = text.trim();
  return c;
}

/** Splits an instance's input into text, named fields and dialogue turns. */
function parseInput(raw: string): { text?: string; dialogue: DialogueTurn[]; fields?: Record<string, string>; sourceTitle?: string } {
  const paragraphs = raw.split(/\n{2,}/);
  const dialogue: DialogueTurn[] = [];
  const text: string[] = [];
  const fields: Record<string, string> = {};
  let sourceTitle: string | undefined;
  for (const p of paragraphs) {
    const turn = /^(researcher|assistant|user|human|ai)\s*:\s*([\s\S]*)$/i.exec(p.trim());
    if (turn) {
      dialogue.push({ role: /assistant|ai/i.test(turn[1]) ? 'assistant' : 'researcher', content: turn[2].trim() });
      continue;
    }
    if (dialogue.length) {
      dialogue[dialogue.length - 1].content += `\n\n${p.trim()}`;
      continue;
    }
    const src = /^source\s*:\s*(.*)$/i.exec(p.trim());
    if (src && !text.length) {
      sourceTitle = src[1].replace(/\s*\(https?:[^)]*\)\s*$/, '').trim();
      continue;
    }
    const field = /^(problem|background|claim|concept)\s*:\s*([\s\S]*)$/i.exec(p.trim());
    if (field && !text.length) {
      fields[field[1].toLowerCase()] = field[2].trim();
      continue;
    }
    text.push(p.trim());
  }
  return {
    ...(text.length ? { text: text.join('\n\n') } : {}),
    dialogue,
    ...(Object.keys(fields).length ? { fields } : {}),
    ...(sourceTitle ? { sourceTitle } : {}),
  };
}

/**
 * Reads tasks written in the tasks call's Markdown layout ("Task: …", Context / Input type /
 * Output type / Info constraints, "Instance N" with Input and Output), tolerating heading levels,
 * bold labels and lists. Anything it cannot place is reported with its line.
 */
export function importTasksMarkdown(markdown: string, file: string): ImportResult {
  const tree = parseMarkdownTree(markdown, file);
  const problems: ImportResult['problems'] = [];
  const tasks: { title: string; id?: string; fields: Partial<Record<Field, string>>; line: number; instances: { id?: string; fields: Partial<Record<Field, string>>; line: number }[] }[] = [];
  let field: Field | undefined;
  const current = () => tasks[tasks.length - 1];
  const target = () => {
    const t = current();
    if (!t) return undefined;
    return t.instances.length ? t.instances[t.instances.length - 1].fields : t.fields;
  };
  const sourceOf = (node: RootContent) => markdown.slice(node.position?.start.offset ?? 0, node.position?.end.offset ?? 0);
  for (const node of tree.children) {
    const line = node.position?.start.line ?? 0;
    if (node.type === 'yaml') continue;
    if (node.type === 'html') {
      const tid = /task-id:\s*([a-z0-9-]+)/.exec(node.value);
      const iid = /instance-id:\s*([A-Za-z0-9_-]+)/.exec(node.value);
      if (tid && current()) current().id = tid[1];
      if (iid && current()?.instances.length) current().instances[current().instances.length - 1].id = iid[1];
      continue;
    }
    const plain = toString(node).trim();
    if (node.type === 'heading') {
      const task = /^task\s*(\d+)?\s*[:.-]\s*(.+)$/i.exec(plain);
      const inst = /^instance\s*\d*\s*:?$/i.exec(plain);
      if (task) {
        tasks.push({ title: task[2].trim(), fields: {}, line, instances: [] });
        field = undefined;
      } else if (inst) {
        if (!current()) problems.push({ line, message: `"${plain}" comes before any "Task:" heading; it was skipped.` });
        else current().instances.push({ fields: {}, line });
        field = undefined;
      } else if (current()) {
        // Another heading inside a task: treat it as a label ("Input", "Output"…) or content.
        const label = LABELS.find(([re]) => re.test(`${plain}:`) || re.test(plain));
        if (label) field = label[1];
        else if (field && target()) target()![field] = `${target()![field] ?? ''}\n\n${sourceOf(node)}`.trim();
      }
      continue;
    }
    if (!current()) {
      if (plain && node.type !== 'thematicBreak') problems.push({ line, message: 'Text before the first "Task:" heading was skipped.' });
      continue;
    }
    // A paragraph that starts with a label ("**Context:** …", "Input:") switches the field.
    const label = node.type === 'paragraph' ? LABELS.find(([re]) => re.test(plain)) : undefined;
    if (label) {
      field = label[1];
      const rest = sourceOf(node).replace(/^\s*(\*\*|__)?[^:]*:\s*(\*\*|__)?\s*/, '').trim();
      const t = target();
      if (t) t[field] = rest;
      continue;
    }
    if (node.type === 'thematicBreak') continue;
    const t = target();
    if (!field || !t) {
      problems.push({ line, message: `Could not tell which part of the task this belongs to: "${plain.slice(0, 60)}".` });
      continue;
    }
    t[field] = `${t[field] ? `${t[field]}\n\n` : ''}${sourceOf(node).trim()}`;
  }

  const result: ImportedTask[] = [];
  for (const t of tasks) {
    const missing = (['context', 'inputType', 'outputType'] as const).filter((f) => !t.fields[f]?.trim());
    if (missing.length) problems.push({ line: t.line, message: `Task "${t.title}" has no ${missing.join(', ')}; filled with a placeholder to edit.` });
    const spec: TaskSpec = {
      schemaVersion: 1,
      id: t.id ?? slug(t.title),
      title: t.title,
      context: t.fields.context?.trim() || t.title,
      inputType: t.fields.inputType?.trim() || 'Text',
      outputType: t.fields.outputType?.trim() || 'Text',
      constraints: parseConstraints(t.fields.constraints ?? ''),
      instructions: `${t.fields.context?.trim() || t.title}\nInput: ${t.fields.inputType?.trim() || 'Text'}\nProduce: ${t.fields.outputType?.trim() || 'Text'}`,
      inputKind: 'text',
    };
    const instances: TaskInstance[] = [];
    for (const inst of t.instances) {
      const input = inst.fields.input?.trim();
      const output = inst.fields.output?.trim();
      if (!input || !output) {
        problems.push({ line: inst.line, message: `An instance of "${t.title}" has no ${!input ? 'Input' : 'Output'}; it was skipped.` });
        continue;
      }
      const parsed = parseInput(input);
      instances.push({
        schemaVersion: 1,
        id: inst.id ?? newId(),
        taskId: spec.id,
        createdAt: new Date().toISOString(),
        input: {
          passages: [],
          dialogue: parsed.dialogue,
          ...(parsed.text !== undefined ? { text: parsed.text } : {}),
          ...(parsed.fields ? { fields: parsed.fields } : {}),
          ...(parsed.sourceTitle ? { source: { title: parsed.sourceTitle, kind: 'text' as const, contentHash: '' } } : {}),
        },
        output,
        constraints: spec.constraints,
      });
    }
    result.push({ spec, instances });
  }
  if (!tasks.length) problems.push({ line: 1, message: `${file} has no "Task: …" heading, so no task could be read. Start each task with a heading like "## Task: Paper question answering".` });
  return { tasks: result, problems };
}

/** Writes imported tasks: task.json (never over an existing one unless forced) and appended instances. */
export async function importIntoStore(store: DatasetStore, result: ImportResult, opts: { force?: boolean } = {}): Promise<{ written: string[]; skipped: string[] }> {
  const written: string[] = [];
  const skipped: string[] = [];
  for (const t of result.tasks) {
    const specPath = store.taskSpecPath(t.spec.id);
    if (fs.existsSync(specPath) && !opts.force) {
      skipped.push(specPath);
    } else {
      written.push(await store.writeTaskSpec(t.spec));
    }
    const existing = new Set((await store.readInstances(t.spec.id)).instances.map((i) => i.id));
    for (const inst of t.instances) if (!existing.has(inst.id)) await store.appendInstance(inst);
  }
  if (!result.tasks.length) throw new AlignError('Nothing to import.', 'import-empty', result.problems[0]?.message);
  return { written, skipped };
}
