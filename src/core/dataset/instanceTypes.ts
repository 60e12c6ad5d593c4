import type { InformationConstraints } from '../tasks/taskTypes';
import type { PassageUse, SourceRef } from '../sources/sourceTypes';

export type DialogueRole = 'researcher' | 'assistant';

export interface DialogueTurn {
  role: DialogueRole;
  content: string;
}

/** Text the researcher selected in the source and asked about, with the page it is on. */
export interface SourceQuote {
  text: string;
  /** 1-based page (PDF). */
  page?: number;
}

/** What the task was given. */
export interface InstanceInput {
  /** The paper or post the dialogue is about (source-dialogue tasks). */
  source?: SourceRef;
  /** The passages that were put in front of the model. */
  passages: PassageUse[];
  /** The dialogue so far, ending with the researcher's turn that the output answers. */
  dialogue: DialogueTurn[];
  /** The text the task ran on (text and idea tasks: a selection, a plan, a draft section). */
  text?: string;
  /** Extra named fields, e.g. the problem statement of `elk-ideas` or a draft section's outline. */
  fields?: Record<string, string>;
  /** The selection the question quotes (Ask About Selection in the PDF view). */
  quote?: SourceQuote;
}

/** The model and settings that produced the original answer. */
export interface ModelProvenance {
  model: string;
  /** Base URL of the endpoint, never with credentials. */
  endpoint: string;
  parameters: { temperature?: number; maxTokens?: number; [name: string]: unknown };
}

export interface Rating {
  value: 'good' | 'bad';
  reason?: string;
}

/** One (input, output) pair of a task, as stored in `instances.jsonl`. */
export interface TaskInstance {
  schemaVersion: 1;
  id: string;
  taskId: string;
  /** ISO timestamp. */
  createdAt: string;
  input: InstanceInput;
  /** The saved answer: the researcher's version. */
  output: string;
  /** The model's answer, present when the researcher edited it. */
  originalOutput?: string;
  model?: ModelProvenance;
  rating?: Rating;
  /** The instance this one responds to (a critique of an idea points to the idea). */
  parentId?: string;
  /** Constraints in force when the instance was made. */
  constraints: InformationConstraints;
  /**
   * Held-out discipline: `test` instances are never shown to a model as worked examples. Absent on
   * instances saved before the task was split (their split then follows the task's split rule,
   * see src/core/evaluation/splits.ts).
   */
  split?: InstanceSplit;
}

/** Which side of a task's train/test split an instance is on. */
export type InstanceSplit = 'train' | 'test';

/**
 * Feedback that is not itself an instance: a rating given without saving, or a finding the
 * researcher dismissed (a negative example for preference exports). Kept in `feedback.jsonl`.
 */
export interface FeedbackRecord {
  schemaVersion: 1;
  id: string;
  taskId: string;
  createdAt: string;
  /** `withdrawn` takes back an earlier record (an undone dismissal): feedback is only ever appended. */
  kind: 'rating' | 'rejected' | 'withdrawn';
  /** For `withdrawn`: the id of the record taken back. */
  withdraws?: string;
  input: InstanceInput;
  /** The model output the feedback is about. */
  output: string;
  rating?: Rating;
  /** The instance it refers to, when there is one. */
  instanceId?: string;
  model?: ModelProvenance;
}

/** A line of a JSONL file that could not be read: reported, never dropped or rewritten. */
export interface CorruptLine {
  file: string;
  /** 1-based. */
  line: number;
  reason: string;
  /** The start of the raw text, for the report. */
  excerpt: string;
}
