import * as vscode from 'vscode';
import * as path from 'node:path';
import { CONFIG_SECTION } from './commandIds';

/** The extension's settings, typed. Descriptions live in package.json `contributes.configuration`. */
export interface AssistantSettings {
  baseUrl: string;
  model: string;
  temperature: number;
  maxTokens: number;
  timeoutSeconds: number;
  maxRetries: number;
  /** Wall time for one answer, however steadily it streams. */
  maxAnswerSeconds: number;
  /** Characters of one answer; the start is kept past it. */
  maxAnswerChars: number;
  /** Workspace-relative or absolute. */
  datasetFolder: string;
  passageBudgetTokens: number;
  fewShotEnabled: boolean;
  fewShotBudgetTokens: number;
  libraryFolder: string;
  /** Empty: passages are ranked by words alone. */
  embeddingModel: string;
}

export function readSettings(): AssistantSettings {
  const c = vscode.workspace.getConfiguration(CONFIG_SECTION);
  return {
    baseUrl: c.get<string>('baseUrl', '').trim(),
    model: c.get<string>('model', 'gpt-4o-mini').trim(),
    temperature: c.get<number>('temperature', 0.3),
    maxTokens: c.get<number>('maxTokens', 2048),
    timeoutSeconds: c.get<number>('requestTimeoutSeconds', 120),
    maxRetries: c.get<number>('maxRetries', 2),
    maxAnswerSeconds: c.get<number>('maxAnswerSeconds', 600),
    maxAnswerChars: c.get<number>('maxAnswerChars', 200_000),
    datasetFolder: c.get<string>('datasetFolder', 'alignment-tasks').trim() || 'alignment-tasks',
    passageBudgetTokens: c.get<number>('passageBudgetTokens', 12000),
    fewShotEnabled: c.get<boolean>('fewShot.enabled', true),
    fewShotBudgetTokens: c.get<number>('fewShot.budgetTokens', 3000),
    libraryFolder: c.get<string>('library.folder', '').trim(),
    embeddingModel: c.get<string>('embeddingModel', 'text-embedding-3-small').trim(),
  };
}

/**
 * Where instances are saved: the setting, resolved against the first workspace folder. With no
 * folder open the dataset lives in the extension's global storage, so nothing is ever lost.
 */
export function resolveDatasetRoot(settings: AssistantSettings, globalStorage: vscode.Uri): { root: string; inWorkspace: boolean } {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (path.isAbsolute(settings.datasetFolder)) return { root: settings.datasetFolder, inWorkspace: true };
  if (folder && folder.uri.scheme === 'file') return { root: path.join(folder.uri.fsPath, settings.datasetFolder), inWorkspace: true };
  return { root: path.join(globalStorage.fsPath, 'alignment-tasks'), inWorkspace: false };
}
