// One turn of the conversation on screen. A turn is a few parts (body, error, actions, rating
// reason, save editor), each rebuilt only when what it shows changed, so typing in the editor or
// a focused button survives other updates. A streaming answer shows new text at once as plain
// text and re-renders its Markdown at most every RENDER_INTERVAL_MS.
import type { RatingValue, TurnView, WebviewToHost } from '../protocol/panelProtocol';
import { MAX_RENDERED_CHARS, citationTooltip, linkCitations, renderMarkdown, type CitationLook } from './markdown';
import { citationsToLabels, editedTextToSave } from '../protocol/citationText';
import { button, el, focusKey } from './dom';

/** A streaming answer's Markdown is rendered at most this often. */
export const RENDER_INTERVAL_MS = 100;

/** Counters for the streaming tests and benchmark. */
export const renderStats = { markdownRenders: 0, tailAppends: 0 };

/** What a turn needs from the panel around it. */
export interface TurnHost {
  post(msg: WebviewToHost): void;
  /** The open Save editor's text for this turn; undefined when closed. */
  editText(turnId: string): string | undefined;
  setEditText(turnId: string, text: string | undefined): void;
  /** The open rating-reason box's value; undefined when closed. */
  reasonFor(turnId: string): RatingValue | undefined;
  setReason(turnId: string, value: RatingValue | undefined): void;
  /** True while a save of this turn awaits the host's answer. */
  isSaving(turnId: string): boolean;
  setSaving(turnId: string, saving: boolean): void;
  announce(text: string): void;
  /** Re-renders this turn (after a local change such as opening the editor), then focuses `key`. */
  refresh(turnId: string, key?: string): void;
}

const PART_ORDER = ['label', 'body', 'sources', 'error', 'actions', 'reason', 'edit'] as const;
type PartName = (typeof PART_ORDER)[number];

/** Block elements whose last text the streaming tail may continue. */
const TAIL_CONTAINERS = /^(?:UL|OL|LI|BLOCKQUOTE|P|PRE|H[1-6]|TABLE|THEAD|TBODY|TR|TD|TH)$/;

export class TurnDom {
  readonly article: HTMLElement;
  private turn: TurnView;
  private readonly parts = new Map<PartName, { sig: string; node: HTMLElement }>();
  private readonly body: HTMLElement;
  /** The content on screen (Markdown rendered plus the plain tail). */
  private shown = '';
  /** Status and citations the body was rendered with. */
  private bodyLook = '';
  private tail?: Text;
  private lastRender = -Infinity;
  /** Grows with the cost of a render, so a long answer never takes more than ~20% of the main thread. */
  private minGap = RENDER_INTERVAL_MS;
  private timer?: number;

  constructor(turn: TurnView, private readonly host: TurnHost) {
    this.turn = turn;
    this.article = el('article', { 'data-turn': turn.id });
    this.body = el('div', { class: 'body' });
    this.parts.set('body', { sig: '', node: this.body });
    this.article.append(this.body);
    this.update(turn);
  }

  get id(): string {
    return this.turn.id;
  }

  update(turn: TurnView, focus?: string): void {
    const before = this.turn.status;
    this.turn = turn;
    const t = turn;
    this.article.className = `turn ${t.role} ${t.status}`;
    this.article.setAttribute('aria-label', t.role === 'researcher' ? 'Your question' : t.taskTitle ? `${t.taskTitle}` : 'Answer');
    this.article.setAttribute('aria-busy', String(t.status === 'streaming'));
    this.setPart('label', t.taskTitle ?? '', () => (t.taskTitle ? el('div', { class: 'turn-task' }, t.taskTitle) : undefined));
    this.syncBody();
    if (t.role === 'assistant') {
      const sources = this.sourcesSig();
      this.setPart('sources', sources, () => (sources ? this.sourcesPart() : undefined));
      this.setPart('error', this.errorSig(), () => this.errorPart());
      this.setPart('actions', this.actionsSig(), () => this.actionsPart());
      const reason = this.host.reasonFor(t.id);
      this.setPart('reason', reason ?? '', () => (reason ? this.reasonPart(reason) : undefined));
      const editing = this.host.editText(t.id) !== undefined && t.status !== 'streaming';
      this.setPart('edit', editing ? 'open' : '', () => (editing ? this.editPart() : undefined));
      this.syncSaving();
      if (before === 'streaming' && t.status !== 'streaming') {
        this.host.announce(t.status === 'done' ? 'Answer finished.' : t.status === 'cancelled' ? 'Answer stopped.' : `Answer failed: ${t.error?.message ?? ''}`);
      }
    }
    if (focus) focusKey(this.article, focus);
  }

