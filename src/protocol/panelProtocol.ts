/**
 * Messages between the research panel's host (src/host/panel) and its webview (src/webview).
 * Plain data only; both sides import this file. The webview is a trust boundary: the host checks
 * every message it receives with `isWebviewToHostMessage` and drops what fails. The webview checks
 * what it receives with `isHostToWebviewMessage` too, and what it restores with `isConversationState`.
 */

/** A researcher's judgement of an answer. */
export type RatingValue = 'good' | 'bad';

/** Where a turn is in its life. */
export type TurnStatus = 'streaming' | 'done' | 'error' | 'cancelled';

/** A `[P3]` marker in an answer and what it points to. */
export interface CitationView {
  /** The passage id as the model wrote it, e.g. `P3`. */
  id: string;
  /** What the panel shows instead of the id, e.g. `p. 6` or `§2, lines 40–52`. */
  label: string;
  /** False when no passage given to the model has this id: an invented citation. */
  valid: boolean;
  /** The passage's text (from the paper: untrusted), shown on hover and in the sources list. */
  quote?: string;
}

/** One turn of the conversation as the panel shows it. */
export interface TurnView {
  /** Unique within the conversation; letters, digits, `:`, `_` and `-`. */
  id: string;
  /** Who wrote it: the researcher's question or the model's answer. */
  role: 'researcher' | 'assistant';
  /** Markdown from the researcher or the model: untrusted, sanitised by the webview before display. */
  content: string;
  /** `streaming` while text is arriving; the other three are final. */
  status: TurnStatus;
  /** Set when the turn failed; the partial answer stays in `content`. */
  error?: {
    /** What went wrong, in words for the researcher. */
    message: string;
    /** True when trying again may work (rate limit, server error, timeout). */
    retryable: boolean;
  };
  /** Passage ids cited in `content` as `[P3]`, with the label to show and whether they are real. */
  citations?: CitationView[];
  /** Id of the dataset instance this answer was saved as. */
  savedInstanceId?: string;
  /** The researcher's version as saved, when it differs from `content` (the model's answer). */
  savedContent?: string;
  /** The researcher's rating of this answer, once given. */
  rating?: RatingValue;
  /** For a critique: the id of the answer it criticises. */
  parentTurnId?: string;
  /** Task title when the turn belongs to another task than the panel's (a critique). */
  taskTitle?: string;
}

/** Text the researcher was typing, kept by the webview across hiding and reloads; the host ignores it. */
export interface PanelDrafts {
  /** The unsent question. */
  question?: string;
  /** Open "Save as Instance" editors: turn id → the text being edited. */
  edits?: Record<string, string>;
}

/** Everything the panel shows; also what VS Code keeps to restore the panel after a reload. */
export interface ConversationState {
  /** The panel's title (task and source). */
  title: string;
  /** The task the conversation runs. */
  task: {
    /** Task id, e.g. `paper-qa`. */
    id: string;
    /** Human title of the task. */
    title: string;
  };
  /** The paper or document asked about, if any. */
  source?: {
    /** Its title: untrusted (it comes from the document). */
    title: string;
    /** pdf, markdown, latex, html, text, arxiv… */
    kind: string;
    /** Local file path, so a restored panel can reopen it. */
    path?: string;
  };
  /** The model (and endpoint) answering, as shown in the header. */
  modelLabel: string;
  /** The conversation, oldest first. */
  turns: TurnView[];
  /** A line shown under the header (no model configured, restored after reload…). */
  notice?: string;
  /** True when no model is configured: the panel offers "Configure Model…". */
  needsModel?: boolean;
  /** Webview-only drafts; see `PanelDrafts`. */
  drafts?: PanelDrafts;
}

