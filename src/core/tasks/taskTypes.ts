/**
 * The task model of the alignment-research-tasks format (Ought, 2022): a task has a context,
 * an input type, an output type, optional information constraints and 2-20 instances.
 */

/** What the model may know when it answers: reproduced by evaluations, recorded on every instance. */
export interface InformationConstraints {
  /** ISO date `YYYY-MM-DD`: sources dated after it are not used. */
  knowledgeCutoff?: string;
  /** Documents the model must not see: titles, file names, arXiv ids or URLs (matched loosely). */
  excludedDocuments?: string[];
  /** Free-text note for people reading the dataset. */
  note?: string;
}

/**
 * How a task's input is assembled when it runs.
 * - `source-dialogue`: a source (paper, post) plus the dialogue so far; retrieval picks passages.
 * - `text`: a piece of text (a selection, a document, a plan, an idea) given whole.
 * - `idea-dialogue`: a dialogue in which an idea was proposed; the task responds to the last idea.
 */
export type TaskInputKind = 'source-dialogue' | 'text' | 'idea-dialogue';

export interface TaskSpec {
  /** Bumped when the stored shape changes; loaders migrate older versions. */
  schemaVersion: 1;
  /** Folder name under the dataset root: lower-case letters, digits and dashes. */
  id: string;
  title: string;
  /** Who uses the task, doing what. */
  context: string;
  inputType: string;
  outputType: string;
  constraints: InformationConstraints;
  /** What the model is told to do (system prompt of the task). */
  instructions: string;
  inputKind: TaskInputKind;
}

/** A task as the registry hands it out: where its spec came from. */
export interface LoadedTask extends TaskSpec {
  origin: 'builtin' | 'workspace';
  /** Absolute path of the task.json it was read from (workspace tasks only). */
  specPath?: string;
}

/** The tasks call asks for 2 to 20 instances per task. */
export const INSTANCE_GUIDANCE = { min: 2, max: 20 } as const;
