import type { DatasetStore } from '../dataset/datasetStore';
import type { CorruptLine, FeedbackRecord, TaskInstance } from '../dataset/instanceTypes';
import type { LoadedTask, TaskSpec } from '../tasks/taskTypes';
import type { ChatMessage } from '../model/modelTypes';
import { loadTasks } from '../tasks/taskRegistry';
import { buildMessages, partsFromInstance } from '../prompts/promptBuilder';
import { AlignError } from '../errors';
import { readSplitConfig, withSplit } from '../evaluation/splits';

/** A task with everything an exporter needs. */
export interface TaskRecords {
  task: LoadedTask;
  instances: TaskInstance[];
  feedback: FeedbackRecord[];
  corrupt: CorruptLine[];
}

/** Reads the tasks to export (one, or every task with instances). Unreadable lines are reported, not exported. */
export async function readTaskRecords(store: DatasetStore, taskId?: string): Promise<TaskRecords[]> {
  const out: TaskRecords[] = [];
  for (const task of await chooseTasks(store, taskId)) {
    const { instances, corrupt } = await store.readInstances(task.id);
    const fb = await store.readFeedback(task.id);
    if (!instances.length && !fb.records.length && !taskId) continue;
    const split = readSplitConfig(store, task.id);
    out.push({ task, instances: instances.map((i) => withSplit(i, split)), feedback: fb.records, corrupt: [...corrupt, ...fb.corrupt] });
  }
  return out;
}

/** The tasks an export covers: the one named, or all of them. */
export async function chooseTasks(store: DatasetStore, taskId?: string): Promise<LoadedTask[]> {
  const { tasks } = await loadTasks(store.root);
  const chosen = taskId ? tasks.filter((t) => t.id === taskId) : tasks;
  if (taskId && !chosen.length) throw new AlignError(`There is no task "${taskId}".`, 'no-task', `Tasks: ${tasks.map((t) => t.id).join(', ')}.`);
  return chosen;
}

/**
 * The chat a model would see for this instance (without worked examples), ending before the answer.
 * An instance about a paper with no passages saved (one typed in from the call, say) names the
 * paper in the last message, so the question does not lose what it is about.
 */
export function promptMessages(task: TaskSpec, inst: Pick<TaskInstance, 'input'>): ChatMessage[] {
  const messages = buildMessages(partsFromInstance(task, inst.input));
  const source = inst.input.source;
  if (source && !inst.input.passages.length) {
    const last = messages[messages.length - 1];
    const about = [source.authors?.length ? source.authors.join(', ') : '', source.date ?? '', source.url ?? source.arxivId ?? ''].filter(Boolean).join('; ');
    messages[messages.length - 1] = { ...last, content: `The paper: "${source.title}"${about ? ` (${about})` : ''}. Its text is not included; answer from what you know of it.\n\n${last.content}` };
  }
  return messages;
}
