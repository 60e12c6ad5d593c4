import * as vscode from 'vscode';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostServices } from '../hostServices';
import type { DatasetTreeProvider } from './datasetTree';
import type { CommandTable } from '../commandTable';
import { withCancellableProgress } from '../cancellation';
import { setting } from '../settings';
import type { ExportFormat } from '../../core/exports/exportDataset';
import { exportDataset, EXPORT_FORMATS } from '../../core/exports/exportDataset';
import { importTasksMarkdown, importIntoStore } from '../../core/exports/importMarkdown';

/** The file (or folder, for hf and openai-evals) an export is offered under: the extension its format uses. */
export function exportFileName(format: ExportFormat): string {
  switch (format) {
    case 'hf':
    case 'openai-evals':
      return `alignment-tasks-${format}`;
    case 'markdown':
      return 'alignment-tasks.md';
    case 'promptfoo':
      return 'promptfooconfig.yaml';
    default:
      return `alignment-tasks.${format}.jsonl`;
  }
}

const FORMAT_LABELS: Record<ExportFormat, string> = {
  inspect: 'Inspect AI samples (JSONL)',
  'openai-evals': 'OpenAI evals registry folder (samples + model-graded eval YAML per task)',
  'openai-chat': 'OpenAI chat fine-tuning (JSONL: messages)',
  dpo: 'Preference pairs for DPO (prompt / chosen / rejected)',
  promptfoo: 'promptfoo config (promptfooconfig.yaml: prompt, provider, tests)',
  hf: 'Hugging Face dataset folder (JSONL per task + dataset card)',
  markdown: 'Markdown in the tasks-call layout',
};

/** Export Dataset… and Import Tasks from Markdown…. */
export interface DatasetIoCommandDeps {
  services: HostServices;
  tree: DatasetTreeProvider;
  showLog: () => void;
}

