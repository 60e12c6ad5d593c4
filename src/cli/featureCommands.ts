import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CommonOptions } from './coreCommands';
import { loadTask, openStore } from './coreCommands';
import { resolveModelSettingsFromEnv } from '../core/model/modelConfig';
import { UsageError, readInputFile } from './cliIo';
import { EXPORT_FORMATS, exportDataset, isExportFormat } from '../core/exports/exportDataset';
import { importIntoStore, importTasksMarkdown } from '../core/exports/importMarkdown';

// align dataset export, import, edit and rate (the table is in cliCommands.ts).

/** Formats written as one file, which `--out -` can send to stdout; the others are folders. */
const ONE_FILE = new Set(['inspect', 'openai-chat', 'dpo', 'promptfoo', 'markdown']);

/** align dataset export --format F --out PATH|- [--task ID] [--force] [--license ID]. */
export async function exportCommand(o: CommonOptions): Promise<number> {
  const { format, out } = o.values;
  if (!format || !isExportFormat(format)) throw new UsageError(`--format must be one of ${EXPORT_FORMATS.join(', ')}.`);
  if (!out) throw new UsageError('--out PATH is required (--out - writes to stdout).');
  if (out === '-' && !ONE_FILE.has(format)) throw new UsageError(`--format ${format} writes a folder, so it cannot go to stdout: give --out FOLDER.`);
  const store = openStore(o);
  // promptfoo's config calls the model and endpoint in use now (flags and environment).
  const settings = resolveModelSettingsFromEnv(o.io.env, { model: o.values.model, baseUrl: o.values['base-url'] });
  const options = { format, taskId: o.values.task, signal: o.signal, provider: { model: settings.model, baseUrl: settings.baseURL }, license: o.values.license };
  if (out === '-') {
    // Written whole to a private temporary file first, so stdout never gets half an export.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'align-export-'));
    try {
      const target = path.join(tmp, 'export');
      const result = await exportDataset(store, { ...options, out: target });
      for (const c of result.corrupt) o.io.stderr(`warning: ${c.file}:${c.line}: not exported (${c.reason})\n`);
      // Only the export on stdout, as a filter should: the reader may be another program.
      o.io.stdout(fs.readFileSync(target, 'utf8'));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    return 0;
  }
  const result = await exportDataset(store, { ...options, out: path.resolve(o.io.cwd, out), force: o.values.force });
  for (const c of result.corrupt) o.io.stderr(`warning: ${c.file}:${c.line}: not exported (${c.reason})\n`);
  if (o.values.json) o.io.stdout(JSON.stringify(result) + '\n');
  else o.io.stdout(`Exported ${result.counts.records} record${result.counts.records === 1 ? '' : 's'} as ${format}: ${result.files.join(', ')}\n`);
  return 0;
}

/** align dataset edit <task> <id> --output FILE|-: the researcher's answer replaces the saved one; the model's is kept as the original. */
export async function editCommand(o: CommonOptions, args: string[]): Promise<number> {
  const [taskId, id] = args;
  if (!taskId || !id) throw new UsageError('align dataset edit needs a task and an instance id: align dataset edit paper-qa 0mx4… --output answer.md');
  const from = o.values.output;
  if (!from) throw new UsageError('--output FILE (or --output - for stdin) gives the new answer.');
  const text = from === '-' ? await o.io.readStdin() : readInputFile(path.resolve(o.io.cwd, from), 'Check the path given to --output.');
  if (!text.trim()) throw new UsageError('The new answer is empty; nothing was changed.');
  await loadTask(o, taskId);
  const store = openStore(o);
  const updated = await store.updateInstance(taskId, id, { output: text.replace(/\s+$/, '') });
  o.io.stdout(`Edited ${taskId}/${id}${updated.originalOutput !== undefined ? "; the model's answer is kept as the original" : ''}\n`);
  return 0;
}

/** align dataset rate <task> <id> good|bad [--reason TEXT]. */
export async function rateCommand(o: CommonOptions, args: string[]): Promise<number> {
  const [taskId, id, value] = args;
  if (!taskId || !id || (value !== 'good' && value !== 'bad')) throw new UsageError('align dataset rate needs a task, an instance id and good or bad: align dataset rate paper-qa 0mx4… good --reason "cites the right passage"');
  await loadTask(o, taskId);
  const store = openStore(o);
  const reason = o.values.reason?.trim();
  await store.updateInstance(taskId, id, { rating: { value, ...(reason ? { reason } : {}) } });
  o.io.stdout(`Rated ${taskId}/${id} ${value}${reason ? ` (${reason})` : ''}\n`);
  return 0;
}

/** align dataset import <tasks.md> [--force] [--drafts]. */
export async function importCommand(o: CommonOptions, args: string[]): Promise<number> {
  const file = args[0];
  if (!file) throw new UsageError('align dataset import needs a Markdown or text file: align dataset import tasks.md');
  const abs = path.resolve(o.io.cwd, file);
  const text = readInputFile(abs);
  const parsed = importTasksMarkdown(text, abs, { drafts: o.values.drafts });
  // What was understood goes to stdout, what could not be placed to stderr: both are read by people.
  for (const u of parsed.understood) o.io.stdout(`${u}\n`);
  for (const p of parsed.problems) o.io.stderr(`${abs}:${p.line}: ${p.message}\n`);
  if (!parsed.tasks.length) return 1;
  if (parsed.tasks.every((t) => !t.draft && !t.instances.length)) {
    // Task headings with nothing under them are not a dataset: say so instead of writing placeholders.
    o.io.stderr(`align: ${abs} names ${parsed.tasks.length} task${parsed.tasks.length === 1 ? '' : 's'} but no instance (Input and Output), so nothing was imported. A list of task ideas imports as drafts with --drafts.\n`);
    return 1;
  }
  const store = openStore(o);
  const report = await importIntoStore(store, parsed, { force: o.values.force });
  for (const s of report.skipped) o.io.stderr(`kept the existing ${s} (--force replaces it)\n`);
  for (const id of report.builtinKept) o.io.stderr(`"${id}" is a built-in task: its definition was kept, and the instances were added to it\n`);
  const dup = report.alreadyThere ? ` (${report.alreadyThere} already saved, not added again)` : '';
  o.io.stdout(`Imported ${parsed.tasks.length} task${parsed.tasks.length === 1 ? '' : 's'} and ${report.added} instance${report.added === 1 ? '' : 's'}${dup} into ${store.root}\n`);
  return 0;
}
