import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { untrustedMarkdown } from '../untrustedMarkdown';
import type { HostServices } from '../hostServices';
import type { LoadedTask } from '../../core/tasks/taskTypes';
import type { TaskInstance } from '../../core/dataset/instanceTypes';
import type { DatasetStore } from '../../core/dataset/datasetStore';
import { INSTANCE_GUIDANCE } from '../../core/tasks/taskTypes';
import { describeError } from '../../core/errors';
import { knowledgeCutoffProblem, newTaskSpec, suggestTaskId, taskIdProblem } from '../../core/tasks/newTask';

/** Nodes of the Tasks & Dataset view: plain data, kept apart from TreeItem. */
export type DatasetNode =
  | { kind: 'task'; task: LoadedTask; count: number; corrupt: number }
  | { kind: 'instance'; task: LoadedTask; instance: TaskInstance }
  | { kind: 'problem'; message: string; file?: string; line?: number }
  | { kind: 'more'; message: string; file: string };

/** A task lists its newest instances; the rest stay in the file (a tree of 100,000 rows helps no one). */
const SHOWN_INSTANCES = 500;

/** A task's counts as last read, with the size and modification time of instances.jsonl then. */
interface CountsSeen {
  size: number;
  mtimeMs: number;
  count: number;
  corrupt: number;
}

/**
 * Tasks (built-in and workspace) with their instance counts against the 2–20 guidance, and the
 * instances under each. Refreshes when files under the dataset folder change on disk.
 */
export class DatasetTreeProvider implements vscode.TreeDataProvider<DatasetNode>, vscode.Disposable {
  private watcher?: vscode.FileSystemWatcher;
  private watchedRoot?: string;
  private timer?: NodeJS.Timeout;
  private readonly seen = new Map<string, CountsSeen>();

  constructor(
    private readonly services: HostServices,
    private readonly fireChanged: () => void,
  ) {}

