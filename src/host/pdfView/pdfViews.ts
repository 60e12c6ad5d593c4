import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../core/ports';
import { MAX_PDF_BYTES } from '../../core/sources/pdfSource';
import { isPdfWebviewMessage, type PdfHostToWebview, type PdfViewState, type PdfWebviewToHost } from '../../protocol/pdfViewProtocol';
import { pdfViewHtml } from './pdfViewHtml';
import { makeNonce } from '../conversation/panel/panelHtml';
import { PDF_VIEW_TYPE } from '../commandIds';

/** Context key: the active PDF view has text selected (for the keybinding and menus). */
const HAS_SELECTION_KEY = 'alignment.pdfViewHasSelection';

/** Text selected in a PDF view, with the page it starts on. */
export interface PdfSelection {
  text: string;
  page: number;
}

/**
 * One open PDF view: its webview, what it has loaded, the page in view and the selection. Messages
 * for the webview wait until it says `ready` and has its first page on screen.
 */
export class PdfView {
  private ready = false;
  private waiters: (() => void)[] = [];
  private readonly pending: PdfHostToWebview[] = [];
  private readonly probes = new Map<number, (s: PdfViewState) => void>();
  private nextProbe = 1;
  page = 1;
  pageCount?: number;
  selection?: PdfSelection;
  /** Milliseconds from the bytes arriving in the webview to page 1 drawn, for benchmarks. */
  firstPageMs?: number;

  constructor(
    readonly uri: vscode.Uri,
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly logger: Logger,
    private readonly onChange: (view: PdfView) => void,
  ) {
    panel.webview.options = { enableScripts: true, enableForms: false, localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'media')] };
    panel.webview.html = this.html();
    panel.webview.onDidReceiveMessage((m: unknown) => {
      if (!isPdfWebviewMessage(m)) {
        this.logger.warn(`PDF view: dropped a malformed message from the webview of ${uri.fsPath}`);
        return;
      }
      void this.onMessage(m).catch((e: unknown) => this.logger.error(`PDF view ${uri.fsPath}: ${e instanceof Error ? e.message : String(e)}`));
    });
  }

  private html(): string {
    const w = this.panel.webview;
    const media = (...p: string[]) => w.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', ...p)).toString();
    return pdfViewHtml({
      cspSource: w.cspSource,
      nonce: makeNonce((n) => randomBytes(n)),
      scriptUri: media('pdfView.js'),
      styleUri: media('pdfView.css'),
      codiconsUri: media('codicons', 'codicon.css'),
      workerUri: media('pdfjs', 'pdf.worker.min.mjs'),
      cmapsUri: media('pdfjs', 'cmaps') + '/',
      fontsUri: media('pdfjs', 'standard_fonts') + '/',
      wasmUri: media('pdfjs', 'wasm') + '/',
      title: this.uri.path.split('/').pop() ?? 'PDF',
    });
  }

  private async onMessage(m: PdfWebviewToHost): Promise<void> {
    switch (m.type) {
      case 'ready': {
        // Also after the webview was hidden and rebuilt: load again at the page it showed.
        this.ready = false;
        const bytes = await this.readBytes();
        this.panel.webview.postMessage({ type: 'load', bytes, name: this.uri.path.split('/').pop() ?? 'PDF', page: this.page } satisfies PdfHostToWebview);
        break;
      }
      case 'firstPage':
        this.firstPageMs = m.ms;
        this.pageCount = m.pageCount;
        this.ready = true;
        this.logger.info(`PDF view: ${this.uri.path.split('/').pop()} (${m.pageCount} pages), first page drawn ${m.ms} ms after its bytes arrived`);
        for (const w of this.waiters.splice(0)) w();
        for (const p of this.pending.splice(0)) void this.panel.webview.postMessage(p);
        break;
      case 'page':
        this.page = m.page;
        break;
      case 'selection':
        this.selection = m.text ? { text: m.text, page: m.page } : undefined;
        this.onChange(this);
        break;
      case 'state':
        this.probes.get(m.id)?.(m.state);
        this.probes.delete(m.id);
        break;
      case 'error':
        this.logger.warn(`PDF view ${this.uri.fsPath}: ${m.message}`);
        break;
    }
  }

  private async readBytes(): Promise<Uint8Array> {
    const stat = await vscode.workspace.fs.stat(this.uri);
    if (stat.size > MAX_PDF_BYTES) throw new Error(`${this.uri.fsPath} is larger than ${MAX_PDF_BYTES / 1024 / 1024} MB: open it with another viewer.`);
    // A plain Uint8Array (not a Node Buffer), which webview messages carry as bytes.
    return new Uint8Array(await vscode.workspace.fs.readFile(this.uri));
  }

  private send(m: PdfHostToWebview): void {
    if (this.ready) void this.panel.webview.postMessage(m);
    else this.pending.push(m);
  }

  /** Shows a page; with `quote`, highlights that passage's words on the page's text layer, `focus` strongly. */
  reveal(page: number, quote?: string, focus?: string): void {
    this.page = page;
    this.send({ type: 'reveal', page, ...(quote ? { quote } : {}), ...(quote && focus ? { focus } : {}) });
  }

  /** Resolves once the first page is drawn. */
  whenLoaded(): Promise<void> {
    return this.ready ? Promise.resolve() : new Promise((resolve) => this.waiters.push(resolve));
  }

  /** What the webview shows now, as it reports it from its DOM. */
  async probe(): Promise<PdfViewState> {
    await this.whenLoaded();
    const id = this.nextProbe++;
    return new Promise((resolve) => {
      this.probes.set(id, resolve);
      void this.panel.webview.postMessage({ type: 'probe', id } satisfies PdfHostToWebview);
    });
  }
}