  dispose(): void {
    clearTimeout(this.timer);
  }

  /** After an edited answer is saved the panel shows the saved version; the model's is a click away. */
  private showModelAnswer = false;

  private showingSaved(): boolean {
    const t = this.turn;
    return t.savedContent !== undefined && t.savedContent.trim() !== t.content.trim() && !this.showModelAnswer;
  }

  /** The text the body shows: the saved version when there is one, else the model's answer. */
  private displayed(): string {
    return this.showingSaved() ? this.turn.savedContent! : this.turn.content;
  }

  // ---- body -------------------------------------------------------------------------------

  private syncBody(): void {
    const t = this.turn;
    if (t.role === 'researcher') {
      if (this.shown !== t.content || !this.body.firstChild) {
        this.shown = t.content;
        this.body.replaceChildren(el('p', { class: 'question' }, t.content));
      }
      return;
    }
    const look = `${t.status}|${JSON.stringify(t.citations ?? null)}|${this.showingSaved()}`;
    if (this.displayed() === this.shown && look === this.bodyLook) return;
    const streamingOn = t.status === 'streaming' && look === this.bodyLook && this.shown !== '' && t.content.startsWith(this.shown);
    if (streamingOn && performance.now() - this.lastRender < this.minGap) {
      this.appendTail(t.content.slice(this.shown.length));
      this.timer ??= window.setTimeout(() => this.renderBody(), Math.max(0, this.lastRender + this.minGap - performance.now()));
      return;
    }
    this.renderBody();
  }

  /** New streamed text, shown at once as plain text at the end of the last paragraph. */
  private appendTail(text: string): void {
    if (!text) return;
    if (!this.tail) {
      let target: Element = this.body;
      for (let c = target.lastElementChild; c && TAIL_CONTAINERS.test(c.tagName); c = target.lastElementChild) target = c;
      if (target.tagName === 'PRE' && target.lastElementChild?.tagName === 'CODE') target = target.lastElementChild;
      // Markdown drops trailing spaces: put back the one between the last word and the new text.
      this.tail = document.createTextNode(/\s$/.test(this.shown) && !/^\s/.test(text) ? ' ' : '');
      target.append(this.tail);
    }
    this.tail.appendData(text);
    this.shown += text;
    renderStats.tailAppends++;
  }

  private renderBody(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    renderStats.markdownRenders++;
    const started = performance.now();
    this.renderContent();
    this.lastRender = performance.now();
    this.minGap = Math.max(RENDER_INTERVAL_MS, Math.min(1000, (this.lastRender - started) * 5));
  }

  private renderContent(): void {
    const t = this.turn;
    const content = this.displayed();
    this.shown = content;
    this.bodyLook = `${t.status}|${JSON.stringify(t.citations ?? null)}|${this.showingSaved()}`;
    this.tail = undefined;
    if (!content) {
      this.body.replaceChildren(
        t.status === 'streaming' ? el('p', { class: 'thinking' }, 'Thinking…') : el('p', { class: 'empty' }, t.status === 'done' ? '(empty answer)' : '(no answer text)'),
      );
      return;
    }
    if (content.length > MAX_RENDERED_CHARS) {
      const kb = Math.round(content.length / 1000).toLocaleString();
      this.body.replaceChildren(
        el('p', { class: 'too-long' }, `This answer is ${kb} KB long, too long to format; it is shown as plain text.`),
        el('pre', { class: 'plain' }, content),
      );
      return;
    }
    const fragment = renderMarkdown(content);
    const holder = el('div');
    holder.append(fragment);
    if (t.status === 'streaming' || t.citations) {
      const byId = new Map((t.citations ?? []).map((c) => [c.id, c]));
      const look = (id: string): CitationLook => {
        if (t.status === 'streaming') return { kind: 'pending' };
        const c = byId.get(id);
        return c && c.valid ? { kind: 'valid', label: c.label || id, quote: c.quote } : { kind: 'invalid' };
      };
      linkCitations(holder, look, (passageId) => this.host.post({ type: 'openCitation', turnId: t.id, passageId }));
    }
    this.offerIdeaCritiques(holder);
    this.body.replaceChildren(...holder.childNodes);
  }

