import * as vscode from 'vscode';
import type { HostServices } from './hostServices';
import { OpenAIModelClient } from '../core/model/openaiModelClient';
import { describeError } from '../core/errors';
import { CONFIG_SECTION } from './commandIds';
import { vscodeModelPickItems } from './model/vscodeModels';

type Handler = (...args: unknown[]) => Promise<unknown>;

/** Set API Key, Clear API Key, Select Model. */
export function modelCommands(services: HostServices): Record<'alignment.setApiKey' | 'alignment.clearApiKey' | 'alignment.selectModel', Handler> {
  return {
    'alignment.setApiKey': async (raw) => {
      const given = typeof raw === 'string' ? raw : undefined;
      const key =
        given ??
        (await vscode.window.showInputBox({
          prompt: `API key for ${services.modelLabel()} (stored in VS Code's secret storage, never in settings)`,
          password: true,
          ignoreFocusOut: true,
          placeHolder: 'sk-…',
        }));
      if (!key?.trim()) return false;
      await services.apiKeys.set(key.trim());
      services.logger.info('API key stored in secret storage.');
      if (given === undefined) void vscode.window.showInformationMessage('Alignment: API key saved in secret storage.');
      return true;
    },
    'alignment.clearApiKey': async () => {
      await services.apiKeys.clear();
      void vscode.window.showInformationMessage('Alignment: API key removed from secret storage.');
      return true;
    },
    'alignment.selectModel': async (raw) => {
      const given = typeof raw === 'string' ? raw : undefined;
      let model = given;
      if (!model) {
        const settings = await services.modelSettings();
        const client = new OpenAIModelClient(settings, services.logger);
        let models: string[] = [];
        let problem: string | undefined;
        await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Listing the models at ${services.modelLabel()}…`, cancellable: true },
          async (_p, token) => {
            const abort = new AbortController();
            token.onCancellationRequested(() => abort.abort());
            try {
              models = await client.listModels(abort.signal);
            } catch (e) {
              problem = describeError(e);
            }
          },
        );
        const items: vscode.QuickPickItem[] = models.map((m) => ({ label: m, description: m === settings.model ? 'current' : undefined }));
        items.push(...(await vscodeModelPickItems(services.vscodeModels, settings.model)));
        items.push({ label: '$(edit) Enter a model name…', alwaysShow: true });
        const picked = await vscode.window.showQuickPick(items, {
          placeHolder: problem ? `Could not list models (${problem}). Enter a name instead.` : 'Pick the model to use',
        });
        if (!picked) return undefined;
        model = picked.label.startsWith('$(edit)')
          ? (await vscode.window.showInputBox({ prompt: 'Model name', value: settings.model }))?.trim()
          : ((picked as { setting?: string }).setting ?? picked.label);
      }
      if (!model) return undefined;
      const target = vscode.workspace.workspaceFolders ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
      await vscode.workspace.getConfiguration(CONFIG_SECTION).update('model', model, target);
      services.shell.status.update();
      return model;
    },
  };
}
