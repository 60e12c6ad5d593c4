import * as vscode from 'vscode';
import * as os from 'node:os';
import * as path from 'node:path';
import type { HostServices } from '../hostServices';
import type { RefreshResult } from '../../core/retrieval/library';
import { PaperLibrary } from '../../core/retrieval/library';
import { LibraryReader } from '../../core/retrieval/libraryWorkerClient';
import { libraryIndexFile } from '../../core/retrieval/libraryIndexFile';
import { loadSourceFile } from '../../core/sources/loadSource';
import { describeError } from '../../core/errors';
import { setting } from '../settings';

/** The folder of alignment.library.folder, resolved against the workspace; undefined when unset. */
export function libraryFolder(services: HostServices): string | undefined {
  const folder = services.settings().libraryFolder;
  if (!folder) return undefined;
  const ws = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return path.isAbsolute(folder) || !ws ? folder : path.join(ws, folder);
}

const count = (n: number) => n.toLocaleString('en-US');

/** `~/…` as the home folder: Zotero's folders are usually given that way. */
const expandHome = (p: string) => (p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p);

/** The BibTeX library settings (user scope: a workspace cannot point them elsewhere), when set. */
export function bibtexSetting(): { file: string; storage?: string } | undefined {
  const file = setting('library.bibtex').trim();
  if (!file) return undefined;
  const storage = setting('library.zoteroStorage').trim();
  return { file: path.resolve(expandHome(file)), ...(storage ? { storage: path.resolve(expandHome(storage)) } : {}) };
}

/**
 * The configured library, shared by Ask the Library, the chat tools and the MCP definition: one
 * index per window, loaded from its file beside the parse cache and brought up to date in the
 * background. Papers are read and parsed in a worker (LibraryReader), so the editor never waits
 * on them; the index is searchable while it grows; progress shows in a notification that can be
 * cancelled and in a status-bar count; an unreadable paper is a problem in the Problems panel.
 */
export class HostLibrary implements vscode.Disposable {
  private library?: PaperLibrary;
  private key?: string;
  private reader?: LibraryReader;
  private refreshing?: Promise<RefreshResult | undefined>;
  private abort?: AbortController;
  private readonly status = vscode.window.createStatusBarItem('alignment.library', vscode.StatusBarAlignment.Left, 10);
  private readonly problems = vscode.languages.createDiagnosticCollection('alignment-library');

  constructor(private readonly services: HostServices) {
    this.status.name = 'Alignment Library';
    this.status.command = 'alignment.askLibrary';
  }

  /**
   * The configured library (a new one when the settings changed); undefined when none is set. A
   * BibTeX file (alignment.library.bibtex, a user setting) wins over the folder.
   */
  current(): PaperLibrary | undefined {
    const bib = bibtexSetting();
    const folder = bib?.file ?? libraryFolder(this.services);
    if (!folder) return undefined;
    const key = JSON.stringify([path.resolve(folder), bib?.storage]);
    if (this.key !== key) {
      this.key = key;
      void this.reader?.dispose();
      const cacheDir = this.services.globalStoragePath;
      const reader = new LibraryReader(this.services.sourceCache.dir, (f) => loadSourceFile(f, { cache: this.services.sourceCache }));
      this.reader = reader;
      this.library = new PaperLibrary(path.resolve(folder), (f, signal) => reader.load(f, signal), this.services.logger, {
        indexFile: libraryIndexFile(cacheDir, folder),
        readIndex: (file) => reader.readIndex(file),
        ...(bib ? { bibtex: { storage: bib.storage } } : {}),
      });
      this.refreshing = undefined;
    }
    return this.library;
  }

  /**
   * Starts bringing the library up to date (or joins the run under way) and returns the library
   * as soon as it has something to search: at once when it has papers (loaded from its index or
   * indexed so far), after the refresh when it has none yet.
   */
  async ready(): Promise<PaperLibrary | undefined> {
    const lib = this.current();
    if (!lib) return undefined;
    const run = this.refresh(lib);
    if (!lib.papers().length) await run;
    return lib;
  }

  /** Whether a refresh is under way (Ask the Library then says the search covered part of the library). */
  get indexing(): boolean {
    return this.refreshing !== undefined;
  }

  /** The status-bar text ("Library: 812/1,000 papers"). */
  get statusText(): string {
    return this.status.text;
  }

  /** Stops the refresh under way, as its notification's Cancel does; what is indexed stays. */
  cancel(): void {
    this.abort?.abort();
  }

  /** Brings the configured library up to date (joining a run under way). */
  refreshNow(): Promise<RefreshResult | undefined> {
    const lib = this.current();
    return lib ? this.refresh(lib) : Promise.resolve(undefined);
  }

  private refresh(lib: PaperLibrary): Promise<RefreshResult | undefined> {
    if (this.refreshing) return this.refreshing;
    const run: Promise<RefreshResult | undefined> = Promise.resolve(
      vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Indexing the library ${path.basename(lib.folder)}`, cancellable: true }, async (progress, token) => {
        const abort = new AbortController();
        this.abort = abort;
        token.onCancellationRequested(() => abort.abort());
        let last = 0;
        this.status.show();
        const r = await lib.refresh(abort.signal, (done, total) => {
          this.status.text = `$(library) Library: ${count(done)}/${count(total)} papers`;
          this.status.tooltip = `Indexing ${lib.folder}`;
          const pct = total ? (done / total) * 100 : 100;
          if (pct - last >= 1 || done === total) {
            progress.report({ message: `${count(done)}/${count(total)} papers`, increment: pct - last });
            last = pct;
          }
        });
        this.showProblems(r);
        const papers = lib.papers().length;
        this.status.text = `$(library) Library: ${count(papers)} papers${r.cancelled ? ' (indexing cancelled)' : ''}`;
        this.status.tooltip = `${lib.folder}${r.problems.length ? ` — ${r.problems.length} file(s) could not be read (Problems panel)` : ''}`;
        if (r.cancelled) this.services.logger.info(`Library: indexing cancelled; ${papers} papers are searchable.`);
        return r;
      }),
    )
      .then(
        (r) => r,
        (e: unknown) => {
          this.services.logger.warn(`Library: ${describeError(e)}`);
          void vscode.window.showErrorMessage(`Alignment: the library could not be indexed. ${describeError(e)}`);
          return undefined;
        },
      )
      .finally(() => {
        if (this.refreshing === run) this.refreshing = undefined;
      });
    this.refreshing = run;
    return run;
  }

  private showProblems(r: RefreshResult): void {
    this.problems.clear();
    for (const p of r.problems) {
      const d = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), p.message, vscode.DiagnosticSeverity.Warning);
      d.source = 'Alignment library';
      this.problems.set(vscode.Uri.file(p.path), [d]);
      this.services.logger.warn(`Library: ${p.message}`);
    }
  }

  dispose(): void {
    void this.reader?.dispose();
    this.status.dispose();
    this.problems.dispose();
  }
}

const shared = new WeakMap<HostServices, HostLibrary>();

/** The window's one HostLibrary, made on first use and disposed with the extension. */
export function hostLibrary(services: HostServices): HostLibrary {
  let lib = shared.get(services);
  if (!lib) {
    lib = new HostLibrary(services);
    services.own(lib);
    shared.set(services, lib);
    // Reachable from the integration tests (another bundle) through the services they hold.
    Object.defineProperty(services, 'library', { value: lib, enumerable: false });
  }
  return lib;
}
