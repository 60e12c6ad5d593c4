// A draft-critique finding as the dataset keeps it: the accepted critique (an instance), the
// dismissed one (a rejected record), and the follow-up conversation about it. Shared by every shell.
import type { DialogueTurn, FeedbackRecord, ModelProvenance, TaskInstance } from '../dataset/instanceTypes';
import type { ChatMessage } from '../model/modelTypes';
import type { TaskSpec } from '../tasks/taskTypes';
import type { AnchoredFinding } from './critiqueRunner';
import { newInstanceRecord, newRejectionRecord } from '../dataset/records';

type FindingParts = Pick<AnchoredFinding, 'quote' | 'problem' | 'why' | 'severity' | 'suggestion'>;

/** The finding as the critique text a researcher accepts: quote, problem, why, severity, fix. */
export function findingText(f: FindingParts): string {
  return [`> ${f.quote}`, '', `**${f.severity}** — ${f.problem}`, f.why ? `\n${f.why}` : '', f.suggestion ? `\n*Suggestion:* ${f.suggestion}` : ''].join('\n').trim();
}

/**
 * What identifies a finding across runs of the critique: its section and the sentence it quotes
 * (white space and case folded), so a re-run's same finding meets the decision taken on it.
 */
export function findingKey(f: Pick<AnchoredFinding, 'quote' | 'section'>): string {
  const fold = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase();
  return `${fold(f.section)}\u0000${fold(f.quote)}`;
}

/** Where a finding was made: the draft's file (relative) and the model that made it. */
export interface FindingOrigin {
  file: string;
  model: ModelProvenance;
  /** The follow-up dialogue in the finding's thread, if any. */
  replies: DialogueTurn[];
}

function critiqueInput(f: AnchoredFinding, origin: FindingOrigin) {
  return {
    passages: [],
    dialogue: origin.replies.length ? [{ role: 'assistant' as const, content: findingText(f) }, ...origin.replies] : [],
    text: f.unitText,
    fields: { section: f.section, outline: f.unitContext, file: origin.file, lines: `${f.startLine}-${f.endLine}` },
  };
}

/** An accepted finding as a draft-critique instance; `edited` is the researcher's version. */
export function critiqueInstance(task: TaskSpec, f: AnchoredFinding, origin: FindingOrigin, edited?: string): TaskInstance {
  const original = findingText(f);
  return newInstanceRecord({
    taskId: task.id,
    input: critiqueInput(f, origin),
    output: edited ?? original,
    ...(edited !== undefined ? { originalOutput: original } : {}),
    model: origin.model,
    constraints: task.constraints,
  });
}

/** A dismissed finding: a negative example, with the researcher's reason when given. */
export function critiqueRejection(task: TaskSpec, f: AnchoredFinding, origin: FindingOrigin, reason?: string): FeedbackRecord {
  return newRejectionRecord({ taskId: task.id, input: critiqueInput(f, origin), output: findingText(f), model: origin.model, reason });
}

/** The conversation a reply in a finding's thread continues. */
export function findingFollowUpMessages(task: TaskSpec, f: AnchoredFinding, replies: DialogueTurn[]): ChatMessage[] {
  return [
    { role: 'system', content: `${task.instructions}\nYou are discussing one of your review comments with the author. Be concise.` },
    { role: 'user', content: `${f.unitContext}\n<input>\n${f.unitText}\n</input>` },
    { role: 'assistant', content: findingText(f) },
    ...replies.map((r) => ({ role: r.role === 'researcher' ? ('user' as const) : ('assistant' as const), content: r.content })),
  ];
}
