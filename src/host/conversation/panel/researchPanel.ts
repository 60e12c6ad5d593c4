import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import type { ConversationState, HostToWebview, WebviewToHost } from '../../../protocol/panelProtocol';
import { applyHostMessage, isWebviewToHostMessage } from '../../../protocol/panelProtocol';
import { panelHtml, makeNonce } from './panelHtml';
import { DeltaCoalescer } from './deltaCoalescer';
import { PANEL_VIEW_TYPE } from '../../commandIds';

/** Receives the webview's messages once they have passed the runtime guard. */
export interface PanelHandler {
  onMessage(msg: WebviewToHost, panel: ResearchPanel): void | Promise<void>;
  /** Where dropped messages and handler failures are reported (the console when absent). */
  log?(level: 'warn' | 'error', message: string): void;
}

/** Streamed text for one turn is posted at most this often. */
const DELTA_INTERVAL_MS = 40;
/** Notices kept for a webview that is not listening yet; older ones are dropped. */
const MAX_QUEUED_NOTICES = 20;

/** Webview options: scripts on, files only from media/, no forms, destroyed when hidden. */
export function researchPanelOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableForms: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media')],
    // Memory over speed: the webview rebuilds itself from its saved state when shown again.
    retainContextWhenHidden: false,
  };
}

/**
 * The research panel's host side: creates the webview under a strict CSP, checks every incoming
 * message, coalesces streamed text, and keeps a mirror of what the webview shows. Until the webview
 * says `ready` (on first load, and again after it was hidden and rebuilt), nothing is posted; on
 * `ready` the mirror goes over whole, followed by any queued notices.
 */
export class ResearchPanel {
  static readonly viewType = PANEL_VIEW_TYPE;
  readonly viewType = PANEL_VIEW_TYPE;
  private ready = false;
  private disposed = false;
  /** What the webview shows (or will, once ready): every message applied to the last state. */
  private mirror?: ConversationState;
  private readonly queuedNotices: HostToWebview[] = [];
  private readonly coalescer: DeltaCoalescer;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly disposeListeners: (() => void)[] = [];
  private readonly viewStateListeners: ((active: boolean) => void)[] = [];
  private readonly sendListeners: ((message: HostToWebview) => void)[] = [];
  private readonly readyListeners: (() => void)[] = [];
  /** Messages actually posted to the webview, for tests and benchmarks. */
  posted = 0;

  static create(extensionUri: vscode.Uri, title: string, handler: PanelHandler, column: vscode.ViewColumn = vscode.ViewColumn.Beside): ResearchPanel {
    const panel = vscode.window.createWebviewPanel(
      PANEL_VIEW_TYPE,
      title,
      { viewColumn: column, preserveFocus: false },
      researchPanelOptions(extensionUri),
    );
    return new ResearchPanel(panel, extensionUri, handler);
  }

