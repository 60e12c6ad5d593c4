import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CommonOptions } from './coreCommands';
import { loadTask, modelFrom, runSession } from './coreCommands';
import { UsageError } from './cliIo';
import { cliLibrary } from './mcpCli';
import { librarySearchSource } from '../core/tools/librarySource';
import { searchLibrary } from '../core/tools/researchTools';

/** True when a retrieve argument names a folder (a library) rather than one paper. */
export function isFolder(cwd: string, arg: string): boolean {
  try {
    return fs.statSync(path.resolve(cwd, arg)).isDirectory();
  } catch {
    return false;
  }
}

/** align retrieve <folder> "<query>": the library's best passages, each with its paper. */
export async function retrieveLibraryCommand(o: CommonOptions, folder: string | undefined, query: string): Promise<number> {
  const k = o.values.k !== undefined ? Number(o.values.k) : 5;
  if (!Number.isInteger(k) || k < 1) throw new UsageError(`-k takes a whole number, not "${o.values.k}".`);
  const library = cliLibrary(o, folder);
  const r = await library.refresh(o.signal);
  for (const p of r.problems) o.io.stderr(`warning: ${p.message}\n`);
  const { data } = await searchLibrary({ store: async () => { throw new Error('unused'); }, tasks: async () => [], library: async () => library, loadPaper: async () => { throw new Error('unused'); }, model: async () => undefined }, { query, k });
  if (o.values.json) {
    o.io.stdout(JSON.stringify({ folder: library.folder, papers: data.papers, passages: data.passages }) + '\n');
  } else {
    data.passages.forEach((p, i) => o.io.stdout(`${i + 1}. ${p.paper} (${p.location})  score ${p.score.toFixed(2)}\n   ${p.text.replace(/\s+/g, ' ').slice(0, 300)}${p.text.length > 300 ? '…' : ''}\n\n`));
    if (!data.passages.length) o.io.stdout(`No passage in the ${data.papers} papers matches.\n`);
  }
  return 0;
}

/** align ask --library DIR "<question>": paper QA over the library's best passages. */
export async function askLibraryCommand(o: CommonOptions, question: string): Promise<number> {
  if (!question.trim()) throw new UsageError('The question is empty.');
  const task = await loadTask(o, 'paper-qa');
  const library = cliLibrary(o, o.values.library);
  const r = await library.refresh(o.signal);
  for (const p of r.problems) o.io.stderr(`warning: ${p.message}\n`);
  if (!library.papers().length) throw new UsageError(`There are no readable papers in ${library.folder}.`);
  const model = modelFrom(o);
  const embed = model?.embed;
  const { passages, skipped } = await library.search(question, 12, task.constraints, {
    embed: embed ? (texts) => embed.call(model, texts, o.signal) : undefined,
    embeddingSpace: model?.embeddingSpace,
    onEmbeddingError: (e) => o.logger.warn(`embeddings failed; passages ranked by words alone: ${String(e)}`),
  });
  for (const s of skipped) o.io.stderr(`left out by the task's information constraints: ${s.title} (${s.reason})\n`);
  return runSession(o, { task, source: librarySearchSource(library.folder, library.papers().length, passages, skipped) }, question);
}