/**
 * The PDF custom editor and its open views. The activation shell registers the provider (custom
 * editors must exist at activation); it delegates here once the host is loaded.
 */
export class PdfViews implements vscode.Disposable {
  private readonly views = new Set<PdfView>();
  private activeView?: PdfView;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly logger: Logger,
  ) {}

  resolve(uri: vscode.Uri, panel: vscode.WebviewPanel): void {
    const view = new PdfView(uri, panel, this.extensionUri, this.logger, (v) => {
      if (v === this.activeView) this.updateContext();
    });
    this.views.add(view);
    if (panel.active) this.activeView = view;
    panel.onDidChangeViewState(() => {
      if (panel.active) this.activeView = view;
      else if (this.activeView === view) this.activeView = undefined;
      this.updateContext();
      this.changed.fire();
    });
    panel.onDidDispose(() => {
      this.views.delete(view);
      if (this.activeView === view) this.activeView = undefined;
      this.updateContext();
    });
    this.updateContext();
  }

  private updateContext(): void {
    void vscode.commands.executeCommand('setContext', HAS_SELECTION_KEY, !!this.activeView?.selection);
  }

  /** The PDF view the researcher is looking at (the active editor), if it is one. */
  active(): PdfView | undefined {
    return this.activeView && this.activeView.panel.active ? this.activeView : undefined;
  }

  /** An open view of this file, preferring a visible one. */
  find(uri: vscode.Uri): PdfView | undefined {
    const all = [...this.views].filter((v) => v.uri.toString() === uri.toString());
    return all.find((v) => v.panel.visible) ?? all[0];
  }

  /** Opens the file in a PDF view (or brings its view forward) and waits for page 1. */
  async open(uri: vscode.Uri, column: vscode.ViewColumn = vscode.ViewColumn.One): Promise<PdfView> {
    await vscode.commands.executeCommand('vscode.openWith', uri, PDF_VIEW_TYPE, { viewColumn: column, preserveFocus: false, preview: false });
    const view = this.find(uri);
    if (!view) throw new Error(`The PDF view of ${uri.fsPath} did not open.`);
    await view.whenLoaded();
    return view;
  }

  dispose(): void {
    this.changed.dispose();
  }
}
