/**
 * Messages between the research panel's host (src/host/panel) and its webview (src/webview).
 * Plain data only. The webview is a trust boundary: the host checks every message it receives
 * with `isWebviewToHostMessage` before acting on it.
 */

/** One turn of the conversation as the panel shows it. */
export interface TurnView {
  id: string;
  role: 'researcher' | 'assistant';
  /** Markdown from the researcher or the model: untrusted, sanitised by the webview before display. */
  content: string;
  status: 'streaming' | 'done' | 'error' | 'cancelled';
  /** Set when the turn failed; the partial answer stays in `content`. */
  error?: { message: string; retryable: boolean };
  /** Passage ids cited in `content` as `[P3]`, with the label to show and whether they are real. */
  citations?: { id: string; label: string; valid: boolean }[];
  /** Id of the dataset instance this answer was saved as. */
  savedInstanceId?: string;
  rating?: 'good' | 'bad';
  /** For a critique: the answer it criticises. */
  parentTurnId?: string;
  /** Task title when the turn belongs to another task than the panel's (a critique). */
  taskTitle?: string;
}

/** Everything the panel shows; also what VS Code keeps to restore the panel after a reload. */
export interface ConversationState {
  title: string;
  task: { id: string; title: string };
  source?: { title: string; kind: string; path?: string };
  modelLabel: string;
  turns: TurnView[];
  /** A line shown under the header (no model configured, restored after reload…). */
  notice?: string;
}

/** Host → webview. */
export type HostToWebview =
  | { type: 'state'; state: ConversationState }
  | { type: 'delta'; turnId: string; text: string }
  | { type: 'saved'; turnId: string; instanceId: string }
  | { type: 'rated'; turnId: string; value: 'good' | 'bad' }
  | { type: 'notice'; text: string; kind: 'info' | 'warning' | 'error' };

/** Webview → host. */
export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'ask'; question: string }
  | { type: 'stop' }
  | { type: 'retry'; turnId: string }
  | { type: 'save'; turnId: string; editedText: string }
  | { type: 'rate'; turnId: string; value: 'good' | 'bad'; reason?: string }
  | { type: 'copy'; turnId: string }
  | { type: 'critique'; turnId: string }
  | { type: 'openCitation'; turnId: string; passageId: string };

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const str = (x: unknown, max = 200_000): x is string => typeof x === 'string' && x.length <= max;
const id = (x: unknown): x is string => typeof x === 'string' && /^[A-Za-z0-9:_-]{1,80}$/.test(x);

/** Exactly these keys, no others: a message with extra fields is rejected. */
function keys(o: Obj, allowed: string[]): boolean {
  return Object.keys(o).every((k) => allowed.includes(k));
}

/** Runtime check of a message from the webview. */
export function isWebviewToHostMessage(x: unknown): x is WebviewToHost {
  if (!isObj(x) || typeof x.type !== 'string') return false;
  switch (x.type) {
    case 'ready':
    case 'stop':
      return keys(x, ['type']);
    case 'ask':
      return keys(x, ['type', 'question']) && str(x.question, 20_000) && x.question.trim().length > 0;
    case 'retry':
    case 'copy':
    case 'critique':
      return keys(x, ['type', 'turnId']) && id(x.turnId);
    case 'save':
      return keys(x, ['type', 'turnId', 'editedText']) && id(x.turnId) && str(x.editedText);
    case 'rate':
      return keys(x, ['type', 'turnId', 'value', 'reason']) && id(x.turnId) && (x.value === 'good' || x.value === 'bad') && (x.reason === undefined || str(x.reason, 2000));
    case 'openCitation':
      return keys(x, ['type', 'turnId', 'passageId']) && id(x.turnId) && typeof x.passageId === 'string' && /^P\d{1,6}$/.test(x.passageId);
    default:
      return false;
  }
}

function isTurn(x: unknown): x is TurnView {
  return (
    isObj(x) &&
    id(x.id) &&
    (x.role === 'researcher' || x.role === 'assistant') &&
    typeof x.content === 'string' &&
    ['streaming', 'done', 'error', 'cancelled'].includes(x.status as string)
  );
}

/** Runtime check of a restored panel state (it comes back from the webview). */
export function isConversationState(x: unknown): x is ConversationState {
  return (
    isObj(x) &&
    typeof x.title === 'string' &&
    isObj(x.task) &&
    typeof x.task.id === 'string' &&
    typeof x.task.title === 'string' &&
    typeof x.modelLabel === 'string' &&
    Array.isArray(x.turns) &&
    x.turns.every(isTurn) &&
    (x.source === undefined || (isObj(x.source) && typeof x.source.title === 'string'))
  );
}
