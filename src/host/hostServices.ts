import * as vscode from 'vscode';
import * as path from 'node:path';
import type { Logger } from '../core/ports';
import type { ModelClient, ModelSettings } from '../core/model/modelTypes';
import type { LoadedTask, TaskSpec } from '../core/tasks/taskTypes';
import type { SessionInput } from '../core/assistant/researchSession';
import type { PromptExample } from '../core/prompts/promptBuilder';
import { ResearchSession } from '../core/assistant/researchSession';
import { DatasetStore } from '../core/dataset/datasetStore';
import { loadTasks } from '../core/tasks/taskRegistry';
import { BUILTIN_TASKS } from '../core/tasks/builtinTasks';
import { OpenAIModelClient } from '../core/model/openaiModelClient';
import { DEFAULT_BASE_URL } from '../core/model/modelTypes';
import { isModelConfigured, endpointLabel } from '../core/model/modelConfig';
import { workedExamples } from '../core/dataset/workedExamples';
import { SourceCache } from '../core/sources/sourceCache';
import { AlignError } from '../core/errors';
import { ApiKeyStore } from './model/apiKeyStore';
import { readSettings, resolveDatasetRoot, type AssistantSettings } from './settings';
import { VscodeModels, isVscodeModelSetting } from './model/vscodeModels';
import { VscodeLmClient } from './model/vscodeLmClient';

/** What the services need from the extension's context, and nothing more. */
export interface HostEnvironment {
  secrets: vscode.SecretStorage;
  /** The extension's private storage (the dataset with no folder open, the source cache, arXiv downloads). */
  globalStorageUri: vscode.Uri;
  extensionUri: vscode.Uri;
  /** package.json's version (the MCP server reports it). */
  extensionVersion: string;
  /** This workspace's memory (draft critique decisions survive a re-run and a reload). */
  workspaceState: vscode.Memento;
}

/**
 * The host's shared services: settings, secrets, the dataset, tasks and the model, each read
 * fresh when settings change. Commands and views get this object instead of globals.
 */
export class HostServices implements vscode.Disposable {
  readonly apiKeys: ApiKeyStore;
  readonly sourceCache: SourceCache;
  /** VS Code's own language models (Copilot, provider extensions): a second model source. */
  readonly vscodeModels: VscodeModels;
  private storeCache?: { root: string; linkedRoot: 'allow' | 'refuse'; store: DatasetStore };
  private tasksWarned = false;
  /** Parts made on first use (the window's library) that go when the services go. */
  private readonly owned: vscode.Disposable[] = [];

  constructor(
    readonly env: HostEnvironment,
    readonly logger: Logger,
  ) {
    this.apiKeys = new ApiKeyStore(env.secrets);
    this.sourceCache = new SourceCache(path.join(env.globalStorageUri.fsPath, 'sources'));
    this.vscodeModels = new VscodeModels(logger);
  }

  get globalStoragePath(): string {
    return this.env.globalStorageUri.fsPath;
  }

  /** Disposes `d` with the services. */
  own<T extends vscode.Disposable>(d: T): T {
    this.owned.push(d);
    return d;
  }

  dispose(): void {
    for (const d of this.owned.splice(0)) d.dispose();
    this.vscodeModels.dispose();
  }

  settings(): AssistantSettings {
    return readSettings();
  }

  datasetRoot(): { root: string; inWorkspace: boolean } {
    return resolveDatasetRoot(this.settings(), this.env.globalStorageUri);
  }

  async store(): Promise<DatasetStore> {
    const { root, inWorkspace } = this.datasetRoot();
    // An untrusted repository's own alignment-tasks may be a link to anywhere on the disk.
    const linkedRoot = vscode.workspace.isTrusted || !inWorkspace ? 'allow' : 'refuse';
    if (this.storeCache?.root !== root || this.storeCache.linkedRoot !== linkedRoot) this.storeCache = { root, linkedRoot, store: new DatasetStore(root, { linkedRoot }) };
    return this.storeCache.store;
  }

  /**
   * Built-in and workspace tasks. In an untrusted workspace the workspace's task files (which
   * carry prompts) are not used, and the researcher is told why once.
   */
  async tasks(): Promise<LoadedTask[]> {
    if (!vscode.workspace.isTrusted) {
      if (!this.tasksWarned) {
        this.tasksWarned = true;
        void vscode.window.showWarningMessage(
          'Alignment: this workspace is not trusted, so its task definitions (alignment-tasks/*/task.json) are ignored and only built-in tasks are offered. Trust the workspace to use them.',
        );
      }
      return BUILTIN_TASKS.map((t) => ({ ...t, origin: 'builtin' as const }));
    }
    const { tasks, problems } = await loadTasks(this.datasetRoot().root);
    for (const p of problems) {
      this.logger.warn(p.message);
    }
    if (problems.length && !this.tasksWarned) {
      this.tasksWarned = true;
      void vscode.window.showWarningMessage(`Alignment: ${problems[0].display}${problems.length > 1 ? ` (and ${problems.length - 1} more; see the log)` : ''}`);
    }
    return tasks;
  }

