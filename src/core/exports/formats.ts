import { stringify as toYaml } from 'yaml';
import type { TaskRecords } from './exportRecords';
import { promptMessages, promptText } from './exportRecords';
import { renderTasksMarkdown } from './markdownLayout';

/** One output file of an export: a path relative to the target, and its text or its JSONL lines. */
export interface ExportFile {
  relPath: string;
  content: string | Iterable<string>;
  records: number;
}

/** JSONL lines produced one by one, so 100,000 records never sit in memory as one string. */
function jsonl<T>(items: T[], row: (item: T) => unknown): Iterable<string> {
  return {
    *[Symbol.iterator]() {
      for (const item of items) yield JSON.stringify(row(item));
    },
  };
}

type Pair = { t: TaskRecords; i: TaskRecords['instances'][number] };

// Every instance of a task shares its system message (about 1.5 KB): encode it as JSON once and
// splice it into each line, instead of escaping the same text 100,000 times.
const encoded = new Map<string, string>();
function messagesJson(messages: { role: string; content: string }[], extra?: { role: string; content: string }): string {
  const [system, ...rest] = messages;
  let head = encoded.get(system.content);
  if (head === undefined) {
    head = JSON.stringify(system);
    if (encoded.size > 64) encoded.clear();
    encoded.set(system.content, head);
  }
  const tail = (extra ? [...rest, extra] : rest).map((m) => JSON.stringify(m));
  return `[${[head, ...tail].join(',')}]`;
}

/** JSONL lines assembled as strings (see messagesJson). */
function lines<T>(items: T[], line: (item: T) => string): Iterable<string> {
  return {
    *[Symbol.iterator]() {
      for (const item of items) yield line(item);
    },
  };
}
const pairs = (tasks: TaskRecords[]): Pair[] => tasks.flatMap((t) => t.instances.map((i) => ({ t, i })));
const countOf = (tasks: TaskRecords[]) => tasks.reduce((n, t) => n + t.instances.length, 0);

function metadata(t: TaskRecords, i: TaskRecords['instances'][number]) {
  return {
    task: t.task.id,
    created_at: i.createdAt,
    source: i.input.source?.title,
    source_hash: i.input.source?.contentHash,
    model: i.model?.model,
    edited: i.originalOutput !== undefined,
    rating: i.rating?.value,
    parent_id: i.parentId,
    constraints: i.constraints,
  };
}

/** Inspect AI samples: `input` (chat messages), `target`, `id`, `metadata`. */
export function inspect(tasks: TaskRecords[]): ExportFile {
  const line = ({ t, i }: Pair) =>
    `{"id":${JSON.stringify(i.id)},"input":${messagesJson(promptMessages(t.task, i))},"target":${JSON.stringify(i.output)},"metadata":${JSON.stringify(metadata(t, i))}}`;
  return { relPath: '', content: lines(pairs(tasks), line), records: countOf(tasks) };
}

/** OpenAI evals: `input` (chat messages) and `ideal`. */
export function openaiEvals(tasks: TaskRecords[]): ExportFile {
  const line = ({ t, i }: Pair) => `{"input":${messagesJson(promptMessages(t.task, i))},"ideal":${JSON.stringify(i.output)}}`;
  return { relPath: '', content: lines(pairs(tasks), line), records: countOf(tasks) };
}

/** OpenAI chat fine-tuning: `messages` ending with the assistant's saved answer. */
export function openaiChat(tasks: TaskRecords[]): ExportFile {
  const line = ({ t, i }: Pair) => `{"messages":${messagesJson(promptMessages(t.task, i), { role: 'assistant', content: i.output })}}`;
  return { relPath: '', content: lines(pairs(tasks), line), records: countOf(tasks) };
}

/**
 * Preference pairs in TRL's conversational layout (`prompt`, `chosen`, `rejected`): the
 * researcher's edit over the model's original answer, and an accepted critique over a dismissed
 * finding on the same input.
 */
export function dpo(tasks: TaskRecords[]): ExportFile {
  const rows: unknown[] = [];
  for (const t of tasks) {
    for (const i of t.instances) {
      if (i.originalOutput === undefined || i.originalOutput.trim() === i.output.trim()) continue;
      rows.push({ prompt: promptMessages(t.task, i), chosen: [{ role: 'assistant', content: i.output }], rejected: [{ role: 'assistant', content: i.originalOutput }], kind: 'edit', id: i.id });
    }
    for (const f of t.feedback.filter((r) => r.kind === 'rejected')) {
      const key = JSON.stringify(f.input.text ?? f.input.dialogue);
      const accepted = t.instances.find((i) => JSON.stringify(i.input.text ?? i.input.dialogue) === key);
      if (!accepted) continue;
      rows.push({ prompt: promptMessages(t.task, accepted), chosen: [{ role: 'assistant', content: accepted.output }], rejected: [{ role: 'assistant', content: f.output }], kind: 'dismissed', id: f.id });
    }
  }
  return { relPath: '', content: jsonl(rows, (r) => r), records: rows.length };
}

/** promptfoo test cases (YAML): `vars` with the prompt, and a `similar` assertion against the saved answer. */
export function promptfoo(tasks: TaskRecords[]): ExportFile {
  const cases = tasks.flatMap((t) =>
    t.instances.map((i) => ({
      description: `${t.task.id} ${i.id}`,
      vars: { task: t.task.id, prompt: promptText(t.task, i) },
      assert: [{ type: 'similar', value: i.output, threshold: 0.75 }],
      metadata: { id: i.id },
    })),
  );
  return { relPath: '', content: toYaml(cases), records: cases.length };
}

/** Hugging Face dataset folder: `data/<task>.jsonl` per task, and a card whose `configs` name them. */
export function hf(tasks: TaskRecords[]): ExportFile[] {
  const files: ExportFile[] = tasks.map((t) => ({
    relPath: `data/${t.task.id}.jsonl`,
    content: jsonl(t.instances, (i) => ({ id: i.id, task: t.task.id, messages: promptMessages(t.task, i), output: i.output, original_output: i.originalOutput ?? null, metadata: metadata(t, i) })),
    records: t.instances.length,
  }));
  const front = toYaml({
    license: 'cc-by-4.0',
    language: ['en'],
    pretty_name: 'Alignment research tasks',
    task_categories: ['text-generation'],
    configs: tasks.map((t) => ({ config_name: t.task.id, data_files: [{ split: 'train', path: `data/${t.task.id}.jsonl` }] })),
  });
  const body = [
    '# Alignment research tasks',
    '',
    'Tasks in the format of the alignment-research-tasks dataset proposed by Ought (2022), saved with the Alignment Research Assistant: each instance is an input and the output a researcher accepted or corrected.',
    '',
    ...tasks.flatMap((t) => [`## ${t.task.title} (\`${t.task.id}\`)`, '', `- Context: ${t.task.context}`, `- Input type: ${t.task.inputType}`, `- Output type: ${t.task.outputType}`, `- Instances: ${t.instances.length}`, '']),
  ].join('\n');
  files.push({ relPath: 'README.md', content: `---\n${front}---\n\n${body}\n`, records: 0 });
  return files;
}

export function markdown(tasks: TaskRecords[]): ExportFile {
  return { relPath: '', content: renderTasksMarkdown(tasks.map((t) => ({ spec: t.task, instances: t.instances }))), records: tasks.reduce((n, t) => n + t.instances.length, 0) };
}
