import * as vscode from 'vscode';
import * as path from 'node:path';
import type { HostServices } from '../hostServices';
import type { ResearchToolDeps } from '../../core/tools/researchTools';
import type { ParsedSource } from '../../core/sources/sourceTypes';
import { hostLibrary } from '../library/hostLibrary';
import { loadSourceFile } from '../../core/sources/loadSource';
import { loadArxivSource, parseArxivId } from '../../core/sources/arxivSource';
import { ToolInputError } from '../../core/tools/toolInputs';
import * as fs from 'node:fs';

/**
 * The research tools over the extension's dataset, library, papers and model: what the chat
 * participant, the agent-mode tools and (through the CLI) the MCP server share.
 */
export function hostToolDeps(services: HostServices): ResearchToolDeps {
  return {
    store: () => services.store(),
    tasks: () => services.tasks(),
    library: async (signal) => {
      // One library per window, indexed in the background; a search sees what is indexed so far.
      void signal;
      return hostLibrary(services).ready();
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
