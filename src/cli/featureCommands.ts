import * as path from 'node:path';
import type { CommonOptions } from './coreCommands';
import { openStore } from './coreCommands';
import { UsageError, readInputFile } from './cliIo';
import { EXPORT_FORMATS, exportDataset, isExportFormat } from '../core/exports/exportDataset';
import { importIntoStore, importTasksMarkdown } from '../core/exports/importMarkdown';

/** Commands of the papers, critique and dataset features, loaded only when used. */
export async function featureCommand(name: string, o: CommonOptions, args: string[]): Promise<number> {
  switch (name) {
    case 'dataset-export':
      return exportCommand(o);
    case 'dataset-import':
      return importCommand(o, args);
    case 'retrieve':
    case 'index':
      return (await import('./paperCommands')).paperCommand(name, o, args);
    case 'critique':
      return (await import('./critiqueCli')).critiqueCli(o, args);
    case 'eval':
      return (await import('./evalCli')).evalCli(o, args);
    default:
      throw new UsageError(`Unknown command "${name}".`);
  }
}

async function exportCommand(o: CommonOptions): Promise<number> {
  const { format, out } = o.values;
  if (!format || !isExportFormat(format)) throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}.`);
  if (!out) throw new UsageError('--out PATH is required.');
  const store = openStore(o);
  const result = await exportDataset(store, { format, out: path.resolve(o.io.cwd, out), taskId: o.values.task, force: o.values.force });
  for (const c of result.corrupt) o.io.stderr(`warning: ${c.file}:${c.line}: not exported (${c.reason})\n`);
  if (o.values.json) o.io.stdout(JSON.stringify(result) + '\n');
  else o.io.stdout(`Exported ${result.counts.records} record${result.counts.records === 1 ? '' : 's'} as ${format}: ${result.files.join(', ')}\n`);
  return 0;
}

async function importCommand(o: CommonOptions, args: string[]): Promise<number> {
  const file = args[0];
  if (!file) throw new UsageError('align dataset import needs a Markdown or text file: align dataset import tasks.md');
  const abs = path.resolve(o.io.cwd, file);
  const text = readInputFile(abs);
  const parsed = importTasksMarkdown(text, abs, { drafts: o.values.drafts });
  // What was understood goes to stdout, what could not be placed to stderr: both are read by people.
  for (const u of parsed.understood) o.io.stdout(`${u}\n`);
  for (const p of parsed.problems) o.io.stderr(`${abs}:${p.line}: ${p.message}\n`);
  if (!parsed.tasks.length) return 1;
  const store = openStore(o);
  const report = await importIntoStore(store, parsed, { force: o.values.force });
  for (const s of report.skipped) o.io.stderr(`kept the existing ${s} (--force replaces it)\n`);
  for (const id of report.builtinKept) o.io.stderr(`"${id}" is a built-in task: its definition was kept, and the instances were added to it\n`);
  const dup = report.alreadyThere ? ` (${report.alreadyThere} already saved, not added again)` : '';
  o.io.stdout(`Imported ${parsed.tasks.length} task${parsed.tasks.length === 1 ? '' : 's'} and ${report.added} instance${report.added === 1 ? '' : 's'}${dup} into ${store.root}\n`);
  return 0;
}