  /** Takes over a panel VS Code restored after a reload (the activation shell's serializer hands it over). */
  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, handler: PanelHandler): ResearchPanel {
    panel.webview.options = researchPanelOptions(extensionUri);
    return new ResearchPanel(panel, extensionUri, handler);
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly handler: PanelHandler,
  ) {
    const webview = panel.webview;
    this.coalescer = new DeltaCoalescer((turnId, text) => this.send({ type: 'delta', turnId, text }), DELTA_INTERVAL_MS);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'activity.svg');
    const media = (...p: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', ...p)).toString();
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce((n) => randomBytes(n)),
      scriptUri: media('panel.js'),
      styleUri: media('panel.css'),
      codiconsUri: media('codicons', 'codicon.css'),
      title: panel.title,
    });
    this.disposables.push(
      webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      panel.onDidChangeViewState((e) => {
        // A hidden webview is destroyed (retainContextWhenHidden is off): hold messages until it
        // is rebuilt and says ready again.
        if (!e.webviewPanel.visible) this.ready = false;
        for (const l of this.viewStateListeners) l(e.webviewPanel.active);
      }),
      panel.onDidDispose(() => this.onDisposed()),
    );
  }

  private receive(raw: unknown): void {
    if (!isWebviewToHostMessage(raw)) {
      // The webview renders untrusted text: never act on a message that is not well formed.
      const type = typeof raw === 'object' && raw !== null && typeof (raw as { type?: unknown }).type === 'string' ? String((raw as { type: string }).type).slice(0, 40) : typeof raw;
      this.log('warn', `Research panel: dropped a malformed message (${JSON.stringify(type)})`);
      return;
    }
    if (raw.type === 'ready') this.onReady();
    void Promise.resolve()
      .then(() => this.handler.onMessage(raw, this))
      .catch((e: unknown) => this.log('error', `Research panel: handling ${raw.type} failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`));
  }

  /** True while the webview has said `ready` and is listening. */
  get isReady(): boolean {
    return this.ready;
  }

  /** Fires for every message actually posted to the webview (after coalescing and the ready queue). */
  onDidSend(listener: (message: HostToWebview) => void): vscode.Disposable {
    this.sendListeners.push(listener);
    return new vscode.Disposable(() => this.remove(this.sendListeners, listener));
  }

  /** Fires each time the webview says `ready` (first load, and after it was hidden and rebuilt). */
  onDidBecomeReady(listener: () => void): vscode.Disposable {
    this.readyListeners.push(listener);
    return new vscode.Disposable(() => this.remove(this.readyListeners, listener));
  }

  /** Handles a message exactly as if the webview had posted it: the same runtime check first. */
  receiveFromWebview(raw: unknown): void {
    this.receive(raw);
  }

  private onReady(): void {
    this.ready = true;
    for (const l of this.readyListeners) l();
    // The mirror already contains every state, turn and delta sent so far.
    this.coalescer.drop();
    if (this.mirror) this.send({ type: 'state', state: this.mirror });
    for (const m of this.queuedNotices.splice(0)) this.send(m);
  }

  private log(level: 'warn' | 'error', message: string): void {
    if (this.handler.log) this.handler.log(level, message);
    else if (level === 'warn') console.warn(message);
    else console.error(message);
  }

  onDidDispose(listener: () => void): vscode.Disposable {
    this.disposeListeners.push(listener);
    return new vscode.Disposable(() => this.remove(this.disposeListeners, listener));
  }

  onDidChangeViewState(listener: (active: boolean) => void): vscode.Disposable {
    this.viewStateListeners.push(listener);
    return new vscode.Disposable(() => this.remove(this.viewStateListeners, listener));
  }

  private remove<T>(list: T[], item: T): void {
    const i = list.indexOf(item);
    if (i >= 0) list.splice(i, 1);
  }

  reveal(): void {
    if (!this.disposed) this.panel.reveal(undefined, false);
  }

  /** Replaces everything the panel shows. */
  setState(state: ConversationState): void {
    this.post({ type: 'state', state });
  }

  /** Sends a message: deltas are coalesced, everything waits for `ready`. */
  post(message: HostToWebview): void {
    if (this.disposed) return;
    this.mirror = applyHostMessage(this.mirror, message);
    switch (message.type) {
      case 'state':
        this.panel.title = message.state.title.length > 60 ? `${message.state.title.slice(0, 57)}…` : message.state.title;
        // The new state contains the text still waiting.
        this.coalescer.drop();
        break;
      case 'delta':
        if (this.ready) this.coalescer.push(message.turnId, message.text);
        return;
      case 'turnStarted':
      case 'turnFinished':
        this.coalescer.flush(message.turn.id);
        break;
      case 'turnFailed':
      case 'saved':
      case 'rated':
        this.coalescer.flush(message.turnId);
        break;
      case 'header':
        break;
      case 'notice':
        if (!this.ready) {
          this.queuedNotices.push(message);
          this.queuedNotices.splice(0, Math.max(0, this.queuedNotices.length - MAX_QUEUED_NOTICES));
          return;
        }
        break;
      default: {
        const unhandled: never = message;
        void unhandled;
        return;
      }
    }
    // While not ready the mirror holds the message; it goes over with the state on `ready`.
    if (this.ready) this.send(message);
  }

  private send(message: HostToWebview): void {
    if (this.disposed || !this.ready) return;
    this.posted++;
    for (const l of this.sendListeners) l(message);
    void this.panel.webview.postMessage(message).then(undefined, (e: unknown) => this.log('warn', `Research panel: post failed: ${String(e)}`));
  }

  private onDisposed(): void {
    this.disposed = true;
    this.ready = false;
    this.coalescer.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    for (const l of this.disposeListeners.splice(0)) l();
  }

  dispose(): void {
    if (!this.disposed) this.panel.dispose();
  }
}
