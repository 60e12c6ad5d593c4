import * as fs from 'node:fs';
import * as path from 'node:path';
import type { DatasetStore } from '../dataset/datasetStore';
import type { CorruptLine } from '../dataset/instanceTypes';
import { AlignError, writeFailureReason } from '../errors';
import type { LoadedTask } from '../tasks/taskTypes';
import { AtomicLineWriter, writeFileAtomic } from '../dataset/jsonlFile';
import type { TaskRecords } from './exportRecords';
import { chooseTasks, readTaskRecords } from './exportRecords';
import * as formats from './formats';
import { readSplitConfig, withSplit } from '../evaluation/splits';

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
 * with `force`; files are written atomically, so a failed or cancelled export leaves the old
 * target as it was. JSONL formats stream: instances are read and written a batch at a time.
 */
export async function exportDataset(store: DatasetStore, opts: ExportOptions): Promise<ExportResult> {
  if (fs.existsSync(opts.out) && !opts.force) {
    throw new AlignError(`${opts.out} already exists.`, 'export-exists', 'Choose another path, or replace it.', { remedy: 'force-replace' });
  }
  switch (opts.format) {
    case 'inspect':
      return streamExport(store, formats.inspect, opts);
    case 'openai-evals':
      return streamExport(store, formats.openaiEvals, opts);
    case 'openai-chat':
      return streamExport(store, formats.openaiChat, opts);
    case 'dpo':
      return streamExport(store, formats.dpo(), opts);
    case 'hf':
      return streamExport(store, formats.hf(opts.license), opts);
    case 'promptfoo':
      return wholeExport(store, (tasks) => formats.promptfoo(tasks, opts.provider), opts);
    case 'markdown':
      return wholeExport(store, formats.markdown, opts);
  }
}

export interface ExportOptions {
  format: ExportFormat;
  out: string;
  taskId?: string;
  force?: boolean;
  signal?: AbortSignal;
  /** The model and endpoint a runnable export (promptfoo) should call: the current settings. */
  provider?: formats.ExportProvider;
  /** The licence named in a Hugging Face card (an SPDX-style id such as `cc-by-4.0`); `other` when unset. */
  license?: string;
  /** Called after each batch with the number of instances read so far. */
  onProgress?: (instances: number) => void;
}

/** YAML and Markdown are documents, not lines: they are built whole (they serve review, not training runs). */
async function wholeExport(store: DatasetStore, build: (tasks: TaskRecords[]) => formats.ExportFile, opts: ExportOptions): Promise<ExportResult> {
  const tasks = await readTaskRecords(store, opts.taskId);
  opts.signal?.throwIfAborted();
  const file = build(tasks);
  try {
    writeFileAtomic(opts.out, file.content);
  } catch (e) {
    throw writeFailure(e, opts.out);
  }
  return {
    files: [opts.out],
    counts: { ...Object.fromEntries(tasks.map((t) => [t.task.id, t.instances.length])), records: file.records },
    corrupt: tasks.flatMap((t) => t.corrupt),
  };
}

async function streamExport(store: DatasetStore, format: formats.StreamedFormat, opts: ExportOptions): Promise<ExportResult> {
  const tasks = await chooseTasks(store, opts.taskId);
  const writers = new Map<string, AtomicLineWriter>();
  const writerFor = async (rel: string) => {
    let w = writers.get(rel);
    if (!w) {
      w = await AtomicLineWriter.open(rel ? path.join(opts.out, rel) : opts.out);
      writers.set(rel, w);
    }
    return w;
  };
  const corrupt: CorruptLine[] = [];
  const counts: Record<string, number> = {};
  const written: { task: LoadedTask; records: number; testRecords?: number }[] = [];
  let read = 0;
  try {
    if (tasks.some((t) => !format.fileFor(t))) await writerFor(''); // one target file, even when empty
    for (const task of tasks) {
      const feedback = await store.readFeedback(task.id);
      corrupt.push(...feedback.corrupt);
      format.startTask?.(task, feedback.records);
      let instances = 0;
      let writer: AtomicLineWriter | undefined;
      // Each instance carries its split (recorded, or by the task's rule); formats with a test file get test apart.
      const split = readSplitConfig(store, task.id);
      let testWriter: AtomicLineWriter | undefined;
      let testRecords = 0;
      for await (const batch of store.readInstanceBatches(task.id)) {
        corrupt.push(...batch.corrupt);
        if (batch.instances.length && !writer) writer = await writerFor(format.fileFor(task));
        for (const raw of batch.instances) {
          const inst = withSplit(raw, split);
          let target = writer!;
          if (format.testFileFor && inst.split === 'test') {
            target = testWriter ??= await writerFor(format.testFileFor(task));
            testRecords++;
          }
          format.instance(task, inst, (line) => target.add(line));
        }
        instances += batch.instances.length;
        read += batch.instances.length;
        await writer?.drain();
        await testWriter?.drain();
        opts.signal?.throwIfAborted();
        opts.onProgress?.(read);
      }
      // Tasks with nothing saved are left out, unless asked for by name.
      if (!instances && !feedback.records.length && !opts.taskId) continue;
      if (!writer) await writerFor(format.fileFor(task));
      counts[task.id] = instances;
      written.push({ task, records: instances, ...(testRecords ? { testRecords } : {}) });
    }
    let records = 0;
    for (const w of writers.values()) records += await w.commit();
    const files = [...writers.values()].map((w) => w.file);
    for (const f of format.finish?.(written) ?? []) {
      const target = path.join(opts.out, f.relPath);
      writeFileAtomic(target, f.content);
      files.push(target);
    }
    return { files, counts: { ...counts, records }, corrupt };
  } catch (e) {
    await Promise.all([...writers.values()].map((w) => w.abort()));
    throw writeFailure(e, opts.out);
  }
}

/** A file-system failure while writing becomes a message naming the target; nothing was replaced. */
function writeFailure(e: unknown, out: string): unknown {
  if (AlignError.is(e) || !(e as NodeJS.ErrnoException).code || (e as Error).name === 'AbortError') return e;
  return new AlignError(`Could not write the export to ${out}: ${writeFailureReason(e)}.`, 'export-write', 'Nothing was replaced. Choose a writable place or free some space, then export again.', { cause: e });
}
