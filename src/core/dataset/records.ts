// One constructor per kind of record the dataset keeps: an instance, the rating of an unsaved
// answer, a rejected model output. Every shell (panel, chat, critique comments, CLI) builds its
// records here, so `schemaVersion`, ids, timestamps and the checks live in one place.
import type { FeedbackRecord, InstanceInput, ModelProvenance, Rating, TaskInstance } from './instanceTypes';
import type { InformationConstraints } from '../tasks/taskTypes';
import { validateFeedback, validateInstance } from './instanceValidation';
import { newId } from './ids';
import { AlignError } from '../errors';

/** What an instance is made of; the rest (id, time, version) the constructor adds. */
export interface InstanceFields {
  taskId: string;
  input: InstanceInput;
  /** The researcher's version: trimmed, must not be empty. */
  output: string;
  /** The model's answer, kept when it differs from `output`. */
  originalOutput?: string;
  model?: ModelProvenance;
  /** The instance this one responds to (a critique points to its idea). */
  parentId?: string;
  rating?: Rating;
  constraints: InformationConstraints;
  /** Kept from elsewhere: the id of an imported legacy instance, the time of an evaluation run. */
  id?: string;
  createdAt?: string;
}

/** A new instance, checked as the store would check it when read back. */
export function newInstanceRecord(f: InstanceFields): TaskInstance {
  const output = f.output.trim();
  if (!output) throw new AlignError('The answer to save is empty. Write the answer you want to keep, then save.', 'empty-output');
  const original = f.originalOutput?.trim() ? f.originalOutput : undefined;
  return validateInstance({
    schemaVersion: 1,
    id: f.id ?? newId(),
    taskId: f.taskId,
    createdAt: f.createdAt ?? new Date().toISOString(),
    input: f.input,
    output,
    ...(original !== undefined && original.trim() !== output ? { originalOutput: original } : {}),
    ...(f.model ? { model: f.model } : {}),
    ...(f.rating ? { rating: f.rating } : {}),
    ...(f.parentId ? { parentId: f.parentId } : {}),
    constraints: f.constraints,
  });
}

/** The rating of an answer that was not saved (kept in `feedback.jsonl`). */
export function newRatingRecord(f: { taskId: string; input: InstanceInput; output: string; rating: Rating; model?: ModelProvenance; instanceId?: string }): FeedbackRecord {
  return validateFeedback({
    schemaVersion: 1,
    id: newId(),
    taskId: f.taskId,
    createdAt: new Date().toISOString(),
    kind: 'rating',
    input: f.input,
    output: f.output,
    rating: f.rating,
    ...(f.instanceId ? { instanceId: f.instanceId } : {}),
    ...(f.model ? { model: f.model } : {}),
  });
}

/**
 * A model output the researcher rejected (a dismissed critique finding): a negative example for
 * preference exports. The reason, when given, is kept as a "bad" rating's reason.
 */
export function newRejectionRecord(f: { taskId: string; input: InstanceInput; output: string; model?: ModelProvenance; reason?: string }): FeedbackRecord {
  const reason = f.reason?.trim();
  return validateFeedback({
    schemaVersion: 1,
    id: newId(),
    taskId: f.taskId,
    createdAt: new Date().toISOString(),
    kind: 'rejected',
    input: f.input,
    output: f.output,
    ...(reason ? { rating: { value: 'bad', reason } } : {}),
    ...(f.model ? { model: f.model } : {}),
  });
}

/**
 * Takes back an earlier feedback record (an undone dismissal). Feedback is append-only, so the
 * record stays in the file byte for byte; this one says it no longer stands.
 */
export function newWithdrawalRecord(of: FeedbackRecord): FeedbackRecord {
  return validateFeedback({
    schemaVersion: 1,
    id: newId(),
    taskId: of.taskId,
    createdAt: new Date().toISOString(),
    kind: 'withdrawn',
    withdraws: of.id,
    input: of.input,
    output: of.output,
  });
}

/** The feedback that still stands: without withdrawn records and without the withdrawals themselves. */
export function standingFeedback(records: readonly FeedbackRecord[]): FeedbackRecord[] {
  const withdrawn = new Set(records.filter((r) => r.kind === 'withdrawn' && r.withdraws).map((r) => r.withdraws));
  return records.filter((r) => r.kind !== 'withdrawn' && !withdrawn.has(r.id));
}
