import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import type { ConversationState, HostToWebview, WebviewToHost } from '../../protocol/panelProtocol';
import { isWebviewToHostMessage } from '../../protocol/panelProtocol';
import { panelHtml, makeNonce } from './panelHtml';
import { PANEL_VIEW_TYPE } from '../commandIds';

/** Receives the webview's messages once they have passed the runtime guard. */
export interface PanelHandler {
  onMessage(msg: WebviewToHost): void | Promise<void>;
}

/** Deltas for one turn are sent at most this often, so a fast stream cannot flood the webview. */
const DELTA_INTERVAL_MS = 40;

/**
 * The research panel's host side: creates the webview under a strict CSP, queues messages until
 * the webview says it is ready, coalesces streamed text, and checks every incoming message.
 */
export class ResearchPanel {
  private ready = false;
  private readonly queue: HostToWebview[] = [];
  private readonly pendingDeltas = new Map<string, string>();
  private flushTimer?: NodeJS.Timeout;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly disposeListeners: (() => void)[] = [];
  private readonly viewStateListeners: ((active: boolean) => void)[] = [];
  /** Messages posted to the webview, for tests and the streaming benchmark. */
  posted = 0;

  static create(extensionUri: vscode.Uri, title: string, handler: PanelHandler, column = vscode.ViewColumn.Beside): ResearchPanel {
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, title, { viewColumn: column, preserveFocus: false }, ResearchPanel.options(extensionUri));
    return new ResearchPanel(panel, extensionUri, handler);
  }

  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, handler: PanelHandler): ResearchPanel {
    panel.webview.options = ResearchPanel.options(extensionUri);
    return new ResearchPanel(panel, extensionUri, handler);
  }

  private static options(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      enableForms: false,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media')],
      retainContextWhenHidden: false,
    };
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly handler: PanelHandler,
  ) {
    const webview = panel.webview;
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'activity.svg');
    webview.html = panelHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce((n) => randomBytes(n)),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'panel.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'panel.css')).toString(),
      codiconsUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'codicons', 'codicon.css')).toString(),
      title: panel.title,
    });
    this.disposables.push(
      webview.onDidReceiveMessage((raw: unknown) => {
        if (!isWebviewToHostMessage(raw)) {
          // The webview renders untrusted text; never act on a message that is not well formed.
          console.warn('Alignment research panel: dropped a malformed message');
          return;
        }
        if (raw.type === 'ready') {
          this.ready = true;
          for (const m of this.queue.splice(0)) void webview.postMessage(m);
        }
        void Promise.resolve(this.handler.onMessage(raw)).catch((e: unknown) => console.error(e));
      }),
      panel.onDidChangeViewState((e) => {
        // A hidden webview is destroyed (retainContextWhenHidden is off): resend on return.
        if (!e.webviewPanel.visible) this.ready = false;
        for (const l of this.viewStateListeners) l(e.webviewPanel.active);
      }),
      panel.onDidDispose(() => {
        clearTimeout(this.flushTimer);
        for (const d of this.disposables) d.dispose();
        for (const l of this.disposeListeners) l();
      }),
    );
  }

  onDidDispose(listener: () => void): void {
    this.disposeListeners.push(listener);
  }

  onDidChangeViewState(listener: (active: boolean) => void): void {
    this.viewStateListeners.push(listener);
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  /** Replaces everything the panel shows. Pending deltas are dropped: the state includes them. */
  setState(state: ConversationState): void {
    this.pendingDeltas.clear();
    this.panel.title = state.title.length > 60 ? `${state.title.slice(0, 57)}…` : state.title;
    this.queueOrSend({ type: 'state', state });
  }

  post(message: HostToWebview): void {
    if (message.type === 'delta') {
      this.pendingDeltas.set(message.turnId, (this.pendingDeltas.get(message.turnId) ?? '') + message.text);
      this.flushTimer ??= setTimeout(() => this.flushDeltas(), DELTA_INTERVAL_MS);
      return;
    }
    this.flushDeltas();
    this.queueOrSend(message);
  }

  private flushDeltas(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (const [turnId, text] of this.pendingDeltas) this.queueOrSend({ type: 'delta', turnId, text });
    this.pendingDeltas.clear();
  }

  private queueOrSend(message: HostToWebview): void {
    if (!this.ready) {
      // Only the latest state matters while the webview loads.
      if (message.type === 'state') {
        for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i].type === 'state' || this.queue[i].type === 'delta') this.queue.splice(i, 1);
      }
      this.queue.push(message);
      return;
    }
    this.posted++;
    void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    this.panel.dispose();
  }
}