  async task(id: string): Promise<LoadedTask> {
    const t = (await this.tasks()).find((x) => x.id === id);
    if (!t) throw new AlignError(`There is no task "${id}".`, 'no-task', 'Run "Alignment: Run Task…" to see the tasks there are.');
    return t;
  }

  async modelSettings(): Promise<ModelSettings> {
    const s = this.settings();
    return {
      baseURL: s.baseUrl || DEFAULT_BASE_URL,
      model: s.model,
      apiKey: await this.apiKeys.get(),
      temperature: s.temperature,
      maxTokens: s.maxTokens,
      timeoutMs: Math.max(1, s.timeoutSeconds) * 1000,
      maxRetries: s.maxRetries,
      maxAnswerMs: Math.max(1, s.maxAnswerSeconds) * 1000,
      maxAnswerChars: Math.max(1, Math.floor(s.maxAnswerChars)),
      embeddingModel: s.embeddingModel,
    };
  }

  /**
   * The configured model: a VS Code model when Select Model chose one (`vscode:<vendor>/<id>`),
   * else the endpoint when it is usable, else the first model VS Code offers (no key needed);
   * undefined when there is none.
   */
  async model(): Promise<ModelClient | undefined> {
    const settings = await this.modelSettings();
    if (isVscodeModelSetting(settings.model)) return this.vscodeModels.client(settings, false);
    if (isModelConfigured(settings)) return new OpenAIModelClient(settings, this.logger);
    return this.vscodeModels.client(settings, true);
  }

  /** For the panel header: the model and endpoint, or that none is configured. */
  modelLabel(): string {
    const s = this.settings();
    if (isVscodeModelSetting(s.model)) return `${s.model.slice(s.model.indexOf('/') + 1)} · VS Code`;
    if (this.modelConfigured()) return `${s.model} · ${endpointLabel(s.baseUrl || DEFAULT_BASE_URL)}`;
    // No usable endpoint: a model VS Code offers answers instead, when there is one.
    const vs = this.vscodeModels.cached();
    if (vs.length) return `${vs[0].name} · VS Code (${vs[0].vendor})`;
    if (!s.model) return 'no model configured';
    return `no model configured (${s.model} · ${endpointLabel(s.baseUrl || DEFAULT_BASE_URL)} needs an API key)`;
  }

  /** Whether the endpoint can be asked (the key as last read: call `apiKeys.get()` first for a fresh answer). */
  modelConfigured(): boolean {
    const s = this.settings();
    return isModelConfigured({ baseURL: s.baseUrl || DEFAULT_BASE_URL, model: s.model, apiKey: this.apiKeys.known()[0], timeoutMs: 1, maxRetries: 0 });
  }

  /** A session wired to the current model, few-shot examples from the dataset and budgets. */
  async newSession(input: SessionInput): Promise<ResearchSession> {
    const s = this.settings();
    const model = await this.model();
    return new ResearchSession(input, {
      model,
      passageBudgetTokens: model instanceof VscodeLmClient ? passageBudgetFor(model, s.passageBudgetTokens, s.fewShotBudgetTokens) : s.passageBudgetTokens,
      logger: this.logger,
      examples: s.fewShotEnabled ? () => this.examplesFor(input.task, s.fewShotBudgetTokens) : undefined,
    });
  }

  private async examplesFor(task: TaskSpec, budgetTokens: number): Promise<PromptExample[]> {
    // In restricted mode a dataset inside the workspace was written by the repository's author.
    const datasetTrusted = vscode.workspace.isTrusted || !this.datasetRoot().inWorkspace;
    return workedExamples(await this.store(), task.id, { budgetTokens, datasetTrusted });
  }
}

/**
 * Passages for a VS Code model: the setting, but never more than its own input limit leaves after
 * the worked examples and room for the instructions and the dialogue (a quarter of the limit).
 */
export function passageBudgetFor(model: { maxInputTokens: number }, setting: number, fewShotBudget: number): number {
  if (!(model.maxInputTokens > 0)) return setting;
  return Math.max(500, Math.min(setting, Math.floor(model.maxInputTokens * 0.75) - fewShotBudget));
}
