import * as vscode from 'vscode';
import type { ResearchSession, SessionInput, SessionTurn } from '../../core/assistant/researchSession';
import type { DatasetStore } from '../../core/dataset/datasetStore';
import type { TaskInstance } from '../../core/dataset/instanceTypes';
import type { TaskSpec } from '../../core/tasks/taskTypes';
import type { Logger } from '../../core/ports';
import type { ModelClient } from '../../core/model/modelTypes';
import type { CitationView, ConversationState, HostToWebview, RatingValue, TurnView, WebviewToHost } from '../../protocol/panelProtocol';
import { isWebviewToHostMessage } from '../../protocol/panelProtocol';
import { passageLabels, quoteForHover } from '../../core/retrieval/passageLabels';
import { ideaItems } from '../../core/critique/ideaItems';
import { CancelledError, describeError } from '../../core/errors';
import { ResearchPanel } from './panel/researchPanel';
import { isCancellation } from '../cancellation';

/** What a conversation needs from the rest of the host. */
export interface ControllerDeps {
  extensionUri: vscode.Uri;
  logger: Logger;
  store(): Promise<DatasetStore>;
  task(id: string): Promise<TaskSpec>;
  /** A session wired to the current model, few-shot examples and budgets. */
  newSession(input: SessionInput): Promise<ResearchSession>;
  modelLabel(): string;
  /** False when no model is configured (the panel then offers "Configure Model…"). */
  modelConfigured(): boolean;
  openCitation(session: ResearchSession, turn: SessionTurn, passageId: string): Promise<void>;
  /** Called when a turn is saved, so the dataset view can refresh. */
  onSaved(instance: TaskInstance): void;
  onDidFocus(controller: ConversationController): void;
  onDidDispose(controller: ConversationController): void;
}

/** What identifies a conversation's source: its file, else its content. */
export function sourceKeyOf(input: SessionInput): string | undefined {
  const ref = input.source?.ref;
  // The hash too: a paper edited since is a new source, whose passages the old turns do not cite.
  return ref ? `${ref.path ?? ref.url ?? ''}#${ref.contentHash}` : undefined;
}

interface OwnedTurn {
  session: ResearchSession;
  turn: SessionTurn;
  /** For critique turns: the turn whose answer they criticise. */
  parentTurnId?: string;
  /** The researcher's version as last saved. */
  savedText?: string;
  /** The researcher's rating of the answer, once given. */
  rating?: RatingValue;
  /** For a critique of one idea of a list: that idea's text. */
  ideaText?: string;
}

/**
 * One research panel's conversation: runs sessions (the main task and any critiques of its
 * answers), streams into the panel, and saves, rates and critiques answers on request.
 */
export class ConversationController {
  private readonly order: OwnedTurn[] = [];
  private running?: AbortController;
  private readonly panel: ResearchPanel;
  private notice?: string;
  /** Turns shown before a window reload: displayed, but no longer actionable. */
  private readonly restoredTurns: TurnView[];

  private mainSession: ResearchSession;
  /** See `respondsTo`. */
  private parentInstanceId?: string;

  constructor(
    private readonly deps: ControllerDeps,
    main: ResearchSession,
    panel?: vscode.WebviewPanel,
    restored?: ConversationState,
  ) {
    this.mainSession = main;
    const handler = { onMessage: (msg: WebviewToHost) => this.onMessage(msg) };
    this.panel = panel
      ? ResearchPanel.revive(panel, deps.extensionUri, handler)
      : ResearchPanel.create(deps.extensionUri, this.title(), handler);
    this.panel.onDidDispose(() => {
      this.running?.abort();
      deps.onDidDispose(this);
    });
    this.panel.onDidChangeViewState?.((active: boolean) => {
      if (active) deps.onDidFocus(this);
    });
    this.restoredTurns = restored?.turns.map((t) => (t.status === 'streaming' ? { ...t, status: 'cancelled' as const } : t)) ?? [];
    if (restored) this.notice = 'Restored after a reload. Follow-up questions continue the conversation.';
    this.panel.setState(this.state());
    deps.onDidFocus(this);
  }

  /** The session of the panel's own task (critiques of its answers run in sessions of their own). */
  get main(): ResearchSession {
    return this.mainSession;
  }

  /** True when this panel is about `source` with task `taskId`: asking again there continues it. */
  isAbout(taskId: string, sourceKey: string | undefined): boolean {
    return !!sourceKey && this.main.task.id === taskId && sourceKeyOf(this.main.input) === sourceKey;
  }

