// The research panel's front end: shows the conversation the host sends, streams answers, and
// posts the researcher's actions back. Imports only the protocol and the sanitising renderers.
// Every message is checked (isHostToWebviewMessage) and applied with the same pure reducer the
// host uses for its mirror, so both sides agree on what is shown.
import type { ConversationState, HostToWebview, RatingValue, TurnView, WebviewToHost } from '../protocol/panelProtocol';
import { applyHostMessage, isConversationState, isHostToWebviewMessage } from '../protocol/panelProtocol';
import { TurnDom, renderStats } from './turnView';
import { button, el } from './dom';

interface VsCodeApi {
  postMessage(msg: WebviewToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const header = byId('header');
const noticeBox = byId('notice');
const status = byId('status');
const conversation = byId('conversation');
const question = byId<HTMLTextAreaElement>('question');
const stopButton = byId<HTMLButtonElement>('stop');
const sendButton = byId<HTMLButtonElement>('send');

let state: ConversationState | undefined;
const turnDoms = new Map<string, TurnDom>();
const edits = new Map<string, string>();
const reasons = new Map<string, RatingValue>();
const saving = new Set<string>();
let transientNotice: { text: string; kind: 'info' | 'warning' | 'error' } | undefined;
let noticeTimer: number | undefined;
let persistTimer: number | undefined;
let deltasReceived = 0;

// Read by the browser tests and the streaming benchmark.
(window as unknown as { __panelStats: () => object }).__panelStats = () => ({ ...renderStats, deltasReceived });

function post(msg: WebviewToHost): void {
  vscode.postMessage(msg);
}

/** Saves the conversation and the researcher's drafts, so a hidden or reloaded panel comes back as it was. */
function persist(): void {
  clearTimeout(persistTimer);
  persistTimer = undefined;
  if (!state) return;
  const q = question.value;
  vscode.setState({
    ...state,
    drafts: { ...(q ? { question: q } : {}), ...(edits.size ? { edits: Object.fromEntries(edits) } : {}) },
  } satisfies ConversationState);
}

function persistSoon(): void {
  persistTimer ??= window.setTimeout(persist, 300);
}

/** Says `text` to screen readers through the polite status region. */
function announce(text: string): void {
  status.textContent = '';
  // A new text node in a later task makes repeated messages be read again.
  window.setTimeout(() => (status.textContent = text), 30);
}

const turnHost = {
  post,
  announce,
  editText: (id: string) => edits.get(id),
  setEditText(id: string, text: string | undefined) {
    if (text === undefined) edits.delete(id);
    else edits.set(id, text);
    persistSoon();
  },
  reasonFor: (id: string) => reasons.get(id),
  setReason(id: string, value: RatingValue | undefined) {
    if (value === undefined) reasons.delete(id);
    else reasons.set(id, value);
  },
  isSaving: (id: string) => saving.has(id),
  setSaving(id: string, on: boolean) {
    if (on) saving.add(id);
    else saving.delete(id);
  },
  refresh(id: string, key?: string) {
    const turn = state?.turns.find((t) => t.id === id);
    if (turn) turnDoms.get(id)?.update(turn, key);
    persist();
  },
};

function renderHeader(): void {
  if (!state) return;
  const parts: Node[] = [el('div', { class: 'task', title: `Task: ${state.task.title}` }, state.task.title)];
  if (state.source) {
    parts.push(
      el('div', { class: 'source', title: state.source.path ?? state.source.title }, el('span', { class: 'source-title' }, state.source.title), el('span', { class: 'kind' }, state.source.kind)),
    );
  }
  parts.push(el('div', { class: 'model', title: `Answers come from: ${state.modelLabel}` }, state.modelLabel));
  if (state.needsModel) {
    parts.push(
      button({
        label: 'Configure Model…',
        aria: 'Configure a model: provider, base URL, model and key',
        icon: 'gear',
        kind: 'primary',
        focusKey: 'configure-model',
        onClick: () => post({ type: 'configureModel' }),
      }),
    );
  }
  if (state.turns.length) {
    parts.push(
      button({
        label: 'New conversation',
        aria: 'Start a new conversation about the same source',
        icon: 'add',
        focusKey: 'new-conversation',
        onClick: () => {
          post({ type: 'newConversation' });
          question.focus();
        },
      }),
    );
  }
  header.replaceChildren(...parts);
}

function renderNotice(): void {
  const text = transientNotice?.text ?? state?.notice;
  noticeBox.hidden = !text;
  if (!text) {
    noticeBox.replaceChildren();
    return;
  }
  const kind = transientNotice?.kind ?? 'info';
  noticeBox.className = `notice ${kind}`;
  noticeBox.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  const children: Node[] = [el('span', { class: 'text' }, text)];
  if (transientNotice) {
    children.push(
      button({
        label: 'Dismiss',
        aria: 'Dismiss this message',
        icon: 'close',
        onClick: () => {
          transientNotice = undefined;
          renderNotice();
          question.focus();
        },
      }),
    );
  }
  noticeBox.replaceChildren(...children);
}

function showNotice(text: string, kind: 'info' | 'warning' | 'error'): void {
  transientNotice = { text, kind };
  clearTimeout(noticeTimer);
  // Information fades; warnings and errors stay until dismissed or replaced.
  if (kind === 'info') {
    noticeTimer = window.setTimeout(() => {
      transientNotice = undefined;
      renderNotice();
    }, 8000);
  }
  renderNotice();
}

/** Brings the DOM in line with `state`: only turns that changed are touched. */
function renderTurns(): void {
  if (!state) return;
  const known = new Set(state.turns.map((t) => t.id));
  for (const [id, dom] of turnDoms) {
    if (!known.has(id)) {
      dom.dispose();
      dom.article.remove();
      turnDoms.delete(id);
    }
  }
  let newQuestion: HTMLElement | undefined;
  let newAnswer: HTMLElement | undefined;
  state.turns.forEach((turn: TurnView, i) => {
    let dom = turnDoms.get(turn.id);
    if (dom) dom.update(turn);
    else {
      dom = new TurnDom(turn, turnHost);
      turnDoms.set(turn.id, dom);
      if (turn.role === 'researcher') newQuestion ??= dom.article;
      else newAnswer ??= dom.article;
    }
    // Moving a node that holds focus would drop the focus: insert only where the order differs.
    if (conversation.children[i] !== dom.article) conversation.insertBefore(dom.article, conversation.children[i] ?? null);
  });
  const empty = conversation.querySelector(':scope > .empty');
  if (state.turns.length === 0 && !empty) conversation.append(el('p', { class: 'empty' }, 'Ask a question about the document below.'));
  else if (state.turns.length > 0) empty?.remove();
  const streaming = state.turns.some((t) => t.status === 'streaming');
  if (stopButton.hidden === streaming) {
    stopButton.hidden = !streaming;
    if (!streaming && document.activeElement === stopButton) question.focus();
  }
  sendButton.disabled = streaming;
  sendButton.setAttribute('aria-disabled', String(streaming));
  // A new exchange: bring the question to the top so the answer reads from its start.
  (newQuestion ?? newAnswer)?.scrollIntoView({ block: newQuestion ? 'start' : 'nearest' });
}

function renderAll(): void {
  renderHeader();
  renderNotice();
  renderTurns();
}

function onMessage(msg: HostToWebview): void {
  const before = state;
  state = applyHostMessage(state, msg);
  switch (msg.type) {
    case 'state':
      for (const id of [...edits.keys()]) if (!state?.turns.some((t) => t.id === id)) edits.delete(id);
      renderAll();
      persist();
      return;
    case 'delta':
      deltasReceived++;
      if (state !== before) renderTurns();
      // Streamed text is saved with the throttled render, not on every piece.
      persistSoon();
      return;
    case 'turnStarted':
      if (msg.turn.role === 'assistant' && msg.turn.status === 'streaming') announce('Answer streaming…');
      renderTurns();
      persist();
      return;
    case 'turnFinished':
    case 'turnFailed':
      renderTurns();
      persist();
      return;
    case 'saved': {
      const hadFocus = !!turnDoms.get(msg.turnId)?.article.querySelector('.edit')?.contains(document.activeElement);
      edits.delete(msg.turnId);
      saving.delete(msg.turnId);
      const turn = state?.turns.find((t) => t.id === msg.turnId);
      if (turn) turnDoms.get(msg.turnId)?.update(turn, hadFocus ? 'save' : undefined);
      showNotice('Saved as an instance of the dataset.', 'info');
      announce('Saved as an instance of the dataset.');
      persist();
      return;
    }
    case 'header':
      renderHeader();
      renderNotice();
      persist();
      return;
    case 'rated':
      renderTurns();
      announce(`Rated ${msg.value}.`);
      persist();
      return;
    case 'notice':
      // A failed or declined save comes back as an error or warning notice: let the researcher try again.
      if (msg.kind !== 'info' && saving.size) {
        saving.clear();
        renderTurns();
      }
      showNotice(msg.text, msg.kind);
      return;
    default: {
      const unhandled: never = msg;
      void unhandled;
    }
  }
}

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  if (isHostToWebviewMessage(e.data)) onMessage(e.data);
  else if (e.data && typeof e.data === 'object') console.warn('Research panel: ignored a malformed message');
});

