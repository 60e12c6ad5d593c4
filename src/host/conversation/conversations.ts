import * as vscode from 'vscode';
import type { SessionInput, SessionTurn } from '../../core/assistant/researchSession';
import type { ConversationState } from '../../protocol/panelProtocol';
import type { HostServices } from '../hostServices';
import { ConversationController, sourceKeyOf } from './conversationController';
import { openCitation, type SourceTextProvider } from './citationOpener';
import { isConversationState } from '../../protocol/panelProtocol';
import { loadSourceFile } from '../../core/sources/loadSource';
import { describeError } from '../../core/errors';
import type { PdfViews } from '../pdfView/pdfViews';
import { revivalFailedHtml } from './panel/revivalFailedHtml';

/** The open research panels, and which one the researcher used last. */
export class Conversations {
  private readonly open = new Set<ConversationController>();
  private lastFocused?: ConversationController;

  private following = Promise.resolve();

  constructor(
    private readonly services: HostServices,
    private readonly sourceText: SourceTextProvider,
    private readonly onSaved: () => void,
    /** Citations of a PDF open here, on the highlighted passage. */
    private readonly pdfViews?: PdfViews,
  ) {}

  /**
   * Gives every open panel the model as now configured (in order, so the last change wins). The
   * composition root calls it when a key is set, a model picked or a setting changed.
   */
  followConfiguration(): Promise<void> {
    this.following = this.following.then(async () => {
      if (!this.open.size) return;
      try {
        await this.services.apiKeys.get();
        const model = await this.services.model();
        for (const c of this.open) c.setModel(model);
        this.services.logger.info(`Open panels now use ${this.services.modelLabel()}`);
      } catch (e) {
        this.services.logger.warn(`Could not apply the new model settings to open panels: ${describeError(e)}`);
      }
    });
    return this.following;
  }

  /** The panel the researcher used last, if it is still open. */
  active(): ConversationController | undefined {
    return this.lastFocused && this.open.has(this.lastFocused) ? this.lastFocused : [...this.open].pop();
  }

  all(): ConversationController[] {
    return [...this.open];
  }

  private deps() {
    const s = this.services;
    return {
      extensionUri: s.env.extensionUri,
      logger: s.logger,
      store: () => s.store(),
      task: (id: string) => s.task(id),
      newSession: (input: SessionInput) => s.newSession(input),
      modelLabel: () => s.modelLabel(),
      modelConfigured: () => s.modelConfigured(),
      openCitation: (session: Parameters<typeof openCitation>[1], turn: SessionTurn, id: string) => openCitation(this.sourceText, session, turn, id, this.pdfViews),
      onSaved: () => this.onSaved(),
      onDidFocus: (c: ConversationController) => (this.lastFocused = c),
      onDidDispose: (c: ConversationController) => {
        this.open.delete(c);
        if (this.lastFocused === c) this.lastFocused = undefined;
      },
    };
  }

  /**
   * Runs a first turn with progress and cancellation. A question about a source that an open
   * panel already discusses (same task, same file) continues that conversation there, as a chat
   * panel would; its "New conversation" starts over. Anything else opens a new panel.
   */
  async start(input: SessionInput, question: string | undefined, opts: { parentInstanceId?: string } = {}): Promise<{ controller: ConversationController; turn: SessionTurn }> {
    // Completes the walkthrough's "Ask" step by every route (selection, library, Run Task…).
    void vscode.commands.executeCommand('setContext', 'alignment.hasAsked', true);
    const key = sourceKeyOf(input);
    const existing = question !== undefined && key ? this.all().reverse().find((c) => !c.busy && c.isAbout(input.task.id, key)) : undefined;
    if (existing) {
      existing.reveal();
      this.lastFocused = existing;
      const turn = await this.withProgress(existing, () => existing.ask(question));
      return { controller: existing, turn };
    }
    const session = await this.services.newSession(input);
    const controller = new ConversationController(this.deps(), session);
    controller.respondsTo(opts.parentInstanceId);
    this.open.add(controller);
    const turn = await this.withProgress(controller, () => controller.ask(question));
    return { controller, turn };
  }

  /** Runs a turn with a cancellable progress notification in the window's status area. */
  async withProgress<T>(controller: ConversationController, run: () => Promise<T>): Promise<T> {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Alignment: asking ${this.services.settings().model}…`, cancellable: true },
      (_progress, token) => {
        const sub = token.onCancellationRequested(() => controller.stop());
        return run().finally(() => sub.dispose());
      },
    );
  }

  /** Brings a panel back after a window reload, with its conversation. */
  async revive(panel: vscode.WebviewPanel, raw: ConversationState | undefined): Promise<void> {
    const state = isConversationState(raw) ? raw : undefined;
    try {
      const task = await this.services.task(state?.task.id ?? 'paper-qa');
      let source;
      if (state?.source?.path) {
        source = await loadSourceFile(state.source.path, { cache: this.services.sourceCache }).catch((e: unknown) => {
          this.services.logger.warn(`Could not reopen ${state.source?.path}: ${describeError(e)}`);
          return undefined;
        });
      }
      const session = await this.services.newSession({ task, source, priorDialogue: dialogueOf(state) });
      const controller = new ConversationController(this.deps(), session, panel, state);
      this.open.add(controller);
    } catch (e) {
      this.services.logger.error(`Could not restore a research panel: ${describeError(e)}`);
      // Nothing runs in the page that says so.
      panel.webview.options = { enableScripts: false };
      panel.webview.html = revivalFailedHtml(describeError(e));
    }
  }
}

/** The dialogue a restored panel continues from. */
function dialogueOf(state: ConversationState | undefined) {
  return (state?.turns ?? [])
    .filter((t) => t.content.trim() && !t.parentTurnId && !t.taskTitle && (t.role === 'researcher' || t.status === 'done'))
    .map((t) => ({ role: t.role, content: t.content }));
}