  /**
   * One idea at a time: in a finished answer that is a list (ideas, failure modes), each top-level
   * item gets "Critique this idea". Item n is the host's n-th top-level list item (core/critique/ideaItems).
   */
  private offerIdeaCritiques(holder: HTMLElement): void {
    const t = this.turn;
    if (t.role !== 'assistant' || t.status !== 'done' || t.parentTurnId || this.showingSaved()) return;
    const items = [...holder.querySelectorAll<HTMLElement>(':scope > ol > li, :scope > ul > li')];
    if (items.length < 2) return;
    items.forEach((li, item) => {
      const b = button({
        label: 'Critique this idea',
        aria: `Critique idea ${item + 1}: how could it fail?`,
        icon: 'warning',
        focusKey: `critique-idea-${item}`,
        onClick: () => this.host.post({ type: 'critique', turnId: t.id, item }),
      });
      b.classList.add('idea-critique');
      li.append(' ', b);
    });
  }

  // ---- parts ------------------------------------------------------------------------------

  /** Rebuilds a part when its signature changed, keeping focus on the same control. */
  private setPart(name: PartName, sig: string, build: () => HTMLElement | undefined): void {
    const old = this.parts.get(name);
    if (old && old.sig === sig) return;
    if (!old && sig === '') return;
    const active = document.activeElement as HTMLElement | null;
    const hadFocus = !!old && !!active && old.node.contains(active);
    const key = hadFocus ? active?.dataset.focus : undefined;
    const node = build();
    if (node) {
      node.dataset.part = name;
      if (old) old.node.replaceWith(node);
      else {
        const next = PART_ORDER.slice(PART_ORDER.indexOf(name) + 1)
          .map((n) => this.parts.get(n)?.node)
          .find((n) => n !== undefined);
        this.article.insertBefore(node, next ?? null);
      }
      this.parts.set(name, { sig, node });
    } else {
      old?.node.remove();
      this.parts.delete(name);
    }
    // Focus stays on the same control when it still exists, else on the turn's first action.
    if (hadFocus && !(key && focusKey(this.article, key))) {
      (this.article.querySelector('[data-part="actions"] button') as HTMLElement | null)?.focus();
    }
  }

  /** The real citations of a finished answer, once each, in the order cited. */
  private sources(): { id: string; label: string; quote?: string }[] {
    const t = this.turn;
    if (t.status === 'streaming') return [];
    const seen = new Set<string>();
    return (t.citations ?? []).filter((c) => c.valid && !seen.has(c.id) && seen.add(c.id));
  }

  private sourcesSig(): string {
    const list = this.sources();
    return list.length ? JSON.stringify(list) : '';
  }

  /** "Sources" under the answer: each cited passage's label (opens it) and the start of its text. */
  private sourcesPart(): HTMLElement | undefined {
    const t = this.turn;
    const list = this.sources();
    if (!list.length) return undefined;
    const box = el('div', { class: 'sources' });
    const items = el('ul', { 'aria-label': 'Sources of this answer' });
    for (const c of list) {
      const open = el('button', { type: 'button', class: 'citation', 'aria-label': `Source ${c.label}: open it in the source` }, c.label);
      open.title = citationTooltip(c.label, c.quote);
      open.addEventListener('click', () => this.host.post({ type: 'openCitation', turnId: t.id, passageId: c.id }));
      const snippet = c.quote ? (c.quote.length > 160 ? `${c.quote.slice(0, 159)}…` : c.quote) : '';
      items.append(el('li', {}, open, snippet ? el('span', { class: 'snippet' }, ` ${snippet}`) : ''));
    }
    box.append(el('div', { class: 'sources-title' }, 'Sources'), items);
    return box;
  }

