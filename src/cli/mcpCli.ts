import * as path from 'node:path';
import * as fs from 'node:fs';
import type { CommonOptions } from './coreCommands';
import type { ResearchToolDeps } from '../core/tools/researchTools';
import { cacheDir, datasetRoot, loadCliSource, modelFrom } from './coreCommands';
import { UsageError } from './cliIo';
import { DatasetStore } from '../core/dataset/datasetStore';
import { loadTasks } from '../core/tasks/taskRegistry';
import { PaperLibrary } from '../core/retrieval/library';
import { loadSourceFile } from '../core/sources/loadSource';
import { SourceCache } from '../core/sources/sourceCache';
import { libraryIndexFile } from '../core/retrieval/libraryIndexFile';
import { version } from '../../package.json';

/** The library named by --library (or the folder given), loaded from its index file or indexed, and kept up to date. */
export function cliLibrary(o: CommonOptions, folder: string | undefined): PaperLibrary {
  const cache = new SourceCache(path.join(cacheDir(o.io), 'sources'));
  if (o.values.bibtex !== undefined) {
    // A BibTeX library (Zotero, Better BibTeX): its entries' attachments, with their metadata.
    const bib = path.resolve(o.io.cwd, o.values.bibtex);
    if (!fs.existsSync(bib) || !fs.statSync(bib).isFile()) throw new UsageError(`The BibTeX file ${bib} does not exist.`);
    const storage = o.values['zotero-storage'] !== undefined ? path.resolve(o.io.cwd, o.values['zotero-storage']) : undefined;
    return new PaperLibrary(bib, (f) => loadSourceFile(f, { cache }), o.logger, { indexFile: libraryIndexFile(cacheDir(o.io), bib), bibtex: { storage } });
  }
  if (folder === undefined) throw new UsageError('Name the library: a folder of papers, or --bibtex FILE.');
  const abs = path.resolve(o.io.cwd, folder);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) throw new UsageError(`The library ${abs} is not a folder of papers.`);
  // The index persists beside the parse cache: the next command loads it instead of reading every paper.
  return new PaperLibrary(abs, (f) => loadSourceFile(f, { cache }), o.logger, { indexFile: libraryIndexFile(cacheDir(o.io), abs) });
}

/** The research tools over the CLI's dataset, library and model (environment and flags). */
export function cliToolDeps(o: CommonOptions): ResearchToolDeps {
  const root = datasetRoot(o);
  const store = new DatasetStore(root);
  const library = o.values.library || o.values.bibtex ? cliLibrary(o, o.values.library) : undefined;
  return {
    store: async () => store,
    tasks: async () => {
      const { tasks, problems } = await loadTasks(root);
      for (const p of problems) o.logger.warn(p.message);
      return tasks;
    },
    library: async (signal) => {
      if (!library) return undefined;
      const r = await library.refresh(signal);
      for (const p of r.problems) o.logger.warn(`library: ${p.message}`);
      return library;
    },
    loadPaper: (ref) => loadCliSource(o, ref),
    model: async () => modelFrom(o),
    logger: o.logger,
  };
}

/** align mcp [--library DIR] [--dataset DIR]: the research tools over stdio until stdin closes. */
export async function mcpCommand(o: CommonOptions): Promise<number> {
  const deps = cliToolDeps(o);
  o.io.stderr(`align mcp: serving on stdio (dataset ${datasetRoot(o)}${o.values.library ? `, library ${path.resolve(o.io.cwd, o.values.library)}` : ''})\n`);
  await (await import('../mcp/mcpServer')).serveStdio(deps, version);
  return 0;
}
