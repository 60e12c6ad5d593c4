import * as vscode from 'vscode';
import * as path from 'node:path';
import type { HostServices } from '../hostServices';
import type { Ask, AskArgs } from '../conversation/askCommands';
import type { CommandTable } from '../commandTable';
import { withCancellableProgress } from '../cancellation';
import { loadArxivSource } from '../../core/sources/arxivSource';
import { loadSourceFile } from '../../core/sources/loadSource';
import { PaperLibrary } from '../../core/retrieval/library';
import { librarySearchSource } from '../../core/tools/librarySource';
import { checkSource } from '../../core/tasks/constraints';

export interface LibraryCommandDeps {
  services: HostServices;
  ask: Ask;
}

/** Ask About arXiv Paper… and Ask the Library…. */
export function libraryCommands({ services, ask }: LibraryCommandDeps): CommandTable<'alignment.askAboutArxiv' | 'alignment.askLibrary'> {
  let library: PaperLibrary | undefined;

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
      const source = withCancellableProgress(
        { title: `Fetching ${input.trim()} from arXiv…` },
        async (signal) => {
          const src = await loadArxivSource(input, { cacheDir: services.globalStoragePath, cache: services.sourceCache, signal, timeoutMs: 60_000 });
          const task = await services.task(args.taskId ?? 'paper-qa');
          const check = checkSource(src.ref, task.constraints);
          if (!check.allowed) throw new Error(`${check.reason} The task's information constraints do not allow it.`);
          return src;
        },
      );
      return ask(source, args);
    },
    'alignment.askLibrary': async (raw: unknown) => {
      const args = (raw && typeof raw === 'object' ? raw : {}) as AskArgs;
      const folder = libraryFolder();
      if (!library || library.folder !== folder) library = new PaperLibrary(folder, (f) => loadSourceFile(f, { cache: services.sourceCache }), services.logger);
      const lib = library;
      const question = args.question ?? (await vscode.window.showInputBox({ prompt: `Ask the papers in ${folder}`, ignoreFocusOut: true }))?.trim();
      if (!question) return undefined;
      const task = await services.task(args.taskId ?? 'paper-qa');
      const combined = withCancellableProgress({ title: 'Indexing the library…' }, async (signal) => {
        const r = await lib.refresh(signal);
        if (r.problems.length) void vscode.window.showWarningMessage(`Alignment: ${r.problems.length} paper(s) in the library could not be read; see the log.`);
        const model = await services.model();
        const embed = model?.embed;
        const { passages, skipped } = await lib.search(question, 12, task.constraints, {
          embed: embed ? (texts) => embed.call(model, texts, signal) : undefined,
          onEmbeddingError: (e) => services.logger.warn(`Library: embeddings failed; passages ranked by words alone: ${(e as Error).message}`),
        });
        if (skipped.length) void vscode.window.showInformationMessage(`Alignment: left out by the task's information constraints: ${skipped.map((s) => s.title).join('; ')}.`);
        // The best passages across papers become one source, each passage labelled with its paper.
        return librarySearchSource(folder, lib.papers().length, passages, skipped);
      });
      return ask(combined, { ...args, question });
    },
  };
}
