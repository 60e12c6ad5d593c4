// The research panel's front end. Renders the conversation the host sends, streams answers,
// and posts the researcher's actions back. Imports only the protocol and sanitising libraries.
import type { ConversationState, HostToWebview, TurnView, WebviewToHost } from '../protocol/panelProtocol';
import { MAX_RENDERED_CHARS, linkCitations, renderMarkdown } from './markdown';

interface VsCodeApi {
  postMessage(msg: WebviewToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const header = $('header');
const notice = $('notice');
const conversation = $('conversation');
const form = $<HTMLFormElement>('ask-form');
const question = $<HTMLTextAreaElement>('question');
const stopButton = $<HTMLButtonElement>('stop');
const sendButton = $<HTMLButtonElement>('send');

let state: ConversationState | undefined;
/** Turns whose Save box is open, with the text being edited: kept across re-renders. */
const editing = new Map<string, string>();
const renderTimers = new Map<string, number>();
/** Count of answer renders, exposed for the streaming benchmark. */
let renders = 0;
(window as unknown as { __panelStats: () => { renders: number } }).__panelStats = () => ({ renders });

function post(msg: WebviewToHost): void {
  vscode.postMessage(msg);
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function button(label: string, aria: string, onClick: () => void, cls = 'secondary', icon?: string): HTMLButtonElement {
  const b = el('button', { type: 'button', class: cls, 'aria-label': aria, title: aria });
  if (icon) b.append(el('span', { class: `codicon codicon-${icon}`, 'aria-hidden': 'true' }), document.createTextNode(' '));
  b.append(document.createTextNode(label));
  b.addEventListener('click', onClick);
  return b;
}

function persist(): void {
  if (state) vscode.setState(state);
}

function renderHeader(): void {
  header.replaceChildren();
  if (!state) return;
  const task = el('div', { class: 'task' }, state.task.title);
  header.append(task);
  if (state.source) header.append(el('div', { class: 'source', title: state.source.path ?? state.source.title }, `${state.source.title} · ${state.source.kind}`));
  header.append(el('div', { class: 'model' }, state.modelLabel));
}

function renderNotice(text?: string, kind: 'info' | 'warning' | 'error' = 'info'): void {
  notice.textContent = text ?? '';
  notice.className = text ? `notice ${kind}` : '';
}

function answerBody(turn: TurnView, body: HTMLElement): void {
  renders++;
  body.replaceChildren();
  if (turn.content.length > MAX_RENDERED_CHARS) {
    body.append(el('p', { class: 'warning' }, `This answer is ${turn.content.length.toLocaleString()} characters long; it is shown as plain text.`));
    body.append(el('pre', { class: 'plain' }, turn.content));
    return;
  }
  if (turn.status === 'streaming' && !turn.content) {
    body.append(el('p', { class: 'thinking' }, 'Thinking…'));
    return;
  }
  // Sanitised HTML from the allow-list only; see markdown.ts.
  body.innerHTML = renderMarkdown(turn.content);
  const labels = new Map((turn.citations ?? []).map((c) => [c.id, c]));
  linkCitations(
    body,
    (id) => {
      const c = labels.get(id);
      // While streaming, citation labels arrive with the finished turn: show the id meanwhile.
      if (!c) return { text: id, valid: turn.status === 'streaming' };
      return { text: c.label, valid: c.valid };
    },
    (passageId) => post({ type: 'openCitation', turnId: turn.id, passageId }),
  );
}

function actions(turn: TurnView): HTMLElement {
  const bar = el('div', { class: 'actions', role: 'toolbar', 'aria-label': 'Answer actions' });
  if (turn.status === 'error' || turn.status === 'cancelled') {
    bar.append(button('Retry', 'Retry this answer', () => post({ type: 'retry', turnId: turn.id }), 'primary', 'refresh'));
  }
  if (turn.status === 'streaming' || !turn.content.trim()) return bar;
  const saved = !!turn.savedInstanceId;
  bar.append(
    button(saved ? 'Saved ✓' : 'Save as Instance', saved ? `Saved as instance ${turn.savedInstanceId}; save again to store another version` : 'Edit this answer and save it to the dataset', () => {
      editing.set(turn.id, editing.get(turn.id) ?? turn.content);
      renderTurns();
      (document.querySelector(`[data-edit="${turn.id}"] textarea`) as HTMLTextAreaElement | null)?.focus();
    }, 'secondary', saved ? 'check' : 'save'),
    button(turn.rating === 'good' ? 'Good ✓' : 'Good', 'Rate this answer good', () => rate(turn, 'good'), 'secondary', 'thumbsup'),
    button(turn.rating === 'bad' ? 'Bad ✓' : 'Bad', 'Rate this answer bad', () => rate(turn, 'bad'), 'secondary', 'thumbsdown'),
    button('Copy', 'Copy this answer', () => post({ type: 'copy', turnId: turn.id }), 'secondary', 'copy'),
  );
  if (!turn.parentTurnId) bar.append(button('How could this fail?', 'Critique this answer: how could it fail?', () => post({ type: 'critique', turnId: turn.id }), 'secondary', 'warning'));
  return bar;
}

/** Turns whose "why was it bad?" box is open. */
const reasonOpen = new Set<string>();

function rate(turn: TurnView, value: 'good' | 'bad'): void {
  if (value === 'bad') {
    // Webviews cannot open prompt(): ask for the optional reason inline.
    reasonOpen.add(turn.id);
    renderTurns();
    (document.querySelector(`[data-reason="${turn.id}"] input`) as HTMLInputElement | null)?.focus();
    return;
  }
  post({ type: 'rate', turnId: turn.id, value });
}

function reasonBox(turn: TurnView): HTMLElement {
  const box = el('div', { class: 'reason', 'data-reason': turn.id });
  const input = el('input', { type: 'text', 'aria-label': 'What was wrong with the answer? (optional)', placeholder: 'What was wrong with it? (optional)' });
  const send = button('Rate bad', 'Send the rating', () => {
    reasonOpen.delete(turn.id);
    const reason = input.value.trim();
    post({ type: 'rate', turnId: turn.id, value: 'bad', ...(reason ? { reason } : {}) });
  }, 'primary');
  const cancel = button('Cancel', 'Do not rate', () => {
    reasonOpen.delete(turn.id);
    renderTurns();
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') send.click();
    if (e.key === 'Escape') cancel.click();
  });
  box.append(input, send, cancel);
  return box;
}

function editBox(turn: TurnView): HTMLElement {
  const box = el('div', { class: 'edit', 'data-edit': turn.id });
  const label = el('label', { for: `edit-${turn.id}` }, 'Edit the answer you want to keep (the model’s version is stored too):');
  const area = el('textarea', { id: `edit-${turn.id}`, rows: '10' });
  area.value = editing.get(turn.id) ?? turn.content;
  area.addEventListener('input', () => editing.set(turn.id, area.value));
  const save = button('Save', 'Save this version as an instance', () => {
    post({ type: 'save', turnId: turn.id, editedText: area.value });
  }, 'primary');
  const cancel = button('Cancel', 'Close without saving', () => {
    editing.delete(turn.id);
    renderTurns();
  });
  area.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) save.click();
    if (e.key === 'Escape') cancel.click();
  });
  box.append(label, area, el('div', { class: 'actions' }));
  box.lastElementChild!.append(save, cancel);
  return box;
}

