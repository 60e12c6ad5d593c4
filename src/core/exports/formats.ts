import { stringify as toYaml } from 'yaml';
import type { FeedbackRecord, TaskInstance } from '../dataset/instanceTypes';
import { standingFeedback } from '../dataset/records';
import type { LoadedTask, TaskSpec } from '../tasks/taskTypes';
import type { TaskRecords } from './exportRecords';
import { promptMessages } from './exportRecords';
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
  /** Where a task's test-split instances go, for formats that keep them in a file of their own. */
  testFileFor?(task: LoadedTask): string;
  /** Files written once every instance has been, such as a dataset card. */
  finish?(written: { task: LoadedTask; records: number; testRecords?: number }[]): ExportFile[];
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
    split: i.split,
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

/** The name of a task's eval in an OpenAI evals registry. */
const evalName = (task: TaskSpec) => `alignment-${task.id}`;

/**
 * An OpenAI evals registry fragment: per task, `data/<eval>/samples.jsonl` (`input` chat messages,
 * `ideal` answer) and `evals/<eval>.yaml`. Free-text answers are graded by a model with the
 * `fact` spec (`cot_classify`: the grader reasons, then picks a choice), not by exact match.
 */
export const openaiEvals: StreamedFormat = {
  fileFor: (task) => `data/${evalName(task)}/samples.jsonl`,
  instance(task, i, emit) {
    const [head, tail] = messagesJson(promptMessages(task, i));
    emit(['{"input":', head, `${tail},"ideal":${JSON.stringify(i.output)}}`]);
  },
  finish(written) {
    return written.map(({ task, records }) => {
      const name = evalName(task);
      const registry = {
        [name]: { id: `${name}.dev.v0`, description: `${task.title}: ${task.outputType} (${records} saved answers, graded for factual agreement with them).`, metrics: ['accuracy'] },
        [`${name}.dev.v0`]: {
          class: 'evals.elsuite.modelgraded.classify:ModelBasedClassify',
          args: { samples_jsonl: `${name}/samples.jsonl`, eval_type: 'cot_classify', modelgraded_spec: 'fact' },
        },
      };
      return { relPath: `evals/${name}.yaml`, content: toYaml(registry), records: 0 };
    });
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
      for (const f of standingFeedback(feedback)) {
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

/**
 * Text that Nunjucks renders back to itself: every `{` that would open a tag (`{{`, `{%`, `{#`) is
 * written as `{{ '{' }}` (and a `#}` as `{{ '#' }}}`). promptfoo renders assertion values, and prompts built from vars, with
 * Nunjucks; without this a saved `{{ 7*7 }}` would be compared as `49`.
 */
export function nunjucksLiteral(text: string): string {
  // Nunjucks also refuses a stray `#}` (the end of a comment) in plain text.
  return text.replace(/\{(?=[{%#])|#(?=\})/g, (c) => `{{ '${c}' }}`);
}

/** The model and endpoint a runnable export should call: the current settings. */
export interface ExportProvider {
  model: string;
  /** OpenAI-compatible base URL; absent for OpenAI itself. */
  baseUrl?: string;
}

/**
 * A complete promptfoo config (promptfooconfig.yaml): one chat prompt whose messages (system,
 * earlier turns, user) come from each test's `messages` var, the provider from the current model
 * and endpoint, and a test per saved answer with a `similar` assertion against it.
 */
export function promptfoo(tasks: TaskRecords[], provider?: ExportProvider): ExportFile {
  const model = provider?.model ?? mostUsedModel(tasks) ?? 'gpt-4o-mini';
  // OpenAI itself is promptfoo's default endpoint; any other is named.
  const config = provider?.baseUrl && !/^https:\/\/api\.openai\.com\b/.test(provider.baseUrl) ? { apiBaseUrl: provider.baseUrl } : undefined;
  const tests = tasks.flatMap((t) =>
    t.instances.map((i) => ({
      description: `${t.task.id} ${i.id}`,
      // promptfoo renders the prompt '{{ messages }}' and then renders the result again; the
      // escaped JSON comes out of the second pass as the exact chat.
      vars: { messages: nunjucksLiteral(JSON.stringify(promptMessages(t.task, i))) },
      assert: [{ type: 'similar', value: nunjucksLiteral(i.output), threshold: 0.75 }],
      metadata: { task: t.task.id, id: i.id, ...(i.split ? { split: i.split } : {}) },
    })),
  );
  const doc = {
    description: `Alignment research tasks: ${tests.length} saved answers`,
    prompts: [{ id: 'alignment-chat', label: 'Task prompt (system and user turns)', raw: '{{ messages }}' }],
    providers: [{ id: `openai:chat:${model}`, ...(config ? { config: { ...config, temperature: 0 } } : { config: { temperature: 0 } }) }],
    defaultTest: { options: { provider: { embedding: { id: 'openai:embedding:text-embedding-3-small', ...(config ? { config } : {}) } } } },
    tests,
  };
  const header = [
    '# promptfoo config written by the Alignment Research Assistant. Run it with: npx promptfoo eval -c <this file>',
    '# The API key is read from OPENAI_API_KEY; it is never written here. Saved answers are escaped so Nunjucks renders them literally.',
    '',
  ].join('\n');
  return { relPath: '', content: header + toYaml(doc, { lineWidth: 0 }), records: tests.length };
}

function mostUsedModel(tasks: TaskRecords[]): string | undefined {
  const counts = new Map<string, number>();
  for (const t of tasks) for (const i of t.instances) if (i.model?.model) counts.set(i.model.model, (counts.get(i.model.model) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/** Every column of a Hugging Face row, always present (null when unset), so every file has one schema. */
function hfRow(task: TaskSpec, i: TaskInstance) {
  const c = i.constraints ?? {};
  return {
    id: i.id,
    task: task.id,
    messages: promptMessages(task, i),
    output: i.output,
    original_output: i.originalOutput ?? null,
    metadata: {
      task: task.id,
      created_at: i.createdAt,
      source: i.input.source?.title ?? null,
      source_hash: i.input.source?.contentHash ?? null,
      model: i.model?.model ?? null,
      edited: i.originalOutput !== undefined,
      rating: i.rating?.value ?? null,
      rating_reason: i.rating?.reason ?? null,
      parent_id: i.parentId ?? null,
      constraints: { knowledge_cutoff: c.knowledgeCutoff ?? null, excluded_documents: c.excludedDocuments ?? [], note: c.note ?? null },
      split: i.split ?? null,
    },
  };
}

const str = (name: string) => ({ name, dtype: 'string' });
/** The features of `hfRow`, declared in the card so a column that is null in one file is still a string. */
const HF_FEATURES = [
  str('id'),
  str('task'),
  { name: 'messages', list: [str('role'), str('content')] },
  str('output'),
  str('original_output'),
  {
    name: 'metadata',
    struct: [
      str('task'),
      str('created_at'),
      str('source'),
      str('source_hash'),
      str('model'),
      { name: 'edited', dtype: 'bool' },
      str('rating'),
      str('rating_reason'),
      str('parent_id'),
      { name: 'constraints', struct: [str('knowledge_cutoff'), { name: 'excluded_documents', sequence: 'string' }, str('note')] },
      str('split'),
    ],
  },
];

/**
 * Hugging Face dataset folder: `data/<task>.jsonl` per task, and a card with a `default` config
 * (every task) and one config per task, the declared features, and the licence the user chose.
 */
export function hf(license?: string): StreamedFormat {
  return {
    fileFor: (task) => `data/${task.id}.jsonl`,
    testFileFor: (task) => `data/${task.id}-test.jsonl`,
    instance(task, i, emit) {
      emit(JSON.stringify(hfRow(task, i)));
    },
    finish(written) {
      // A task's test split, when it has one, is a file of its own: the `test` split of its config and of the default.
      const files = (split: 'train' | 'test') =>
        written.filter((w) => split === 'train' || w.testRecords).map(({ task }) => (split === 'train' ? `data/${task.id}.jsonl` : `data/${task.id}-test.jsonl`));
      const testFiles = files('test');
      const configs = [
        { config_name: 'default', data_files: [{ split: 'train', path: files('train') }, ...(testFiles.length ? [{ split: 'test', path: testFiles }] : [])] },
        ...written.map(({ task, testRecords }) => ({
          config_name: task.id,
          data_files: [{ split: 'train', path: `data/${task.id}.jsonl` }, ...(testRecords ? [{ split: 'test', path: `data/${task.id}-test.jsonl` }] : [])],
        })),
      ];
      const front = toYaml({
        license: license ?? 'other',
        language: ['en'],
        pretty_name: 'Alignment research tasks',
        task_categories: ['text-generation'],
        configs,
        dataset_info: configs.map((c) => ({ config_name: c.config_name, features: HF_FEATURES })),
      });
      const body = [
        '# Alignment research tasks',
        '',
        'Tasks in the format of the alignment-research-tasks dataset proposed by Ought (2022), saved with the Alignment Research Assistant: each instance is an input and the output a researcher accepted or corrected.',
        '',
        '## Licence and quoted material',
        '',
        license
          ? `The dataset is released under \`${license}\`, as chosen by its author.`
          : 'No licence was chosen when this was exported (`license: other`): choose one before publishing (CLI: `--license`; editor: the `alignment.export.license` setting).',
        'Inputs quote passages of papers and posts verbatim (the `messages` column): those passages remain under their authors\' licences and are included for research on question answering about them.',
        '',
        '## Tasks',
        '',
        ...written.flatMap(({ task, records }) => [`### ${task.title} (\`${task.id}\`)`, '', `- Context: ${task.context}`, `- Input type: ${task.inputType}`, `- Output type: ${task.outputType}`, `- Instances: ${records}`, '']),
      ].join('\n');
      return [{ relPath: 'README.md', content: `---\n${front}---\n\n${body}\n`, records: 0 }];
    },
  };
}

export function markdown(tasks: TaskRecords[]): ExportFile {
  return { relPath: '', content: renderTasksMarkdown(tasks.map((t) => ({ spec: t.task, instances: t.instances, feedback: t.feedback }))), records: tasks.reduce((n, t) => n + t.instances.length, 0) };
}