  /**
   * Starts over in this panel: same task and source, a fresh session, nothing of the old
   * conversation sent to the model again. A streaming answer is stopped first.
   */
  async newConversation(): Promise<void> {
    this.running?.abort();
    const { task, source, text, fields } = this.main.input;
    this.mainSession = await this.deps.newSession({ task, source, text, fields });
    this.order.length = 0;
    this.restoredTurns.length = 0;
    this.notice = undefined;
    this.panel.setState(this.state());
  }

  private title(): string {
    const src = this.main.input.source?.ref.title;
    return src ? `${this.main.task.title}: ${src}` : this.main.task.title;
  }

  reveal(): void {
    this.panel.reveal();
  }

  /** What tests and benchmarks may watch: messages posted to the webview, and its `ready`. */
  get webview(): {
    readonly ready: boolean;
    onDidPost(listener: (message: HostToWebview) => void): vscode.Disposable;
    onDidBecomeReady(listener: () => void): vscode.Disposable;
    /** Acts on `message` as if the researcher had used the panel (checked like any webview message). */
    send(message: WebviewToHost): Promise<void>;
  } {
    const panel = this.panel;
    return {
      get ready() {
        return panel.isReady;
      },
      onDidPost: (l) => panel.onDidSend(l),
      onDidBecomeReady: (l) => panel.onDidBecomeReady(l),
      send: async (message) => {
        // The same path as a real message: guard, then the handler; resolves when it is handled.
        if (!isWebviewToHostMessage(message)) throw new Error(`not a valid panel message: ${JSON.stringify(message).slice(0, 80)}`);
        await this.onMessage(message);
      },
    };
  }

  /**
   * After Set API Key, Select Model, Configure Model… or a change of `alignment.*`: every session
   * of this panel (the main one and its critiques) answers with `model` from its next turn or
   * Retry on, and the header names it.
   */
  setModel(model: ModelClient | undefined): void {
    for (const session of new Set([this.main, ...this.order.map((o) => o.session)])) session.setModel(model);
    if (model && this.notice?.startsWith('No model configured')) this.notice = undefined;
    this.postHeader();
  }

  /** Tells the panel what will answer and the standing notice; the turns stay as they are. */
  private postHeader(): void {
    this.panel.post({ type: 'header', modelLabel: this.deps.modelLabel(), needsModel: !this.deps.modelConfigured(), ...(this.notice ? { notice: this.notice } : {}) });
  }

