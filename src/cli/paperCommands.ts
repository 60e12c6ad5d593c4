import * as path from 'node:path';
import type { CommonOptions } from './coreCommands';
import { cacheDir, loadCliSource } from './coreCommands';
import { UsageError } from './cliIo';
import { PassageIndex } from '../core/retrieval/retriever';
import { citationLabel } from '../core/retrieval/citations';

/** align retrieve <source> "<query>" [-k N] [--json]: no model needed. */
export async function retrieveCommand(o: CommonOptions, args: string[]): Promise<number> {
  if (o.values.bibtex !== undefined) {
    if (!args.length) throw new UsageError('align retrieve --bibtex FILE needs a query: align retrieve --bibtex my.bib "KL penalty"');
    return (await import('./libraryCli')).retrieveLibraryCommand(o, undefined, args.join(' '));
  }
  if (args.length < 2) throw new UsageError('align retrieve needs a source and a query: align retrieve paper.pdf "KL penalty"');
  const lib = await import('./libraryCli');
  if (lib.isFolder(o.io.cwd, args[0])) return lib.retrieveLibraryCommand(o, args[0], args.slice(1).join(' '));
  const k = o.values.k !== undefined ? Number(o.values.k) : 5;
  if (!Number.isInteger(k) || k < 1) throw new UsageError(`-k takes a whole number, not "${o.values.k}".`);
  const source = await loadCliSource(o, args[0]);
  const hits = PassageIndex.fromSources([source]).search(args.slice(1).join(' '), k);
  if (o.values.json) {
    o.io.stdout(JSON.stringify({ source: source.ref, passages: hits.map((h) => ({ id: h.id, score: Math.round(h.score * 1000) / 1000, location: h.location, label: citationLabel(h.location), text: h.text })) }) + '\n');
  } else {
    hits.forEach((h, i) => o.io.stdout(`${i + 1}. [${h.id}] ${citationLabel(h.location)}  score ${h.score.toFixed(2)}\n   ${h.text.replace(/\s+/g, ' ').slice(0, 300)}${h.text.length > 300 ? '…' : ''}\n\n`));
    if (!hits.length) o.io.stdout('No passage matches.\n');
  }
  return 0;
}

/** align index <folder>: parses and caches a folder of papers; no model needed. */
export async function indexCommand(o: CommonOptions, args: string[]): Promise<number> {
  const folder = args[0];
  if (!folder && o.values.bibtex === undefined) throw new UsageError('align index needs a folder of papers: align index papers/');
  const library = (await import('./mcpCli')).cliLibrary(o, folder);
  const t0 = Date.now();
  const r = await library.refresh(o.signal);
  for (const p of r.problems) o.io.stderr(`warning: ${p.message}\n`);
  const out = { papers: library.papers().length, added: r.added, updated: r.updated, removed: r.removed, problems: r.problems, ms: Date.now() - t0 };
  if (o.values.json) o.io.stdout(JSON.stringify(out) + '\n');
  else o.io.stdout(`Indexed ${out.papers} paper${out.papers === 1 ? '' : 's'} in ${out.ms} ms (${r.problems.length} could not be read); parsed papers are cached in ${path.join(cacheDir(o.io), 'sources')}.\n`);
  return r.problems.length && !out.papers ? 1 : 0;
}
