import type { FeedbackRecord, TaskInstance } from './instanceTypes';

type Obj = Record<string, unknown>;

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function need(cond: unknown, field: string, what: string): asserts cond {
  if (!cond) throw new Error(`field "${field}" ${what}`);
}

/**
 * Brings an older stored instance to the current shape. Version 0 (no schemaVersion) wrote
 * `task` instead of `taskId` and `created` instead of `createdAt`; nothing is dropped.
 */
export function migrateInstance(raw: Obj): Obj {
  if (raw.schemaVersion === 1) return raw;
  if (raw.schemaVersion === undefined) {
    const { task, created, ...rest } = raw;
    return {
      ...rest,
      schemaVersion: 1,
      taskId: rest.taskId ?? task,
      createdAt: rest.createdAt ?? created,
      constraints: rest.constraints ?? {},
    };
  }
  return raw;
}

function checkInput(input: unknown): void {
  need(isObj(input), 'input', 'must be an object');
  need(Array.isArray(input.passages), 'input.passages', 'must be an array');
  need(Array.isArray(input.dialogue), 'input.dialogue', 'must be an array');
  (input.dialogue as unknown[]).forEach((t, i) => {
    need(isObj(t) && (t.role === 'researcher' || t.role === 'assistant'), `input.dialogue[${i}].role`, 'must be "researcher" or "assistant"');
    need(typeof t.content === 'string', `input.dialogue[${i}].content`, 'must be text');
  });
  if (input.text !== undefined) need(typeof input.text === 'string', 'input.text', 'must be text');
}

/** Checks a stored instance (after migration); throws naming the field that is wrong. */
export function validateInstance(raw: unknown): TaskInstance {
  need(isObj(raw), '(line)', 'must be a JSON object');
  const v = migrateInstance(raw);
  need(v.schemaVersion === 1, 'schemaVersion', `is ${JSON.stringify(v.schemaVersion)}, which this version does not know; update the extension`);
  need(typeof v.id === 'string' && v.id, 'id', 'must be a non-empty string');
  need(typeof v.taskId === 'string' && v.taskId, 'taskId', 'must be a non-empty string');
  need(typeof v.createdAt === 'string', 'createdAt', 'must be an ISO date string');
  need(typeof v.output === 'string', 'output', 'must be text');
  checkInput(v.input);
  if (v.originalOutput !== undefined) need(typeof v.originalOutput === 'string', 'originalOutput', 'must be text');
  if (v.rating !== undefined) need(isObj(v.rating) && (v.rating.value === 'good' || v.rating.value === 'bad'), 'rating.value', 'must be "good" or "bad"');
  if (v.parentId !== undefined) need(typeof v.parentId === 'string', 'parentId', 'must be a string');
  need(isObj(v.constraints), 'constraints', 'must be an object');
  if (v.split !== undefined) need(v.split === 'train' || v.split === 'test', 'split', 'must be "train" or "test"');
  return v as unknown as TaskInstance;
}

export function validateFeedback(raw: unknown): FeedbackRecord {
  need(isObj(raw), '(line)', 'must be a JSON object');
  need(raw.schemaVersion === 1, 'schemaVersion', 'must be 1');
  need(typeof raw.id === 'string', 'id', 'must be a string');
  need(typeof raw.taskId === 'string', 'taskId', 'must be a string');
  need(raw.kind === 'rating' || raw.kind === 'rejected' || raw.kind === 'withdrawn', 'kind', 'must be "rating", "rejected" or "withdrawn"');
  need(raw.kind !== 'withdrawn' || (typeof raw.withdraws === 'string' && raw.withdraws.length > 0), 'withdraws', 'must name the record taken back');
  need(typeof raw.output === 'string', 'output', 'must be text');
  checkInput(raw.input);
  return raw as unknown as FeedbackRecord;
}
