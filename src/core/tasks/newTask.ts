import type { TaskSpec } from './taskTypes';
import { validateTaskSpec } from './taskRegistry';

/** What a researcher answers when defining a task ("New Task…"); empty answers take the defaults. */
export interface NewTaskAnswers {
  id: string;
  title: string;
  context?: string;
  inputType?: string;
  outputType?: string;
  /** `YYYY-MM-DD`, or empty for none. */
  knowledgeCutoff?: string;
  /** Documents to exclude, separated by `;`. */
  excludedDocuments?: string;
}

/** A task id: lower-case letters, digits and dashes (it names the task's folder). */
export const TASK_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

/** The id a title suggests: lower-case words joined by dashes, at most 48 characters. */
export function suggestTaskId(title: string): string {
  return title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 48);
}

/** Why a typed id cannot be a task id, or undefined when it can. */
export function taskIdProblem(id: string): string | undefined {
  return TASK_ID_PATTERN.test(id) ? undefined : 'Lower-case letters, digits and dashes.';
}

/** Why a typed cut-off cannot be one, or undefined when it can (empty: no cut-off). */
export function knowledgeCutoffProblem(date: string): string | undefined {
  return !date || /^\d{4}-\d{2}-\d{2}$/.test(date) ? undefined : 'Use YYYY-MM-DD, or leave it empty.';
}

/**
 * The task.json of a new text task from the researcher's answers, checked by the same rules as a
 * task.json read from disk (an `InputFileError` naming the field when an answer cannot stand).
 */
export function newTaskSpec(a: NewTaskAnswers): TaskSpec {
  const context = a.context?.trim() || a.title;
  const excluded = (a.excludedDocuments ?? '').split(';').map((s) => s.trim()).filter(Boolean);
  return validateTaskSpec(
    {
      schemaVersion: 1,
      id: a.id,
      title: a.title,
      context,
      inputType: a.inputType || 'Text',
      outputType: a.outputType || 'Text',
      constraints: {
        ...(a.knowledgeCutoff ? { knowledgeCutoff: a.knowledgeCutoff } : {}),
        ...(excluded.length ? { excludedDocuments: excluded } : {}),
      },
      instructions: `${context}\nInput: ${a.inputType}.\nProduce: ${a.outputType}.`,
      inputKind: 'text',
    },
    `the new task "${a.id}"`,
  );
}
