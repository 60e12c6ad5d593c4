import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import type { EvidenceHostMessage, EvidenceWebviewMessage } from '../../protocol/evidenceProtocol';
import { isEvidenceWebviewMessage } from '../../protocol/evidenceProtocol';
import { makeNonce } from '../conversation/panel/panelHtml';
import { evidenceHtml } from './evidenceHtml';
import { describeError } from '../../core/errors';

export const EVIDENCE_VIEW_TYPE = 'alignment.evidence';

/**
 * A webview for the scorecard or a blind study: strict CSP, files only from media/, every incoming
 * message checked. Until the webview says `ready` (on load, and after it was hidden and rebuilt)
 * the latest message waits; on `ready` it is sent again, so the view always shows the current state.
 */
export class EvidencePanel {
  readonly panel: vscode.WebviewPanel;
  private ready = false;
  private latest?: EvidenceHostMessage;
  private readonly disposables: vscode.Disposable[] = [];
  disposed = false;

  constructor(
    extensionUri: vscode.Uri,
    title: string,
    private readonly onMessage: (m: Exclude<EvidenceWebviewMessage, { type: 'ready' }>) => void | Promise<void>,
    private readonly log: (m: string) => void,
  ) {
    this.panel = vscode.window.createWebviewPanel(EVIDENCE_VIEW_TYPE, title, { viewColumn: vscode.ViewColumn.Active, preserveFocus: false }, {
      enableScripts: true,
      enableForms: false,
      localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media')],
      retainContextWhenHidden: false,
    });
    const webview = this.panel.webview;
    this.panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'activity.svg');
    const media = (f: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', f)).toString();
    webview.html = evidenceHtml({ cspSource: webview.cspSource, nonce: makeNonce((n) => randomBytes(n)), scriptUri: media('evidence.js'), styleUri: media('evidence.css'), title });
    this.disposables.push(
      webview.onDidReceiveMessage(async (raw: unknown) => {
        if (!isEvidenceWebviewMessage(raw)) {
          this.log(`Evidence view: dropped a malformed message ${JSON.stringify(raw)?.slice(0, 200)}`);
          return;
        }
        if (raw.type === 'ready') {
          this.ready = true;
          if (this.latest) void webview.postMessage(this.latest);
          return;
        }
        try {
          await this.onMessage(raw);
        } catch (e) {
          this.post({ type: 'error', message: describeError(e) });
        }
      }),
      this.panel.onDidChangeViewState(() => {
        if (!this.panel.visible) this.ready = false;
      }),
      this.panel.onDidDispose(() => {
        this.disposed = true;
        for (const d of this.disposables) d.dispose();
      }),
    );
  }

  post(m: EvidenceHostMessage): void {
    // An error is shown once; the state to rebuild from stays the last view.
    if (m.type !== 'error') this.latest = m;
    if (this.ready && !this.disposed) void this.panel.webview.postMessage(m);
  }
}
