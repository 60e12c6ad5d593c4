import * as vscode from 'vscode';
import type { HostServices } from '../hostServices';
import type { Ask, AskArgs } from '../conversation/askCommands';
import type { CommandTable } from '../commandTable';
import { withCancellableProgress } from '../cancellation';
import { loadArxivSource } from '../../core/sources/arxivSource';
import { librarySearchSource } from '../../core/tools/librarySource';
import { checkSource } from '../../core/tasks/constraints';
import { hostLibrary, libraryFolder } from './hostLibrary';

export interface LibraryCommandDeps {
  services: HostServices;
  ask: Ask;
}

/** Ask About arXiv Paper… and Ask the Library…. */
export function libraryCommands({ services, ask }: LibraryCommandDeps): CommandTable<'alignment.askAboutArxiv' | 'alignment.askLibrary'> {
  const folderOrExplain = (): string => {
    const folder = libraryFolder(services);
    if (!folder) throw new Error('Set alignment.library.folder (or alignment.library.bibtex) to your papers first.');
    return folder;
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
      const shared = hostLibrary(services);
      const folder = shared.current()?.folder ?? folderOrExplain();
      const question = args.question ?? (await vscode.window.showInputBox({ prompt: `Ask the papers in ${folder}`, ignoreFocusOut: true }))?.trim();
      if (!question) return undefined;
      const task = await services.task(args.taskId ?? 'paper-qa');
      // Indexing runs in the background (its own progress, status-bar count and problems): the
      // question searches what is indexed so far.
      const lib = await shared.ready();
      if (!lib) throw new Error('Set alignment.library.folder to a folder of papers first.');
      if (shared.indexing) void vscode.window.showInformationMessage(`Alignment: the library is still being indexed; searched the ${lib.papers().length} papers indexed so far.`);
      const combined = withCancellableProgress({ title: 'Searching the library…' }, async (signal) => {
        const model = await services.model();
        const embed = model?.embed;
        const { passages, skipped } = await lib.search(question, 12, task.constraints, {
          embed: embed ? (texts) => embed.call(model, texts, signal) : undefined,
          embeddingSpace: model?.embeddingSpace,
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
