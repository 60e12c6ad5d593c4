import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DatasetStore } from '../dataset/datasetStore';
import type { CorruptLine } from '../dataset/instanceTypes';
import { AlignError } from '../errors';
import { writeFileAtomic, writeLinesAtomic } from '../dataset/jsonlFile';
import { readTaskRecords } from './exportRecords';
import * as formats from './formats';

export const EXPORT_FORMATS = ['inspect', 'openai-evals', 'openai-chat', 'dpo', 'promptfoo', 'hf', 'markdown'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function isExportFormat(x: string): x is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(x);
}

export interface ExportResult {
  files: string[];
  counts: Record<string, number>;
  /** Lines that could not be read and were therefore not exported. */
  corrupt: CorruptLine[];
}

/**
 * Exports the dataset (or one task) in a target's format. An existing target is replaced only
 * with `force`; files are written atomically.
 */
export async function exportDataset(store: DatasetStore, opts: { format: ExportFormat; out: string; taskId?: string; force?: boolean }): Promise<ExportResult> {
  if (fs.existsSync(opts.out) && !opts.force) {
    throw new AlignError(`${opts.out} already exists.`, 'export-exists', 'Choose another path, or replace it (CLI: --force).');
  }
  const tasks = await readTaskRecords(store, opts.taskId);
  const corrupt = tasks.flatMap((t) => t.corrupt);
  const counts = Object.fromEntries(tasks.map((t) => [t.task.id, t.instances.length]));
  let files: formats.ExportFile[];
  switch (opts.format) {
    case 'inspect':
      files = [formats.inspect(tasks)];
      break;
    case 'openai-evals':
      files = [formats.openaiEvals(tasks)];
      break;
    case 'openai-chat':
      files = [formats.openaiChat(tasks)];
      break;
    case 'dpo':
      files = [formats.dpo(tasks)];
      break;
    case 'promptfoo':
      files = [formats.promptfoo(tasks)];
      break;
    case 'hf':
      files = formats.hf(tasks);
      break;
    case 'markdown':
      files = [formats.markdown(tasks)];
      break;
  }
  const written: string[] = [];
  for (const f of files) {
    const target = f.relPath ? path.join(opts.out, f.relPath) : opts.out;
    if (typeof f.content === 'string') writeFileAtomic(target, f.content);
    else writeLinesAtomic(target, f.content);
    written.push(target);
  }
  return { files: written, counts: { ...counts, records: files.reduce((n, f) => n + f.records, 0) }, corrupt };
}
