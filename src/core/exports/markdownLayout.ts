import type { FeedbackRecord, TaskInstance } from '../dataset/instanceTypes';
import { standingFeedback } from '../dataset/records';
import type { InformationConstraints, TaskSpec } from '../tasks/taskTypes';

/** Info constraints in words, as the tasks call wrote them; "None" when there are none. */
export function constraintsText(c: InformationConstraints): string {
  const parts: string[] = [];
  if (c.knowledgeCutoff) parts.push(`Knowledge cut-off: ${c.knowledgeCutoff}`);
  if (c.excludedDocuments?.length) parts.push(`Excluded documents: ${c.excludedDocuments.join('; ')}`);
  if (c.note) parts.push(`Note: ${c.note}`);
  return parts.length ? parts.join('. ') : 'None';
}

// Each task and instance carries a hidden exact copy, one line of JSON inside an HTML comment, so
// the Markdown reads as the call's layout and still imports back without loss.
export const TASK_BLOCK = /^<!-- align:task (\{.*\}) -->$/;
export const INSTANCE_BLOCK = /^<!-- align:instance (\{.*\}) -->$/;
export const FEEDBACK_BLOCK = /^<!-- align:feedback (\{.*\}) -->$/;
export const INSTANCE_END = (id: string) => `<!-- /align:instance ${id} -->`;
export const OUTPUT_LABEL = '**Output:**';
/** The visible line above a task's feedback copies: the importer knows it is not task text. */
export const FEEDBACK_NOTE = '*Feedback kept for preference exports: ';

/**
 * JSON that cannot end the comment it sits in: a `-` before `-`, `!` or `>` can only be inside a
 * string there, where `\u002d` means the same character.
 */
export function encodeBlock(value: unknown): string {
  return JSON.stringify(value).replace(/-(?=[-!>])/g, '\\u002d');
}

export function decodeBlock(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function inputText(inst: TaskInstance): string {
  const out: string[] = [];
  if (inst.input.source) out.push(`Source: ${inst.input.source.title}${inst.input.source.url ? ` (${inst.input.source.url})` : ''}`);
  for (const [k, v] of Object.entries(inst.input.fields ?? {})) out.push(`${k[0].toUpperCase()}${k.slice(1)}: ${v}`);
  if (inst.input.text !== undefined && inst.input.text.trim()) out.push(inst.input.text.trim());
  for (const d of inst.input.dialogue) out.push(`${d.role === 'researcher' ? 'Researcher' : 'Assistant'}: ${d.content.trim()}`);
  if (inst.input.passages.length) out.push(`(${inst.input.passages.length} passage${inst.input.passages.length === 1 ? '' : 's'} quoted to the model: ${inst.input.passages.map((p) => p.id).join(', ')})`);
  return out.join('\n\n') || '(empty)';
}

/** What people see of an instance, between its hidden copy and its end marker. */
export function renderInstanceBody(inst: TaskInstance): string[] {
  const out = ['', '**Input:**', '', inputText(inst), ''];
  if (inst.rating) out.push(`*Rated ${inst.rating.value}${inst.rating.reason ? `: ${inst.rating.reason}` : ''}.*`, '');
  if (inst.originalOutput !== undefined) out.push('*Edited by the researcher; the model\'s first answer is kept in the hidden copy.*', '');
  out.push(OUTPUT_LABEL, '', inst.output.trim(), '');
  return out;
}

/**
 * Tasks and instances in the layout of the 2022 tasks call: "Task: …" with Context / Input type /
 * Output type / Info constraints, then "Instance N" with Input and Output. Readable by people
 * and read back exactly by `importTasksMarkdown`; an answer edited here is imported as an edit.
 */
export function renderTasksMarkdown(tasks: { spec: TaskSpec; instances: TaskInstance[]; feedback?: FeedbackRecord[] }[]): string {
  const out: string[] = ['# Alignment research tasks', ''];
  for (const { spec, instances, feedback = [] } of tasks) {
    const { origin: _o, specPath: _p, ...plain } = spec as TaskSpec & { origin?: unknown; specPath?: unknown };
    out.push(`## Task: ${spec.title}`, '', `<!-- align:task ${encodeBlock(plain)} -->`, '');
    out.push(`**Context:** ${spec.context}`, '', `**Input type:** ${spec.inputType}`, '', `**Output type:** ${spec.outputType}`, '', `**Info constraints:** ${constraintsText(spec.constraints)}`, '');
    instances.forEach((inst, n) => {
      out.push(`### Instance ${n + 1}`, '', `<!-- align:instance ${encodeBlock(inst)} -->`, ...renderInstanceBody(inst), INSTANCE_END(inst.id), '');
    });
    if (feedback.length) {
      // Ratings given without saving and dismissed findings: the negatives of preference exports.
      // Every record is written (the round trip keeps withdrawals); the note counts what stands.
      const standing = standingFeedback(feedback);
      const rejected = standing.filter((f) => f.kind === 'rejected').length;
      const ratings = standing.filter((f) => f.kind === 'rating').length;
      out.push(`${FEEDBACK_NOTE}${rejected} dismissed answer${rejected === 1 ? '' : 's'}, ${ratings} rating${ratings === 1 ? '' : 's'}.*`, '');
      for (const f of feedback) out.push(`<!-- align:feedback ${encodeBlock(f)} -->`);
      out.push('');
    }
  }
  return out.join('\n');
}
