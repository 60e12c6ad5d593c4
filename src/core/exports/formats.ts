import { stringify as toYaml } from 'yaml';
import type { FeedbackRecord, TaskInstance } from '../dataset/instanceTypes';
import type { LoadedTask, TaskSpec } from '../tasks/taskTypes';
import type { TaskRecords } from './exportRecords';
import { promptMessages, promptText } from './exportRecords';
import { renderTasksMarkdown } from './markdownLayout';
import type { LineParts } from '../dataset/jsonlFile';

/** One output file of an export: a path relative to the target, and its text. */
export interface ExportFile {
  relPath: string;
  content: string;
  records: number;
}

/**
 * A JSONL format written while the instances are read: each instance becomes zero or more lines,
 * so 100,000 instances never sit in memory at once.
 */
export interface StreamedFormat {
  /** Where a task's lines go: '' for the target itself, or a path inside the target folder. */
  fileFor(task: LoadedTask): string;
  /** Called before a task's instances, with its feedback (for formats that pair the two). */
  startTask?(task: LoadedTask, feedback: FeedbackRecord[]): void;
  instance(task: LoadedTask, inst: TaskInstance, emit: (line: LineParts) => void): void;
  /** Files written once every instance has been, such as a dataset card. */
  finish?(written: { task: LoadedTask; records: number }[]): ExportFile[];
}

// Every instance of a task shares its system message (about 1.5 KB of each line): it is encoded
// as JSON and then as UTF-8 once, and its bytes are copied into each line.
const encodedHeads = new Map<string, Uint8Array>();

/** The chat messages as JSON, in two pieces: `[` and the shared system message as bytes, then the rest. */
function messagesJson(messages: { role: string; content: string }[], extra?: { role: string; content: string }): [Uint8Array, string] {
  const [system, ...rest] = messages;
  let head = encodedHeads.get(system.content);
  if (head === undefined) {
    head = Buffer.from(`[${JSON.stringify(system)}`, 'utf8');
    if (encodedHeads.size > 64) encodedHeads.clear();
    encodedHeads.set(system.content, head);
  }
  let tail = '';
  for (const m of rest) tail += `,${JSON.stringify(m)}`;
  if (extra) tail += `,${JSON.stringify(extra)}`;
  return [head, `${tail}]`];
}

function metadata(task: TaskSpec, i: TaskInstance) {
  return {
    task: task.id,
    created_at: i.createdAt,
    source: i.input.source?.title,
    source_hash: i.input.source?.contentHash,
    // Provenance that survives a move: the paper's identifier and its path in the workspace.
    source_id: i.input.source?.identifier,
    source_path: i.input.source?.workspacePath,
    quote_page: i.input.quote?.page,
    model: i.model?.model,
    edited: i.originalOutput !== undefined,
    rating: i.rating?.value,
    parent_id: i.parentId,
    constraints: i.constraints,
  };
}

/** Inspect AI samples: `input` (chat messages), `target`, `id`, `metadata`. */
export const inspect: StreamedFormat = {
  fileFor: () => '',
  instance(task, i, emit) {
    const [head, tail] = messagesJson(promptMessages(task, i));
    emit([`{"id":${JSON.stringify(i.id)},"input":`, head, `${tail},"target":${JSON.stringify(i.output)},"metadata":${JSON.stringify(metadata(task, i))}}`]);
  },
};

/** OpenAI evals: `input` (chat messages) and `ideal`. */
export const openaiEvals: StreamedFormat = {
  fileFor: () => '',
  instance(task, i, emit) {
    const [head, tail] = messagesJson(promptMessages(task, i));
    emit(['{"input":', head, `${tail},"ideal":${JSON.stringify(i.output)}}`]);
  },
};

/** OpenAI chat fine-tuning: `messages` ending with the assistant's saved answer. */
export const openaiChat: StreamedFormat = {
  fileFor: () => '',
  instance(task, i, emit) {
    const [head, tail] = messagesJson(promptMessages(task, i), { role: 'assistant', content: i.output });
    emit(['{"messages":', head, `${tail}}`]);
  },
};

const inputKey = (input: TaskInstance['input']) => JSON.stringify(input.text ?? input.dialogue);

/**
 * Preference pairs in TRL's conversational layout (`prompt`, `chosen`, `rejected`): the
 * researcher's edit over the model's original answer, and an accepted critique over a dismissed
 * finding on the same input (paired with the first instance saved for that input).
 */
export function dpo(): StreamedFormat {
  let dismissed = new Map<string, FeedbackRecord[]>();
  return {
    fileFor: () => '',
    startTask(_task, feedback) {
      dismissed = new Map();
      for (const f of feedback) {
        if (f.kind !== 'rejected') continue;
        const key = inputKey(f.input);
        dismissed.set(key, [...(dismissed.get(key) ?? []), f]);
      }
    },
    instance(task, i, emit) {
      if (i.originalOutput !== undefined && i.originalOutput.trim() !== i.output.trim()) {
        emit(JSON.stringify({ prompt: promptMessages(task, i), chosen: [{ role: 'assistant', content: i.output }], rejected: [{ role: 'assistant', content: i.originalOutput }], kind: 'edit', id: i.id }));
      }
      if (!dismissed.size) return;
      const key = inputKey(i.input);
      for (const f of dismissed.get(key) ?? []) {
        emit(JSON.stringify({ prompt: promptMessages(task, i), chosen: [{ role: 'assistant', content: i.output }], rejected: [{ role: 'assistant', content: f.output }], kind: 'dismissed', id: f.id }));
      }
      dismissed.delete(key);
    },
  };
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
export const hf: StreamedFormat = {
  fileFor: (task) => `data/${task.id}.jsonl`,
  instance(task, i, emit) {
    emit(JSON.stringify({ id: i.id, task: task.id, messages: promptMessages(task, i), output: i.output, original_output: i.originalOutput ?? null, metadata: metadata(task, i) }));
  },
  finish(written) {
    const front = toYaml({
      license: 'cc-by-4.0',
      language: ['en'],
      pretty_name: 'Alignment research tasks',
      task_categories: ['text-generation'],
      configs: written.map(({ task }) => ({ config_name: task.id, data_files: [{ split: 'train', path: `data/${task.id}.jsonl` }] })),
    });
    const body = [
      '# Alignment research tasks',
      '',
      'Tasks in the format of the alignment-research-tasks dataset proposed by Ought (2022), saved with the Alignment Research Assistant: each instance is an input and the output a researcher accepted or corrected.',
      '',
      ...written.flatMap(({ task, records }) => [`## ${task.title} (\`${task.id}\`)`, '', `- Context: ${task.context}`, `- Input type: ${task.inputType}`, `- Output type: ${task.outputType}`, `- Instances: ${records}`, '']),
    ].join('\n');
    return [{ relPath: 'README.md', content: `---\n${front}---\n\n${body}\n`, records: 0 }];
  },
};

export function markdown(tasks: TaskRecords[]): ExportFile {
  return { relPath: '', content: renderTasksMarkdown(tasks.map((t) => ({ spec: t.task, instances: t.instances }))), records: tasks.reduce((n, t) => n + t.instances.length, 0) };
}
