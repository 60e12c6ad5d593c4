import * as vscode from 'vscode';
import * as path from 'node:path';
import { CONFIG_SECTION } from './commandIds';
import { SETTING_DEFAULTS, type SettingKey, type SettingValue } from '../core/settingDefaults';

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

/** One setting, with its default from the table the CLI shares (core/settingDefaults.ts). */
export function setting<K extends SettingKey>(key: K): SettingValue<K> {
  return vscode.workspace.getConfiguration(CONFIG_SECTION).get<SettingValue<K>>(key, SETTING_DEFAULTS[key] as SettingValue<K>);
}

export function readSettings(): AssistantSettings {
  return {
    baseUrl: setting('baseUrl').trim(),
    model: setting('model').trim(),
    temperature: setting('temperature'),
    maxTokens: setting('maxTokens'),
    timeoutSeconds: setting('requestTimeoutSeconds'),
    maxRetries: setting('maxRetries'),
    maxAnswerSeconds: setting('maxAnswerSeconds'),
    maxAnswerChars: setting('maxAnswerChars'),
    datasetFolder: setting('datasetFolder').trim() || SETTING_DEFAULTS.datasetFolder,
    passageBudgetTokens: setting('passageBudgetTokens'),
    fewShotEnabled: setting('fewShot.enabled'),
    fewShotBudgetTokens: setting('fewShot.budgetTokens'),
    libraryFolder: setting('library.folder').trim(),
    embeddingModel: setting('embeddingModel').trim(),
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
