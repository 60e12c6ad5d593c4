import * as vscode from 'vscode';
import * as path from 'node:path';
import type { HostServices } from '../hostServices';
import type { ResearchToolDeps } from '../../core/tools/researchTools';
import type { ParsedSource } from '../../core/sources/sourceTypes';
import { PaperLibrary } from '../../core/retrieval/library';
import { loadSourceFile } from '../../core/sources/loadSource';
import { loadArxivSource, parseArxivId } from '../../core/sources/arxivSource';
import { ToolInputError } from '../../core/tools/toolInputs';
import * as fs from 'node:fs';

/** The folder of alignment.library.folder, resolved against the workspace; undefined when unset. */
export function libraryFolder(services: HostServices): string | undefined {
  const setting = services.settings().libraryFolder;
  if (!setting) return undefined;
  const ws = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return path.isAbsolute(setting) || !ws ? setting : path.join(ws, setting);
}

/**
 * The research tools over the extension's dataset, library, papers and model: what the chat
 * participant, the agent-mode tools and (through the CLI) the MCP server share.
 */
export function hostToolDeps(services: HostServices): ResearchToolDeps {
  let library: PaperLibrary | undefined;
  return {
    store: () => services.store(),
    tasks: () => services.tasks(),
    library: async (signal) => {
      const folder = libraryFolder(services);
      if (!folder) return undefined;
      if (!library || library.folder !== folder) library = new PaperLibrary(folder, (f) => loadSourceFile(f, { cache: services.sourceCache }), services.logger);
      const r = await library.refresh(signal);
      for (const p of r.problems) services.logger.warn(`Library: ${p.message}`);
      return library;
    },
    loadPaper: (ref, signal) => loadPaper(services, ref, signal),
    model: () => services.model(),
    logger: services.logger,
  };
}

/** A paper named by an agent: a path (absolute or in the workspace), or an arXiv id or URL. */
export async function loadPaper(services: HostServices, ref: string, signal?: AbortSignal): Promise<ParsedSource> {
  const ws = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const file = path.isAbsolute(ref) || !ws ? ref : path.join(ws, ref);
  if (fs.existsSync(file)) return loadSourceFile(file, { cache: services.sourceCache, signal });
  if (parseArxivId(ref)) return loadArxivSource(ref, { cacheDir: services.globalStoragePath, cache: services.sourceCache, signal, timeoutMs: 60_000 });
  throw new ToolInputError(`There is no paper at ${file}. Give a path (absolute or relative to the workspace) or an arXiv id.`);
}