function isStreaming(): boolean {
  return !!state?.turns.some((t) => t.status === 'streaming');
}

/**
 * Sends the typed question. A plain message, never a form submission: VS Code's webview iframe is
 * sandboxed without allow-forms, so a <form> submit is blocked before any script sees it.
 */
function sendQuestion(): void {
  const q = question.value.trim();
  if (!q) {
    question.focus();
    return;
  }
  if (isStreaming()) {
    announce('An answer is still streaming: wait for it or stop it first.');
    return;
  }
  post({ type: 'ask', question: q });
  question.value = '';
  persist();
}

sendButton.addEventListener('click', sendQuestion);
question.addEventListener('keydown', (e) => {
  if (e.isComposing) return;
  if (e.key === 'Enter' && (!e.shiftKey || e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    sendQuestion();
  } else if (e.key === 'Escape' && isStreaming()) {
    e.preventDefault();
    post({ type: 'stop' });
  }
});
question.addEventListener('input', persistSoon);
stopButton.addEventListener('click', () => {
  post({ type: 'stop' });
  announce('Stopping…');
});

// A panel that was hidden or reloaded starts from what it saved; the host's state follows `ready`.
const restored = vscode.getState();
if (isConversationState(restored)) {
  state = { ...restored, drafts: undefined };
  question.value = restored.drafts?.question ?? '';
  for (const [id, text] of Object.entries(restored.drafts?.edits ?? {})) edits.set(id, text);
  renderAll();
}
post({ type: 'ready' });
