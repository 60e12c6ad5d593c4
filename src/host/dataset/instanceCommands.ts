import * as vscode from 'vscode';
import type { HostServices } from '../hostServices';
import type { CommandTable } from '../commandTable';
import type { DatasetNode, DatasetTreeProvider } from './datasetTree';
import type { TaskInstance } from '../../core/dataset/instanceTypes';
import { renderInstanceInput, renderInstanceOutput } from '../../core/exports/instanceMarkdown';

type InstanceNode = Extract<DatasetNode, { kind: 'instance' }>;

export const INSTANCE_SCHEME = 'alignment-instance';

/** The id of the saved instance an opened instance document (`alignment-instance:/task/id/part`) shows. */
export function instanceIdOf(uri: vscode.Uri | undefined): string | undefined {
  if (uri?.scheme !== INSTANCE_SCHEME) return undefined;
  const id = uri.path.split('/')[2];
  return id || undefined;
}

function isInstanceNode(x: unknown): x is InstanceNode {
  return typeof x === 'object' && x !== null && (x as DatasetNode).kind === 'instance';
}

/** Read-only documents for an instance's input and output, built on demand from the dataset. */
export class InstanceDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly services: HostServices) {}
  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const [, taskId, id, part] = uri.path.split('/');
    const store = await this.services.store();
    const inst = (await store.readInstances(taskId)).instances.find((i) => i.id === id);
    if (!inst) return `Instance ${id} of ${taskId} no longer exists.`;
    return part === 'input.md' ? renderInstanceInput(inst) : renderInstanceOutput(inst);
  }
}

type InstanceCommandId =
  | 'alignment.dataset.refresh'
  | 'alignment.dataset.openInstance'
  | 'alignment.dataset.editInstance'
  | 'alignment.dataset.deleteInstance'
  | 'alignment.dataset.revealInstance'
  | 'alignment.dataset.openTaskSpec'
  | 'alignment.newTask';

export interface InstanceCommandDeps {
  services: HostServices;
  tree: DatasetTreeProvider;
}

/**
 * Commands of the Tasks & Dataset view. They open instances as `alignment-instance:` documents,
 * which the composition root serves with `InstanceDocuments`.
 */
export function instanceCommands({ services, tree }: InstanceCommandDeps): CommandTable<InstanceCommandId> {
  const uriFor = (i: TaskInstance, part: string) => vscode.Uri.from({ scheme: INSTANCE_SCHEME, path: `/${i.taskId}/${i.id}/${part}` });
  const need = (raw: unknown): InstanceNode => {
    if (!isInstanceNode(raw)) throw new Error('Pick an instance in the Tasks & Dataset view first.');
    return raw;
  };
  return {
    'alignment.dataset.refresh': async () => tree.refresh(),
    'alignment.newTask': async () => tree.newTask(),
    'alignment.dataset.openInstance': async (raw) => {
      const { instance } = need(raw);
      await vscode.window.showTextDocument(uriFor(instance, 'input.md'), { viewColumn: vscode.ViewColumn.One, preview: true });
      await vscode.window.showTextDocument(uriFor(instance, 'output.md'), { viewColumn: vscode.ViewColumn.Two, preview: true });
    },
    'alignment.dataset.editInstance': async (raw) => {
      const { instance } = need(raw);
      const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: instance.output });
      await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false });
      const choice = await vscode.window.showInformationMessage(`Edit the output of instance ${instance.id}, then save it.`, 'Save Output');
      if (choice !== 'Save Output') return undefined;
      const store = await services.store();
      await store.updateInstance(instance.taskId, instance.id, { output: doc.getText() });
      tree.refresh();
      void vscode.window.showInformationMessage('Alignment: instance updated.');
      return true;
    },
    'alignment.dataset.deleteInstance': async (raw) => {
      const { instance } = need(raw);
      const choice = await vscode.window.showWarningMessage(
        `Delete instance ${instance.id} of "${instance.taskId}"? This removes it from instances.jsonl.`,
        { modal: true },
        'Delete',
      );
      if (choice !== 'Delete') return false;
      const store = await services.store();
      await store.deleteInstance(instance.taskId, instance.id);
      tree.refresh();
      return true;
    },
    'alignment.dataset.revealInstance': async (raw) => {
      const { instance } = need(raw);
      const store = await services.store();
      const file = vscode.Uri.file(store.instancesPath(instance.taskId));
      const doc = await vscode.workspace.openTextDocument(file);
      const line = doc.getText().split('\n').findIndex((l) => l.includes(`"id":"${instance.id}"`));
      await vscode.window.showTextDocument(doc, { selection: new vscode.Range(Math.max(0, line), 0, Math.max(0, line), 0) });
    },
    'alignment.dataset.openTaskSpec': async (raw) => {
      const node = raw as DatasetNode | undefined;
      if (node?.kind !== 'task' || !node.task.specPath) throw new Error('Built-in tasks have no task.json. Use "New Task…" to define your own.');
      await vscode.window.showTextDocument(vscode.Uri.file(node.task.specPath));
    },
  };
}