  private errorSig(): string {
    const t = this.turn;
    if (t.status !== 'error' && t.status !== 'cancelled') return '';
    return `${t.status}|${t.error?.message ?? ''}|${t.content ? 1 : 0}`;
  }

  private errorPart(): HTMLElement | undefined {
    const t = this.turn;
    if (t.status !== 'error' && t.status !== 'cancelled') return undefined;
    const box = el('div', { class: t.status === 'error' ? 'error' : 'stopped' });
    box.append(el('strong', {}, t.status === 'cancelled' ? 'Stopped.' : 'The answer failed.'));
    if (t.error?.message) box.append(' ', el('span', { class: 'message' }, t.error.message));
    if (t.content.trim()) box.append(el('div', { class: 'kept' }, 'The partial answer above is kept.'));
    return box;
  }

  private actionsSig(): string {
    const t = this.turn;
    return [t.status, t.content.trim() ? 1 : 0, t.savedInstanceId ?? '', t.savedContent ?? '', this.showModelAnswer, t.rating ?? '', t.parentTurnId ?? '', t.error?.retryable ?? '', this.host.editText(t.id) !== undefined, this.host.reasonFor(t.id) ?? ''].join('|');
  }

  private actionsPart(): HTMLElement | undefined {
    const t = this.turn;
    if (t.status === 'streaming') return undefined;
    const bar = el('div', { class: 'actions', role: 'group', 'aria-label': 'Answer actions' });
    if (t.status === 'error' || t.status === 'cancelled') {
      bar.append(
        button({
          label: 'Retry',
          aria: 'Retry this answer',
          icon: 'refresh',
          kind: t.status === 'cancelled' || t.error?.retryable !== false ? 'primary' : 'secondary',
          focusKey: 'retry',
          onClick: () => this.host.post({ type: 'retry', turnId: t.id }),
        }),
      );
    }
    if (!t.content.trim()) return bar.childElementCount ? bar : undefined;
    const saved = !!t.savedInstanceId;
    const editing = this.host.editText(t.id) !== undefined;
    bar.append(
      button({
        label: saved ? 'Saved' : 'Save as Instance',
        aria: saved ? `Saved as instance ${t.savedInstanceId}. Edit and save another version` : 'Edit this answer and save it to the dataset',
        icon: saved ? 'check' : 'save',
        focusKey: 'save',
        pressed: editing,
        onClick: () => {
          // The editor shows citations by their labels, never as raw `[P32]` ids.
          if (this.host.editText(t.id) === undefined) this.host.setEditText(t.id, citationsToLabels(t.savedContent ?? t.content, t.citations ?? []));
          this.host.refresh(t.id, 'edit-text');
        },
      }),
    );
    if (t.savedContent !== undefined && t.savedContent.trim() !== t.content.trim()) {
      bar.append(
        button({
          label: this.showModelAnswer ? 'Show your saved version' : "Show the model's answer",
          aria: this.showModelAnswer ? 'Show the version you saved' : "Show the model's original answer (you saved an edited version)",
          icon: 'diff',
          focusKey: 'toggle-saved',
          pressed: this.showModelAnswer,
          onClick: () => {
            this.showModelAnswer = !this.showModelAnswer;
            this.host.refresh(t.id, 'toggle-saved');
          },
        }),
      );
    }
    for (const value of ['good', 'bad'] as const) {
      const rated = t.rating === value;
      bar.append(
        button({
          label: value === 'good' ? 'Good' : 'Bad',
          aria: `Rate this answer ${value}${rated ? ' (current rating)' : ''}`,
          icon: value === 'good' ? 'thumbsup' : 'thumbsdown',
          focusKey: `rate-${value}`,
          pressed: rated,
          onClick: () => {
            this.host.setReason(t.id, value);
            this.host.refresh(t.id, 'reason-text');
          },
        }),
      );
    }
    bar.append(
      button({
        label: 'Copy',
        aria: 'Copy this answer',
        icon: 'copy',
        focusKey: 'copy',
        onClick: () => {
          this.host.post({ type: 'copy', turnId: t.id });
          this.host.announce('Answer copied.');
        },
      }),
    );
    if (t.status === 'done' && !t.parentTurnId) {
      bar.append(
        button({
          label: 'How could this fail?',
          aria: 'Critique this answer: how could it fail?',
          icon: 'warning',
          focusKey: 'critique',
          onClick: () => this.host.post({ type: 'critique', turnId: t.id }),
        }),
      );
    }
    return bar;
  }