  refresh(): void {
    // Several files change at once on a save or a git pull: refresh once.
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fireChanged(), 150);
  }

  private watch(root: string): void {
    if (this.watchedRoot === root) return;
    this.watcher?.dispose();
    this.watchedRoot = root;
    this.watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(root), '**/*.{json,jsonl}'));
    const r = () => this.refresh();
    this.watcher.onDidChange(r);
    this.watcher.onDidCreate(r);
    this.watcher.onDidDelete(r);
  }

  async getChildren(node?: DatasetNode): Promise<DatasetNode[]> {
    try {
      const store = await this.services.store();
      if (!node) {
        this.watch(this.services.datasetRoot().root);
        const tasks = await this.services.tasks();
        return Promise.all(
          tasks.map(async (task): Promise<DatasetNode> => {
            try {
              const { count, corrupt } = await this.counts(store, task.id);
              return { kind: 'task' as const, task, count, corrupt };
            } catch (e) {
              // One task's refused file (a link out of the folder) is its own problem, not the whole view's.
              return { kind: 'problem', message: describeError(e) };
            }
          }),
        );
      }
      if (node.kind === 'task') {
        // Read when the task is expanded, and only its newest instances, each from its own line.
        const { instances, total, corrupt, corruptCount } = await store.recentInstances(node.task.id, SHOWN_INSTANCES);
        const problems: DatasetNode[] = corrupt.map((c) => ({
          kind: 'problem',
          message: `Line ${c.line} cannot be read: ${c.reason}`,
          file: c.file,
          line: c.line,
        }));
        if (corruptCount > corrupt.length) problems.push({ kind: 'more', message: `${corruptCount - corrupt.length} more unreadable lines`, file: store.instancesPath(node.task.id) });
        const older: DatasetNode[] =
          total > instances.length ? [{ kind: 'more', message: `${(total - instances.length).toLocaleString()} older instances in instances.jsonl`, file: store.instancesPath(node.task.id) }] : [];
        return [...problems, ...older, ...instances.map((instance) => ({ kind: 'instance' as const, task: node.task, instance }))];
      }
      return [];
    } catch (e) {
      return [{ kind: 'problem', message: describeError(e) }];
    }
  }

  /**
   * A task's counts: unchanged while instances.jsonl keeps its size and modification time (a
   * refresh after a save elsewhere re-reads only the task that changed), else from its summary.
   */
  private async counts(store: DatasetStore, taskId: string): Promise<{ count: number; corrupt: number }> {
    const file = store.instancesPath(taskId);
    const st = await fs.promises.lstat(file).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return undefined;
      throw e;
    });
    const before = this.seen.get(taskId);
    if (st && before && before.size === st.size && before.mtimeMs === st.mtimeMs) return before;
    const { count, corruptCount } = await store.instanceCounts(taskId);
    if (st) this.seen.set(taskId, { size: st.size, mtimeMs: st.mtimeMs, count, corrupt: corruptCount });
    else this.seen.delete(taskId);
    return { count, corrupt: corruptCount };
  }

  getTreeItem(node: DatasetNode): vscode.TreeItem {
    switch (node.kind) {
      case 'task': {
        const item = new vscode.TreeItem(node.task.title, vscode.TreeItemCollapsibleState.Collapsed);
        const outside = node.count < INSTANCE_GUIDANCE.min || node.count > INSTANCE_GUIDANCE.max;
        item.description = `${node.count} instance${node.count === 1 ? '' : 's'}${outside ? ` (aim for ${INSTANCE_GUIDANCE.min}–${INSTANCE_GUIDANCE.max})` : ''}${node.corrupt ? ` · ${node.corrupt} unreadable` : ''}`;
        item.tooltip = untrustedMarkdown(
          `**${node.task.title}** (\`${node.task.id}\`, ${node.task.origin})\n\n${node.task.context}\n\n*Input:* ${node.task.inputType}\n\n*Output:* ${node.task.outputType}`,
        );
        item.iconPath = new vscode.ThemeIcon(outside ? 'warning' : 'checklist');
        item.contextValue = node.task.origin === 'workspace' ? 'alignmentTask.workspace' : 'alignmentTask.builtin';
        item.id = `task:${node.task.id}`;
        return item;
      }
      case 'instance': {
        const inst = node.instance;
        const label = firstLine(inst.input.dialogue.filter((d) => d.role === 'researcher').pop()?.content ?? inst.input.text ?? inst.output);
        const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
        item.description = `${inst.createdAt.slice(0, 10)}${inst.originalOutput ? ' · edited' : ''}${inst.rating ? ` · ${inst.rating.value}` : ''}`;
        item.tooltip = untrustedMarkdown(`**Output**\n\n${inst.output.slice(0, 600)}`);
        item.iconPath = new vscode.ThemeIcon(inst.rating?.value === 'bad' ? 'thumbsdown' : inst.rating?.value === 'good' ? 'thumbsup' : 'note');
        item.contextValue = 'alignmentInstance';
        item.id = `instance:${inst.taskId}:${inst.id}`;
        item.command = { command: 'alignment.dataset.openInstance', title: 'Open Instance', arguments: [node] };
        return item;
      }
      case 'more': {
        const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.tooltip = node.file;
        item.command = { command: 'vscode.open', title: 'Open File', arguments: [vscode.Uri.file(node.file)] };
        return item;
      }
      case 'problem': {
        const item = new vscode.TreeItem(node.message, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('error');
        item.tooltip = node.file ? `${node.file}:${node.line}` : node.message;
        if (node.file) {
          item.command = {
            command: 'vscode.open',
            title: 'Open File',
            arguments: [vscode.Uri.file(node.file), { selection: new vscode.Range((node.line ?? 1) - 1, 0, (node.line ?? 1) - 1, 0) }],
          };
        }
        return item;
      }
    }
  }

  /** New Task…: asks for the parts of a task spec and writes task.json. */
  async newTask(): Promise<string | undefined> {
    const ask = (prompt: string, placeHolder?: string, validate?: (v: string) => string | undefined) =>
      vscode.window.showInputBox({ prompt, placeHolder, ignoreFocusOut: true, validateInput: validate });
    const title = await ask('Task title', 'e.g. Find counterexamples to a proposed alignment scheme');
    if (!title) return undefined;
    const id = await vscode.window.showInputBox({ prompt: 'Task id (folder name)', value: suggestTaskId(title), validateInput: taskIdProblem });
    if (!id) return undefined;
    const context = await ask('Context: who uses this task, doing what?', 'A researcher reading a paper wants…');
    if (context === undefined) return undefined;
    const inputType = await ask('Input type', 'e.g. A description of an alignment proposal');
    if (inputType === undefined) return undefined;
    const outputType = await ask('Output type', 'e.g. A list of concrete ways it could fail');
    if (outputType === undefined) return undefined;
    const knowledgeCutoff = await ask('Knowledge cut-off date (optional, YYYY-MM-DD)', '2022-06-30', knowledgeCutoffProblem);
    if (knowledgeCutoff === undefined) return undefined;
    const excludedDocuments = await ask('Documents to exclude (optional, separated by ;)', 'e.g. arXiv 2212.03827; Eliciting latent knowledge report');
    if (excludedDocuments === undefined) return undefined;
    const spec = newTaskSpec({ id, title, context, inputType, outputType, knowledgeCutoff, excludedDocuments });
    const store = await this.services.store();
    const file = await store.writeTaskSpec(spec);
    this.refresh();
    await vscode.window.showTextDocument(vscode.Uri.file(file));
    return file;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.watcher?.dispose();
  }
}

function firstLine(s: string): string {
  const line = s.replace(/^>\s?/gm, '').trim().split('\n')[0] ?? '';
  return line.length > 80 ? `${line.slice(0, 77)}…` : line || '(empty)';
}