/** Host → webview. */
export type HostToWebview =
  /**
   * Replaces everything the panel shows: sent when the webview says `ready` (first load, and
   * after it was hidden or reloaded) and for a new conversation. Turns change by the turn events.
   */
  | { type: 'state'; state: ConversationState }
  /** The header and the standing notice changed (a model was configured, passages shown without one). */
  | { type: 'header'; modelLabel: string; needsModel: boolean; notice?: string }
  /** A new turn (usually an empty streaming answer); replaces a turn with the same id (a retry). */
  | { type: 'turnStarted'; turn: TurnView }
  /** More text for a streaming turn; the host coalesces these (at most one per ~40 ms per turn). */
  | { type: 'delta'; turnId: string; text: string }
  /** The final form of a turn: full content, status, citations. */
  | { type: 'turnFinished'; turn: TurnView }
  /** The turn failed; `partial` is the answer received so far, kept on screen. */
  | { type: 'turnFailed'; turnId: string; message: string; partial: string; retryable: boolean }
  /** The answer was saved as dataset instance `instanceId`. */
  | { type: 'saved'; turnId: string; instanceId: string; savedText?: string }
  /** The rating was stored. */
  | { type: 'rated'; turnId: string; value: RatingValue }
  /** A message for the researcher that belongs to no turn. */
  | { type: 'notice'; text: string; kind: 'info' | 'warning' | 'error' };

/** Webview → host. */
export type WebviewToHost =
  /** The webview has loaded and listens: the host may send (and resend) its state. */
  | { type: 'ready' }
  /** A follow-up question. */
  | { type: 'ask'; question: string }
  /** Stop the streaming answer. */
  | { type: 'stop' }
  /** Run a failed or stopped turn again. */
  | { type: 'retry'; turnId: string }
  /** Save an answer as an instance, with the researcher's edited version of it. */
  | { type: 'save'; turnId: string; editedText: string }
  /** Rate an answer, with an optional reason. */
  | { type: 'rate'; turnId: string; value: RatingValue; reason?: string }
  /** Copy an answer to the clipboard (the host has the exact text). */
  | { type: 'copy'; turnId: string }
  /** "How could this fail?": critique an answer, or with `item` its n-th idea (0-based top-level list item). */
  | { type: 'critique'; turnId: string; item?: number }
  /** Open the passage `passageId` cited in turn `turnId`. */
  | { type: 'openCitation'; turnId: string; passageId: string }
  /** Start over on the same source and task: a fresh conversation in this panel. */
  | { type: 'newConversation' }
  /** Run "Configure Model…" (provider, base URL, model, key). */
  | { type: 'configureModel' };

/** Longest question accepted from the webview. */
export const MAX_QUESTION_CHARS = 20_000;
/** Longest edited answer accepted from the webview. */
export const MAX_EDITED_CHARS = 1_000_000;
/** Longest rating reason accepted from the webview. */
export const MAX_REASON_CHARS = 2_000;

type Obj = Record<string, unknown>;