  private reasonPart(value: RatingValue): HTMLElement {
    const t = this.turn;
    const box = el('div', { class: 'reason', role: 'group', 'aria-label': `Rate ${value}` });
    const input = el('input', {
      type: 'text',
      maxlength: '2000',
      'data-focus': 'reason-text',
      'aria-label': value === 'bad' ? 'What was wrong with the answer? (optional)' : 'What was good about the answer? (optional)',
      placeholder: value === 'bad' ? 'What was wrong with it? (optional)' : 'What was good about it? (optional)',
    });
    const close = (key: string) => {
      this.host.setReason(t.id, undefined);
      this.host.refresh(t.id, key);
    };
    const send = button({
      label: `Rate ${value}`,
      aria: `Send the rating: ${value}`,
      kind: 'primary',
      focusKey: 'reason-send',
      onClick: () => {
        const reason = input.value.trim();
        this.host.post({ type: 'rate', turnId: t.id, value, ...(reason ? { reason } : {}) });
        close(`rate-${value}`);
      },
    });
    const cancel = button({ label: 'Cancel', aria: 'Do not rate', focusKey: 'reason-cancel', onClick: () => close(`rate-${value}`) });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.isComposing) {
        e.preventDefault();
        send.click();
      } else if (e.key === 'Escape') cancel.click();
    });
    box.append(input, send, cancel);
    return box;
  }

  private editPart(): HTMLElement {
    const t = this.turn;
    const id = `edit-${t.id}`;
    const box = el('div', { class: 'edit' });
    const hint = el('div', { class: 'hint', id: `${id}-hint` }, 'Correct the answer, then save it as an instance of the task. Ctrl+Enter saves, Escape cancels.');
    const area = el('textarea', { id, rows: '10', 'data-focus': 'edit-text', 'aria-describedby': `${id}-hint` });
    area.value = this.host.editText(t.id) ?? citationsToLabels(t.savedContent ?? t.content, t.citations ?? []);
    area.addEventListener('input', () => this.host.setEditText(t.id, area.value));
    const save = button({
      label: 'Save',
      aria: 'Save this version as an instance',
      icon: 'save',
      kind: 'primary',
      focusKey: 'edit-save',
      onClick: () => {
        if (!area.value.trim()) {
          this.host.announce('The answer is empty: nothing to save.');
          area.focus();
          return;
        }
        this.host.setSaving(t.id, true);
        this.syncSaving();
        // Labels back to the ids the instance's passages carry: a saved answer keeps its citations.
        this.host.post({ type: 'save', turnId: t.id, editedText: editedTextToSave(area.value, t.savedContent ?? t.content, t.citations ?? []) });
      },
    });
    const cancel = button({
      label: 'Cancel',
      aria: 'Close without saving',
      focusKey: 'edit-cancel',
      onClick: () => {
        this.host.setEditText(t.id, undefined);
        this.host.setSaving(t.id, false);
        this.host.refresh(t.id, 'save');
      },
    });
    area.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        save.click();
      } else if (e.key === 'Escape') cancel.click();
    });
    box.append(el('label', { for: id }, 'Your version of the answer'), hint, area, el('div', { class: 'actions' }, save, cancel));
    return box;
  }

  /** The Save button shows "Saving…" and is disabled while the host works. */
  private syncSaving(): void {
    const save = this.parts.get('edit')?.node.querySelector<HTMLButtonElement>('[data-focus="edit-save"]');
    if (!save) return;
    const saving = this.host.isSaving(this.turn.id);
    save.disabled = saving;
    const label = save.querySelector('.label');
    if (label) label.textContent = saving ? 'Saving…' : 'Save';
  }
}