export function datasetIoCommands({ services, tree, showLog }: DatasetIoCommandDeps): CommandTable<'alignment.exportDataset' | 'alignment.importTasks'> {
  return {
    'alignment.exportDataset': async (raw) => {
      const args = (raw && typeof raw === 'object' && !('kind' in raw) ? raw : {}) as { format?: ExportFormat; out?: string; taskId?: string; force?: boolean };
      const format =
        args.format ??
        (
          await vscode.window.showQuickPick(
            EXPORT_FORMATS.map((f) => ({ label: FORMAT_LABELS[f], description: f, format: f })),
            { placeHolder: 'Export the dataset as…' },
          )
        )?.format;
      if (!format) return undefined;
      const root = services.datasetRoot().root;
      let out = args.out;
      if (!out) {
        const defaultName = exportFileName(format);
        const folder = format === 'hf' || format === 'openai-evals';
        // Exports go beside the tasks, in the dataset's own exports/ folder (no task.json: not a task).
        const exportsDir = path.join(root, 'exports');
        await fs.promises.mkdir(exportsDir, { recursive: true }).catch(() => undefined);
        const base = vscode.Uri.file(path.join(exportsDir, defaultName));
        if (folder) {
          const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Export Into This Folder', defaultUri: vscode.Uri.file(exportsDir) });
          out = picked?.[0] ? path.join(picked[0].fsPath, defaultName) : undefined;
        } else {
          out = (await vscode.window.showSaveDialog({ defaultUri: base, saveLabel: 'Export' }))?.fsPath;
        }
      }
      if (!out) return undefined;
      let force = args.force ?? false;
      if (!force && fs.existsSync(out)) {
        const choice = await vscode.window.showWarningMessage(`${out} exists. Replace it?`, { modal: true }, 'Replace');
        if (choice !== 'Replace') return undefined;
        force = true;
      }
      const store = await services.store();
      const settings = services.settings();
      let cancelled: AbortSignal | undefined;
      let result: Awaited<ReturnType<typeof exportDataset>>;
      try {
        result = await withCancellableProgress(
          { title: `Alignment: exporting the dataset as ${format}` },
          (signal, progress) => {
            cancelled = signal;
            return exportDataset(store, {
              format,
              out,
              taskId: args.taskId,
              force,
              signal,
              onProgress: (n) => progress.report({ message: `${n.toLocaleString()} instances` }),
              // A runnable export calls the model the researcher uses now; the card names the licence they chose.
              provider: { model: settings.model, baseUrl: settings.baseUrl || undefined },
              license: setting('export.license').trim() || undefined,
            });
          },
        );
      } catch (e) {
        // Cancelling leaves the earlier file (if any) as it was: the export writes to a temporary file first.
        if (cancelled?.aborted) {
          void vscode.window.showInformationMessage(`Alignment: export cancelled; ${out} was not changed.`);
          return undefined;
        }
        throw e;
      }
      services.logger.info(`Exported ${format} to ${out}: ${JSON.stringify(result.counts)}`);
      for (const c of result.corrupt) services.logger.warn(`${c.file}:${c.line}: not exported (${c.reason})`);
      const skipped = result.corrupt.length ? ` ${result.corrupt.length} unreadable line${result.corrupt.length === 1 ? ' was' : 's were'} left out, as they are in the dataset (file and line in the Output log).` : '';
      // Open works everywhere (Reveal does nothing in the browser VS Code); a folder export is revealed in the Explorer.
      const first = vscode.Uri.file(result.files[0] ?? out);
      const actions = [format === 'hf' ? 'Show in Explorer' : 'Open', 'Reveal', ...(result.corrupt.length ? ['Show Log'] : [])];
      // The command returns with the result; the notification's buttons act whenever they are used.
      void vscode.window.showInformationMessage(`Alignment: exported ${result.counts.records.toLocaleString()} records as ${format} to ${out}.${skipped}`, ...actions).then(async (choice) => {
        if (choice === 'Show Log') showLog();
        if (choice === 'Open') await vscode.window.showTextDocument(first, { preview: false });
        if (choice === 'Show in Explorer') await vscode.commands.executeCommand('revealInExplorer', first);
        if (choice === 'Reveal') await vscode.commands.executeCommand('revealFileInOS', first);
      });
      return result;
    },
    'alignment.importTasks': async (raw) => {
      const file =
        typeof raw === 'string'
          ? raw
          : raw instanceof vscode.Uri
            ? raw.fsPath
            : (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { Markdown: ['md', 'markdown'] }, openLabel: 'Import Tasks' }))?.[0]?.fsPath;
      if (!file) return undefined;
      const markdown = fs.readFileSync(file, 'utf8');
      const parsed = importTasksMarkdown(markdown, file);
      if (!parsed.tasks.length) {
        throw new Error(`${file}: no task found. ${parsed.problems[0] ? `Line ${parsed.problems[0].line}: ${parsed.problems[0].message}` : 'Use headings "Task: …" and "Instance 1" with "Input:" and "Output:".'}`);
      }
      if (parsed.tasks.every((t) => !t.instances.length)) {
        throw new Error(`${file}: ${parsed.tasks.length} task${parsed.tasks.length === 1 ? '' : 's'} but no instance (Input and Output), so nothing was imported.`);
      }
      const store = await services.store();
      const report = await importIntoStore(store, parsed);
      tree.refresh();
      for (const u of parsed.understood) services.logger.info(`Import ${path.basename(file)}: ${u}`);
      for (const p of parsed.problems) services.logger.warn(`${file}:${p.line}: ${p.message}`);
      const summary = `Imported ${parsed.tasks.length} task${parsed.tasks.length === 1 ? '' : 's'} from ${path.basename(file)}${parsed.problems.length ? `; ${parsed.problems.length} part${parsed.problems.length === 1 ? '' : 's'} could not be read (see the log)` : ''}.`;
      void vscode.window.showInformationMessage(`Alignment: ${summary}`);
      return report;
    },
  };
}