/** A plain object as structured clone or JSON produce: no arrays, no class instances. */
function isObj(x: unknown): x is Obj {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

const isStr = (x: unknown, max = Number.MAX_SAFE_INTEGER): x is string => typeof x === 'string' && x.length <= max;
const isText = (x: unknown, max: number): x is string => isStr(x, max) && x.trim().length > 0;
const isOptStr = (x: unknown): boolean => x === undefined || typeof x === 'string';
const isBool = (x: unknown): x is boolean => typeof x === 'boolean';
const isRating = (x: unknown): x is RatingValue => x === 'good' || x === 'bad';
const ID = /^[A-Za-z0-9:_-]{1,100}$/;
/** Turn ids travel back to the host and into log lines: a short, plain alphabet. */
export const isTurnId = (x: unknown): x is string => typeof x === 'string' && ID.test(x);
/** Passage ids as the chunker makes them. */
export const isPassageId = (x: unknown): x is string => typeof x === 'string' && /^P\d{1,6}$/.test(x);

/**
 * True when `o` has every key of `required`, and no key outside `required` and `optional`.
 * Own keys only, so `__proto__`, `constructor` and other junk fail the check.
 */
function hasKeys(o: Obj, required: readonly string[], optional: readonly string[] = []): boolean {
  for (const k of required) if (!Object.prototype.hasOwnProperty.call(o, k)) return false;
  for (const k of Object.keys(o)) if (!required.includes(k) && !optional.includes(k)) return false;
  return true;
}

/** Runtime check of a message from the webview: exact shape, every field typed and bounded. */
export function isWebviewToHostMessage(x: unknown): x is WebviewToHost {
  if (!isObj(x) || typeof x.type !== 'string') return false;
  const type = x.type as WebviewToHost['type'];
  switch (type) {
    case 'ready':
    case 'stop':
    case 'newConversation':
    case 'configureModel':
      return hasKeys(x, ['type']);
    case 'ask':
      return hasKeys(x, ['type', 'question']) && isText(x.question, MAX_QUESTION_CHARS);
    case 'retry':
    case 'copy':
      return hasKeys(x, ['type', 'turnId']) && isTurnId(x.turnId);
    case 'critique':
      return hasKeys(x, ['type', 'turnId'], ['item']) && isTurnId(x.turnId) && (x.item === undefined || (Number.isInteger(x.item) && (x.item as number) >= 0 && (x.item as number) < 1000));
    case 'save':
      return hasKeys(x, ['type', 'turnId', 'editedText']) && isTurnId(x.turnId) && isText(x.editedText, MAX_EDITED_CHARS);
    case 'rate':
      return (
        hasKeys(x, ['type', 'turnId', 'value'], ['reason']) &&
        isTurnId(x.turnId) &&
        isRating(x.value) &&
        (x.reason === undefined || isStr(x.reason, MAX_REASON_CHARS))
      );
    case 'openCitation':
      return hasKeys(x, ['type', 'turnId', 'passageId']) && isTurnId(x.turnId) && isPassageId(x.passageId);
    default: {
      // A new message type must be handled above before it compiles.
      const unknownType: never = type;
      void unknownType;
      return false;
    }
  }
}

function isCitation(x: unknown): x is CitationView {
  return isObj(x) && typeof x.id === 'string' && typeof x.label === 'string' && isBool(x.valid) && isOptStr(x.quote);
}

/** Runtime check of one turn. Unknown extra keys are tolerated (older or newer saved states). */
export function isTurnView(x: unknown): x is TurnView {
  return (
    isObj(x) &&
    isTurnId(x.id) &&
    (x.role === 'researcher' || x.role === 'assistant') &&
    typeof x.content === 'string' &&
    (x.status === 'streaming' || x.status === 'done' || x.status === 'error' || x.status === 'cancelled') &&
    (x.error === undefined || (isObj(x.error) && typeof x.error.message === 'string' && isBool(x.error.retryable))) &&
    (x.citations === undefined || (Array.isArray(x.citations) && x.citations.every(isCitation))) &&
    isOptStr(x.savedInstanceId) &&
    isOptStr(x.savedContent) &&
    (x.rating === undefined || isRating(x.rating)) &&
    (x.parentTurnId === undefined || isTurnId(x.parentTurnId)) &&
    isOptStr(x.taskTitle)
  );
}

function isDrafts(x: unknown): x is PanelDrafts {
  return (
    isObj(x) &&
    isOptStr(x.question) &&
    (x.edits === undefined || (isObj(x.edits) && Object.entries(x.edits).every(([k, v]) => isTurnId(k) && typeof v === 'string')))
  );
}

/** Runtime check of a conversation (from the host, or restored from VS Code's webview state). */
export function isConversationState(x: unknown): x is ConversationState {
  return (
    isObj(x) &&
    typeof x.title === 'string' &&
    isObj(x.task) &&
    typeof x.task.id === 'string' &&
    typeof x.task.title === 'string' &&
    (x.source === undefined ||
      (isObj(x.source) && typeof x.source.title === 'string' && typeof x.source.kind === 'string' && isOptStr(x.source.path))) &&
    typeof x.modelLabel === 'string' &&
    Array.isArray(x.turns) &&
    x.turns.every(isTurnView) &&
    isOptStr(x.notice) &&
    (x.needsModel === undefined || isBool(x.needsModel)) &&
    (x.drafts === undefined || isDrafts(x.drafts))
  );
}

/** Runtime check of a message from the host (the webview's defence in depth). */
export function isHostToWebviewMessage(x: unknown): x is HostToWebview {
  if (!isObj(x) || typeof x.type !== 'string') return false;
  const type = x.type as HostToWebview['type'];
  switch (type) {
    case 'state':
      return isConversationState(x.state);
    case 'turnStarted':
    case 'turnFinished':
      return isTurnView(x.turn);
    case 'delta':
      return isTurnId(x.turnId) && typeof x.text === 'string';
    case 'turnFailed':
      return isTurnId(x.turnId) && typeof x.message === 'string' && typeof x.partial === 'string' && isBool(x.retryable);
    case 'header':
      return typeof x.modelLabel === 'string' && isBool(x.needsModel) && isOptStr(x.notice);
    case 'saved':
      return isTurnId(x.turnId) && typeof x.instanceId === 'string' && isOptStr(x.savedText);
    case 'rated':
      return isTurnId(x.turnId) && isRating(x.value);
    case 'notice':
      return typeof x.text === 'string' && (x.kind === 'info' || x.kind === 'warning' || x.kind === 'error');
    default: {
      const unknownType: never = type;
      void unknownType;
      return false;
    }
  }
}

/** `turns` with the turn `id` replaced by `change(turn)`; the same array when there is no such turn. */
function updateTurn(turns: TurnView[], id: string, change: (t: TurnView) => TurnView): TurnView[] {
  const i = turns.findIndex((t) => t.id === id);
  if (i < 0) return turns;
  const next = turns.slice();
  next[i] = change(turns[i]);
  return next;
}

function putTurn(turns: TurnView[], turn: TurnView): TurnView[] {
  const i = turns.findIndex((t) => t.id === turn.id);
  if (i < 0) return [...turns, turn];
  const next = turns.slice();
  next[i] = turn;
  return next;
}

/**
 * The conversation after a host message. Pure and copy-on-write: unchanged turns keep their
 * identity, so the webview re-renders only turns that changed, and the host can keep a mirror
 * of what the webview shows (to resend it whole when a hidden webview comes back).
 * Messages for unknown turns, and notices, leave the state as it is.
 */
export function applyHostMessage(state: ConversationState | undefined, msg: HostToWebview): ConversationState | undefined {
  switch (msg.type) {
    case 'state':
      return msg.state;
    case 'notice':
      return state;
    case 'header': {
      if (!state) return state;
      const { needsModel: _n, notice: _o, ...rest } = state;
      void _n;
      void _o;
      return { ...rest, modelLabel: msg.modelLabel, ...(msg.needsModel ? { needsModel: true } : {}), ...(msg.notice !== undefined ? { notice: msg.notice } : {}) };
    }
    default:
      break;
  }
  if (!state) return state;
  let turns: TurnView[];
  switch (msg.type) {
    case 'turnStarted':
    case 'turnFinished':
      turns = putTurn(state.turns, msg.turn);
      break;
    case 'delta':
      turns = updateTurn(state.turns, msg.turnId, (t) => ({ ...t, content: t.content + msg.text }));
      break;
    case 'turnFailed':
      turns = updateTurn(state.turns, msg.turnId, (t) => ({
        ...t,
        content: msg.partial,
        status: 'error',
        error: { message: msg.message, retryable: msg.retryable },
      }));
      break;
    case 'saved':
      turns = updateTurn(state.turns, msg.turnId, (t) => ({ ...t, savedInstanceId: msg.instanceId, ...(msg.savedText !== undefined ? { savedContent: msg.savedText } : {}) }));
      break;
    case 'rated':
      turns = updateTurn(state.turns, msg.turnId, (t) => ({ ...t, rating: msg.value }));
      break;
    default: {
      const unhandled: never = msg;
      void unhandled;
      return state;
    }
  }
  return turns === state.turns ? state : { ...state, turns };
}
