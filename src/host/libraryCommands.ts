import * as vscode from 'vscode';
import * as path from 'node:path';
import type { HostServices } from './hostServices';
import type { Conversations } from './conversations';
import type { ParsedSource } from '../core/sources/sourceTypes';
import type { AskArgs, AskResult } from './commands';
import { loadArxivSource } from '../core/sources/arxivSource';
import { hostLibrary } from './library/hostLibrary';
import { sha256Hex } from '../core/sources/hash';
import { checkSource } from '../core/tasks/constraints';

type Ask = (source: Promise<ParsedSource>, args: AskArgs) => Promise<AskResult | undefined>;

/** Ask About arXiv Paper… and Ask the Library…. */
export function libraryCommands(services: HostServices, _conversations: Conversations, ask: Ask) {
  const libraryFolder = (): string => {
    const setting = services.settings().libraryFolder;
    const ws = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (!setting) throw new Error('Set alignment.library.folder to a folder of papers first.');
    return path.isAbsolute(setting) || !ws ? setting : path.join(ws, setting);
  };

  return {
    'alignment.askAboutArxiv': async (raw: unknown) => {
      const args = (raw && typeof raw === 'object' ? raw : {}) as AskArgs & { id?: string };
      const input = args.id ?? (await vscode.window.showInputBox({ prompt: 'arXiv id or link', placeHolder: '2009.01325 or https://arxiv.org/abs/2009.01325', ignoreFocusOut: true }));
      if (!input?.trim()) return undefined;
      const source = vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Fetching ${input.trim()} from arXiv…`, cancellable: true },
        async (_p, token) => {
          const abort = new AbortController();
          token.onCancellationRequested(() => abort.abort());
          const src = await loadArxivSource(input, { cacheDir: services.context.globalStorageUri.fsPath, cache: services.sourceCache, signal: abort.signal, timeoutMs: 60_000 });
          const task = await services.task(args.taskId ?? 'paper-qa');
          const check = checkSource(src.ref, task.constraints);
          if (!check.allowed) throw new Error(`${check.reason} The task's information constraints do not allow it.`);
          return src;
        },
      );
      return ask(Promise.resolve(source), args);
    },
    'alignment.askLibrary': async (raw: unknown) => {
      const args = (raw && typeof raw === 'object' ? raw : {}) as AskArgs;
      const shared = hostLibrary(services);
      const folder = shared.current()?.folder ?? libraryFolder();
      const question = args.question ?? (await vscode.window.showInputBox({ prompt: `Ask the papers in ${folder}`, ignoreFocusOut: true }))?.trim();
      if (!question) return undefined;
      const task = await services.task(args.taskId ?? 'paper-qa');
      // Indexing runs in the background (its own progress, status-bar count and problems): the
      // question searches what is indexed so far.
      const lib = await shared.ready();
      if (!lib) throw new Error('Set alignment.library.folder to a folder of papers first.');
      if (shared.indexing) void vscode.window.showInformationMessage(`Alignment: the library is still being indexed; searched the ${lib.papers().length} papers indexed so far.`);
      const combined = vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Searching the library…', cancellable: true }, async (_p, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        const model = await services.model();
        const embed = model?.embed;
        const { passages, skipped } = await lib.search(question, 12, task.constraints, {
          embed: embed ? (texts) => embed.call(model, texts, abort.signal) : undefined,
          onEmbeddingError: (e) => services.logger.warn(`Library: embeddings failed; passages ranked by words alone: ${(e as Error).message}`),
        });
        if (skipped.length) void vscode.window.showInformationMessage(`Alignment: left out by the task's information constraints: ${skipped.map((s) => s.title).join('; ')}.`);
        // The best passages across papers become one source, each passage labelled with its paper.
        const source: ParsedSource = {
          ref: { title: `Library: ${path.basename(folder)} (${lib.papers().length} papers)`, kind: 'text', contentHash: sha256Hex(passages.map((p) => p.text).join('\n')) },
          blocks: passages.map((p) => ({ text: p.text, location: { ...p.location, section: `${p.source.title}${p.location.section ? ` — ${p.location.section}` : ''}` } })),
          warnings: skipped.map((s) => s.reason),
          selection: true,
        };
        return source;
      });
      return ask(Promise.resolve(combined), { ...args, question });
    },
  };
}