  private setNotice(notice: string | undefined): void {
    if (notice === this.notice) return;
    this.notice = notice;
    this.postHeader();
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** The most recent finished answer, for "Save as Instance" from the command palette. */
  lastAnswer(): OwnedTurn | undefined {
    return [...this.order].reverse().find((o) => o.turn.status !== 'streaming' && o.turn.answer.trim());
  }

  findTurn(turnId: string): OwnedTurn | undefined {
    return this.order.find((o) => o.turn.id === turnId);
  }

  turns(): readonly OwnedTurn[] {
    return this.order;
  }

  state(): ConversationState {
    const turns: TurnView[] = [...this.restoredTurns];
    for (const o of this.order) {
      // What was asked comes first: the question, or for a task without one, its input.
      const asked = this.askedView(o);
      if (asked) turns.push(asked);
      turns.push(this.view(o));
    }
    const src = this.main.input.source?.ref;
    return {
      title: this.title(),
      task: { id: this.main.task.id, title: this.main.task.title },
      source: src ? { title: src.title, kind: src.kind, path: src.path } : undefined,
      modelLabel: this.deps.modelLabel(),
      turns,
      notice: this.notice,
      ...(this.deps.modelConfigured() ? {} : { needsModel: true }),
    };
  }

  /** What was asked, shown as the researcher's turn above the answer. */
  private askedView(o: OwnedTurn): TurnView | undefined {
    const asked = o.turn.question ?? this.askedWithoutQuestion(o);
    return asked ? { id: `${o.turn.id}:q`, role: 'researcher', content: asked, status: 'done' } : undefined;
  }

  /** For a turn with no question: the problem statement, selection or idea the task ran on. */
  private askedWithoutQuestion(o: OwnedTurn): string | undefined {
    // A critique of an answer in this panel: that answer is right above it.
    if (o.parentTurnId) return o.ideaText ? `How could this idea fail?\n\n${o.ideaText}` : 'How could this fail?';
    // Only the first run of a text task has no question; a later one repeats the same input.
    if (o.session.turns[0] !== o.turn) return undefined;
    const { fields, text } = o.session.input;
    const parts = [...Object.values(fields ?? {}), text ?? ''].map((p) => p.trim()).filter(Boolean);
    return parts.length ? parts.join('\n\n') : undefined;
  }

  private view(o: OwnedTurn): TurnView {
    const t = o.turn;
    return {
      id: t.id,
      role: 'assistant',
      content: t.answer,
      status: t.status,
      error: t.error ? { message: t.error.message, retryable: t.error.retryable } : undefined,
      citations: this.citationViews(o),
      savedInstanceId: t.savedInstanceId,
      ...(o.rating ? { rating: o.rating } : {}),
      ...(o.savedText !== undefined && o.savedText.trim() !== t.answer.trim() ? { savedContent: o.savedText } : {}),
      parentTurnId: o.parentTurnId,
      taskTitle: o.session === this.main ? undefined : o.session.task.title,
    };
  }

  /** The turn's citations with labels a reader can tell apart and the quoted text for the hover. */
  private citationViews(o: OwnedTurn): CitationView[] {
    const t = o.turn;
    if (!t.citations.length) return [];
    const labels = passageLabels(t.passages, o.session.input.source?.blocks);
    return t.citations.map((c) => {
      const p = t.passages.find((x) => x.id === c.id);
      return p ? { id: c.id, valid: c.valid, label: labels.get(c.id) ?? c.id, quote: quoteForHover(p.text) } : { id: c.id, valid: false, label: c.id };
    });
  }

  /** Asks the main session (a question, or nothing for a text task's first run). */
  ask(question: string | undefined): Promise<SessionTurn> {
    return this.runOn(this.main, (s, opts) => s.ask(question, opts));
  }

  private async runOn(
    session: ResearchSession,
    run: (s: ResearchSession, opts: { signal: AbortSignal; onDelta: (t: string) => void }) => Promise<SessionTurn>,
    parentTurnId?: string,
    existing?: OwnedTurn,
    ideaText?: string,
  ): Promise<SessionTurn> {
    if (this.running) throw new Error('An answer is still streaming. Stop it or wait for it to finish.');
    const abort = new AbortController();
    this.running = abort;
    try {
      let turnId = existing?.turn.id;
      const before = session.turns.length;
      // ResearchSession.ask registers its turn synchronously, before its first await, so the turn
      // exists as soon as `run` returns its promise and the panel can show it streaming.
      const promise = run(session, {
        signal: abort.signal,
        onDelta: (text) => {
          if (turnId) this.panel.post({ type: 'delta', turnId, text });
        },
      });
      let owned = existing;
      if (!existing && session.turns.length > before) {
        owned = { session, turn: session.turns[session.turns.length - 1], parentTurnId, ...(ideaText ? { ideaText } : {}) };
        this.order.push(owned);
        turnId = owned.turn.id;
      }
      this.setNotice(undefined);
      if (owned) {
        // The panel hears of the turn itself, not of the whole conversation again.
        const asked = existing ? undefined : this.askedView(owned);
        if (asked) this.panel.post({ type: 'turnStarted', turn: asked });
        this.panel.post({ type: 'turnStarted', turn: this.view(owned) });
      }
      const turn = await promise;
      if (turn.passagesOnly) this.setNotice('No model configured: showing the best-matching passages.');
      if (owned) this.postFinished(owned);
      if (turn.status === 'error') this.deps.logger.warn(`Answer failed: ${turn.error?.message}`);
      return turn;
    } finally {
      this.running = undefined;
    }
  }

  /** The final form of a turn: `turnFailed` with the partial answer, else `turnFinished`. */
  private postFinished(o: OwnedTurn): void {
    const t = o.turn;
    if (t.status === 'error') {
      this.panel.post({ type: 'turnFailed', turnId: t.id, message: t.error?.message ?? 'The answer failed.', partial: t.answer, retryable: t.error?.retryable ?? true });
    } else {
      this.panel.post({ type: 'turnFinished', turn: this.view(o) });
    }
  }

  stop(): void {
    this.running?.abort();
  }

  async retry(turnId: string): Promise<SessionTurn> {
    const o = this.findTurn(turnId);
    if (!o) throw new Error('That answer is no longer in this conversation.');
    return this.runOn(o.session, (s, opts) => s.retry(turnId, opts), o.parentTurnId, o, o.ideaText);
  }

  /** Saves an answer; a dismissed "Save both?" dialog throws a CancelledError (not an error to report). */
  async save(turnId: string, editedText: string): Promise<TaskInstance> {
    const o = this.findTurn(turnId);
    if (!o) throw new Error('That answer is no longer in this conversation.');
    let parentId = o.session === this.mainSession ? this.parentInstanceId : undefined;
    if (o.parentTurnId) {
      const parent = this.findTurn(o.parentTurnId);
      if (parent && !parent.turn.savedInstanceId) {
        const choice = await vscode.window.showInformationMessage(
          'The idea this critique is about is not saved yet. Save it too, so the critique can point to it?',
          { modal: true },
          'Save Both',
          'Save Critique Only',
        );
        // Dismissing the dialog is a choice, not a failure: nothing is saved and nothing is wrong.
        if (choice === undefined) {
          this.panel.post({ type: 'notice', text: 'Not saved: the dialog was dismissed.', kind: 'warning' });
          throw new CancelledError();
        }
        if (choice === 'Save Both') await this.save(parent.turn.id, parent.turn.answer);
      }
      parentId = parent?.turn.savedInstanceId;
    }
    const instance = o.session.toInstance(turnId, editedText, { parentId });
    const store = await this.deps.store();
    await store.appendInstance(instance, o.session.task);
    o.turn.savedInstanceId = instance.id;
    o.savedText = instance.output;
    this.panel.post({ type: 'saved', turnId, instanceId: instance.id, savedText: instance.output });
    this.deps.logger.info(`Saved instance ${instance.id} of ${instance.taskId}${instance.originalOutput ? ' (edited)' : ''}`);
    this.deps.onSaved(instance);
    // Completes the walkthrough's "Save an instance" step by every route (the panel's Save too).
    void vscode.commands.executeCommand('setContext', 'alignment.hasSavedInstance', true);
    return instance;
  }

  async rate(turnId: string, value: 'good' | 'bad', reason?: string): Promise<void> {
    const o = this.findTurn(turnId);
    if (!o) return;
    const store = await this.deps.store();
    const rating = { value, ...(reason ? { reason } : {}) };
    if (o.turn.savedInstanceId) {
      await store.updateInstance(o.session.task.id, o.turn.savedInstanceId, { rating });
    } else {
      await store.appendFeedback(o.session.ratingRecord(turnId, rating));
    }
    o.rating = value;
    this.panel.post({ type: 'rated', turnId, value });
  }

  /**
   * "How could this fail?": runs the critique task on an answer, or with `item` on one idea of an
   * answer that is a list (its n-th top-level item), shown in the same panel. Saved, the critique
   * records the idea's text as its input and the saved answer as its parent.
   */
  async critique(turnId: string, item?: number): Promise<SessionTurn> {
    const o = this.findTurn(turnId);
    if (!o) throw new Error('That answer is no longer in this conversation.');
    let idea: string | undefined;
    if (item !== undefined) {
      idea = ideaItems(o.turn.answer)[item];
      if (!idea) throw new Error(`The answer has no idea number ${item + 1}.`);
    }
    const task = await this.deps.task('elk-critique');
    const session = await this.deps.newSession({
      task,
      text: idea ?? o.turn.answer,
      priorDialogue: o.session.dialogueThrough(o.turn, true),
    });
    return this.runOn(session, (s, opts) => s.ask(undefined, opts), turnId, undefined, idea);
  }

  /**
   * The saved instance this panel's own task responds to (Critique This Idea on a selection of an
   * opened instance): its answers are saved with it as their parent.
   */
  respondsTo(instanceId: string | undefined): void {
    this.parentInstanceId = instanceId;
  }

  private async onMessage(msg: WebviewToHost): Promise<void> {
    try {
      switch (msg.type) {
        case 'ready':
          // ResearchPanel has sent its mirror of everything posted (the whole state) already.
          return;
        case 'ask':
          await this.ask(msg.question);
          return;
        case 'stop':
          this.stop();
          return;
        case 'retry':
          await this.retry(msg.turnId);
          return;
        case 'save':
          await this.save(msg.turnId, msg.editedText);
          void vscode.window.showInformationMessage('Alignment: saved as an instance of the dataset.');
          return;
        case 'rate':
          await this.rate(msg.turnId, msg.value, msg.reason);
          return;
        case 'copy': {
          const o = this.findTurn(msg.turnId);
          if (o) await vscode.env.clipboard.writeText(o.turn.answer);
          return;
        }
        case 'critique':
          await this.critique(msg.turnId, msg.item);
          return;
        case 'newConversation':
          await this.newConversation();
          return;
        case 'configureModel':
          await vscode.commands.executeCommand('alignment.configureModel');
          return;
        case 'openCitation': {
          const o = this.findTurn(msg.turnId);
          if (o) await this.deps.openCitation(o.session, o.turn, msg.passageId);
          return;
        }
        default: {
          const never: never = msg;
          this.deps.logger.warn(`Unhandled panel message ${JSON.stringify(never)}`);
        }
      }
    } catch (e) {
      if (isCancellation(e)) {
        this.deps.logger.info(`Panel action ${msg.type} cancelled`);
        return;
      }
      const message = describeError(e);
      this.deps.logger.error(`Panel action ${msg.type} failed: ${message}`);
      // The answer stays in the panel: only a notice is added.
      this.panel.post({ type: 'notice', text: message, kind: 'error' });
      void vscode.window.showErrorMessage(`Alignment: ${message}`);
    }
  }
}
