/**
 * Messages between the evidence views' host (src/host/evidence) and their webview
 * (src/webview/evidence.ts): the scorecard, and a rater's blind study. Plain data only. The
 * webview is a trust boundary: the host checks what it receives with `isEvidenceWebviewMessage`.
 * Everything shown (model names, task titles, inputs, answers) is text from outside, placed with
 * textContent only.
 */

/** A win rate with its 95% interval, as one bar of a chart. */
export interface WinRateBar {
  label: string;
  winRate: number | null;
  low: number | null;
  high: number | null;
  /** How many verdicts it rests on. */
  n: number;
}

/** The scorecard's charts, computed by the host from the core's `EvidenceScorecard`. */
export interface ScorecardView {
  generatedAt: string;
  testBudget?: number;
  tasks: {
    taskId: string;
    title: string;
    split?: { train: number; test: number };
    /** Cumulative test consultations over time: one point per look. */
    consultations: { at: string; kind: string; label: string }[];
    /** The latest evaluation run's win rate per model (judge or people vs the saved answer). */
    latestRun?: { runId: string; split?: string; bars: WinRateBar[] };
    studies: {
      studyId: string;
      bars: WinRateBar[];
      raters: number;
      ratings: number;
      cohensKappa?: number;
      krippendorffAlpha?: number;
      judgeVsPeople?: { judge: string; agreement: number; cohensKappa: number; items: number };
    }[];
  }[];
  /** Planted flaws caught per critic, latest run first. */
  planted: { runId: string; createdAt: string; results: { model: string; caught: number; total: number; otherFindings: number }[] }[];
}

/** One blinded item as a rater sees it: no names, answers labelled A and B. */
export interface StudyItemView {
  studyId: string;
  itemId: string;
  rater: string;
  input: string;
  answers: { A: string; B: string };
  position: number;
  of: number;
}

/** An item a non-expert answers with the assistant's help (sandwiching): the input only, never the reference. */
export interface AssistItemView {
  studyId: string;
  itemId: string;
  rater: string;
  input: string;
  position: number;
  of: number;
  /** The help asked for on this item so far: recorded with the answer. */
  help: { question: string; answer: string }[];
  /** True while the assistant is answering a question. */
  asking?: boolean;
}

export type EvidenceHostMessage =
  | { type: 'scorecard'; view: ScorecardView }
  | { type: 'assistItem'; item: AssistItemView }
  | { type: 'studyItem'; item: StudyItemView }
  | { type: 'studyDone'; studyId: string; rater: string; rated: number; noun?: 'verdict' | 'answer' }
  | { type: 'error'; message: string };

export type EvidenceWebviewMessage =
  | { type: 'ready' }
  | { type: 'rate'; itemId: string; verdict: 'A' | 'B' | 'tie'; confidence: number }
  | { type: 'ask'; itemId: string; question: string }
  | { type: 'answer'; itemId: string; answer: string };

const MAX_TEXT = 100_000;

export function isEvidenceWebviewMessage(x: unknown): x is EvidenceWebviewMessage {
  if (!x || typeof x !== 'object') return false;
  const m = x as Record<string, unknown>;
  if (m.type === 'ready') return Object.keys(m).length === 1;
  if (m.type === 'rate') {
    return (
      typeof m.itemId === 'string' &&
      m.itemId.length > 0 &&
      m.itemId.length < 200 &&
      (m.verdict === 'A' || m.verdict === 'B' || m.verdict === 'tie') &&
      typeof m.confidence === 'number' &&
      Number.isInteger(m.confidence) &&
      m.confidence >= 1 &&
      m.confidence <= 5
    );
  }
  if (m.type === 'ask' || m.type === 'answer') {
    const text = m.type === 'ask' ? m.question : m.answer;
    return typeof m.itemId === 'string' && m.itemId.length > 0 && m.itemId.length < 200 && typeof text === 'string' && text.trim().length > 0 && text.length <= MAX_TEXT;
  }
  return false;
}

export function isEvidenceHostMessage(x: unknown): x is EvidenceHostMessage {
  if (!x || typeof x !== 'object') return false;
  const t = (x as { type?: unknown }).type;
  return t === 'scorecard' || t === 'studyItem' || t === 'assistItem' || t === 'studyDone' || t === 'error';
}