function renderTurn(turn: TurnView): HTMLElement {
  const article = el('article', { class: `turn ${turn.role} ${turn.status}`, 'data-turn': turn.id, 'aria-label': turn.role === 'researcher' ? 'Your question' : 'Answer' });
  if (turn.taskTitle) article.append(el('div', { class: 'turn-task' }, turn.taskTitle));
  const body = el('div', { class: 'body' });
  if (turn.role === 'researcher') body.append(el('p', { class: 'question' }, turn.content));
  else answerBody(turn, body);
  article.append(body);
  if (turn.role === 'assistant') {
    if (turn.error) {
      const err = el('div', { class: 'error', role: 'alert' });
      err.append(el('strong', {}, turn.status === 'cancelled' ? 'Stopped. ' : 'The answer failed. '), document.createTextNode(turn.error.message));
      if (turn.content) err.append(el('div', { class: 'kept' }, 'The partial answer above is kept.'));
      article.append(err);
    }
    article.append(actions(turn));
    if (reasonOpen.has(turn.id)) article.append(reasonBox(turn));
    if (editing.has(turn.id)) article.append(editBox(turn));
  }
  return article;
}

let shownTurns = 0;

function renderTurns(): void {
  if (!state) return;
  const atBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 40;
  const grew = state.turns.length > shownTurns;
  shownTurns = state.turns.length;
  conversation.replaceChildren(...state.turns.map(renderTurn));
  if (!state.turns.length) conversation.append(el('p', { class: 'empty' }, 'Ask a question about the document below.'));
  const streaming = state.turns.some((t) => t.status === 'streaming');
  stopButton.hidden = !streaming;
  sendButton.disabled = streaming;
  // A new exchange: bring the question to the top so the answer reads from its start.
  const lastQuestion = [...conversation.querySelectorAll('.turn.researcher')].pop();
  if (grew && streaming && lastQuestion) lastQuestion.scrollIntoView({ block: 'start' });
  else if (atBottom && !streaming) window.scrollTo(0, document.body.scrollHeight);
}

