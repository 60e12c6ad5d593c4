import * as vscode from 'vscode';
import { startFakeOpenAI, type FakeOpenAI } from '../../support/fakeOpenAIServer';
import type { AssistantApi } from '../../../src/extension';

export const EXTENSION_ID = 'alignment-research.alignment-research-assistant';

/**
 * Starts the local OpenAI-compatible server and points the activated extension at it: base URL,
 * model and API key, as a researcher would set them. Each suite calls it in `before`.
 */
export async function assistantAgainstLocalServer(apiKey: string): Promise<{ server: FakeOpenAI; api: AssistantApi }> {
  const server = await startFakeOpenAI();
  const ext = vscode.extensions.getExtension<AssistantApi>(EXTENSION_ID);
  if (!ext) throw new Error(`${EXTENSION_ID} is not installed in the test host`);
  const api = await ext.activate();
  const config = vscode.workspace.getConfiguration('alignment');
  await config.update('baseUrl', server.url, vscode.ConfigurationTarget.Workspace);
  await config.update('model', 'fake-model', vscode.ConfigurationTarget.Workspace);
  await config.update('requestTimeoutSeconds', 10, vscode.ConfigurationTarget.Workspace);
  await vscode.commands.executeCommand('alignment.setApiKey', apiKey);
  return { server, api };
}

export function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the test host opens a workspace folder');
  return folder.uri.fsPath;
}