function renderAll(): void {
  renderHeader();
  renderNotice(state?.notice);
  renderTurns();
  persist();
}

/** Re-renders one streaming answer at most every 100 ms. */
function scheduleRender(turn: TurnView): void {
  if (renderTimers.has(turn.id)) return;
  renderTimers.set(
    turn.id,
    window.setTimeout(() => {
      renderTimers.delete(turn.id);
      const body = document.querySelector(`[data-turn="${turn.id}"] .body`) as HTMLElement | null;
      if (body) answerBody(turn, body);
      else renderTurns();
    }, 100),
  );
}

function onMessage(msg: HostToWebview): void {
  switch (msg.type) {
    case 'state':
      state = msg.state;
      for (const id of [...editing.keys()]) if (!state.turns.some((t) => t.id === id)) editing.delete(id);
      renderAll();
      return;
    case 'delta': {
      const turn = state?.turns.find((t) => t.id === msg.turnId);
      if (!turn) return;
      turn.content += msg.text;
      scheduleRender(turn);
      return;
    }
    case 'saved': {
      const turn = state?.turns.find((t) => t.id === msg.turnId);
      if (turn) turn.savedInstanceId = msg.instanceId;
      editing.delete(msg.turnId);
      renderNotice('Saved as an instance of the dataset.', 'info');
      renderTurns();
      persist();
      return;
    }
    case 'rated': {
      const turn = state?.turns.find((t) => t.id === msg.turnId);
      if (turn) turn.rating = msg.value;
      renderTurns();
      persist();
      return;
    }
    case 'notice':
      renderNotice(msg.text, msg.kind);
      return;
    default: {
      const never: never = msg;
      void never;
    }
  }
}

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  const msg = e.data as HostToWebview;
  if (msg && typeof msg === 'object' && typeof (msg as { type?: unknown }).type === 'string') onMessage(msg);
});

form.addEventListener('submit', (e) => {
  e.preventDefault();
  const q = question.value.trim();
  if (!q || sendButton.disabled) return;
  post({ type: 'ask', question: q });
  question.value = '';
});
question.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    form.requestSubmit();
  }
});
stopButton.addEventListener('click', () => post({ type: 'stop' }));

const restored = vscode.getState() as ConversationState | undefined;
if (restored && Array.isArray(restored.turns)) {
  state = restored;
  renderAll();
}
post({ type: 'ready' });
