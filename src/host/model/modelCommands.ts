import * as vscode from 'vscode';
import { QuickSteps } from './quickSteps';
import type { HostServices } from '../hostServices';
import type { CommandTable } from '../commandTable';
import { withCancellableProgress } from '../cancellation';
import { OpenAIModelClient } from '../../core/model/openaiModelClient';
import { describeError } from '../../core/errors';
import { endpointLabel, endpointNeedsKey, normaliseBaseUrl } from '../../core/model/modelConfig';
import { CONFIG_SECTION } from '../commandIds';
import { vscodeModelPickItems } from './vscodeModels';

/** Providers offered by Configure Model…, with the base URL each usually has. */
const PROVIDERS: { label: string; baseUrl: string; detail: string }[] = [
  { label: 'OpenAI', baseUrl: '', detail: 'https://api.openai.com/v1 · needs an API key' },
  { label: 'Azure OpenAI', baseUrl: 'https://RESOURCE.openai.azure.com/openai/v1', detail: 'your resource name in the URL · needs an API key' },
  { label: 'Ollama', baseUrl: 'http://localhost:11434/v1', detail: 'local · no key' },
  { label: 'vLLM', baseUrl: 'http://localhost:8000/v1', detail: 'local or remote · key as configured' },
  { label: 'LM Studio', baseUrl: 'http://localhost:1234/v1', detail: 'local · no key' },
  { label: 'LiteLLM proxy', baseUrl: 'http://localhost:4000', detail: 'key as configured' },
  { label: 'Other OpenAI-compatible endpoint', baseUrl: '', detail: 'type its base URL' },
];

/** The models an endpoint lists, or why it could not (then the researcher types a name). */
async function listModelsAt(services: HostServices, baseURL: string, apiKey: string | undefined): Promise<{ models: string[]; problem?: string }> {
  const settings = { ...(await services.modelSettings()), baseURL, apiKey };
  const client = new OpenAIModelClient(settings, services.logger);
  return withCancellableProgress({ title: `Listing the models at ${endpointLabel(baseURL)}…` }, async (signal) => {
    try {
      return { models: await client.listModels(signal) };
    } catch (e) {
      return { models: [], problem: describeError(e) };
    }
  });
}

/** Picks a model from `models`, or lets the researcher type one; undefined when they give up. */
async function pickModel(models: string[], current: string, problem: string | undefined, title = 'Select Model', vscodeItems: vscode.QuickPickItem[] = [], flow?: QuickSteps): Promise<string | undefined> {
  const steps = flow ?? new QuickSteps();
  try {
    return await pickModelIn(steps, models, current, problem, title, vscodeItems);
  } finally {
    if (!flow) steps.dispose();
  }
}

async function pickModelIn(steps: QuickSteps, models: string[], current: string, problem: string | undefined, title: string, vscodeItems: vscode.QuickPickItem[]): Promise<string | undefined> {
  const items: vscode.QuickPickItem[] = models.map((m) => ({ label: m, description: m === current ? 'current' : undefined }));
  // VS Code's own models (Copilot, provider extensions) carry the setting value that selects them.
  items.push(...vscodeItems);
  items.push({ label: '$(edit) Enter a model name…', alwaysShow: true });
  const picked = await steps.pick(items, {
    title,
    placeholder: problem ? `Could not list models (${problem}). Enter a name instead.` : 'Pick the model to use',
  });
  if (!picked) return undefined;
  if (!picked.label.startsWith('$(edit)')) return (picked as { setting?: string }).setting ?? picked.label;
  return (await steps.input({ title, prompt: 'Model name', value: current }))?.trim() || undefined;
}

/** Writes a setting to the user's settings, and says so when the workspace overrides it. */
async function writeUserSetting(key: 'baseUrl' | 'model', value: string): Promise<string | undefined> {
  const config = vscode.workspace.getConfiguration(CONFIG_SECTION);
  // User settings: a model choice belongs to the researcher, not to the repository's .vscode/settings.json.
  await config.update(key, value, vscode.ConfigurationTarget.Global);
  const seen = config.inspect<string>(key);
  if (seen?.workspaceFolderValue !== undefined || seen?.workspaceValue !== undefined) {
    return `This workspace's settings set alignment.${key} too, and override yours there.`;
  }
  return undefined;
}

export interface ModelCommandDeps {
  services: HostServices;
  /** The status bar item naming the model, told when a command changed it. */
  status: { update(): void };
}

/** Configure Model, Set API Key, Clear API Key, Select Model. */
export function modelCommands({ services, status }: ModelCommandDeps): CommandTable<'alignment.setApiKey' | 'alignment.clearApiKey' | 'alignment.selectModel' | 'alignment.configureModel'> {
  /** Provider preset → base URL → model from the endpoint's /models → key, as one multi-step input; user settings. */
  async function configureModel(steps: QuickSteps): Promise<{ baseUrl: string; model: string } | undefined> {
    const title = 'Configure Model';
    const current = services.settings();
    const provider = await steps.pick(
      PROVIDERS.map((p) => ({ label: p.label, detail: p.detail, preset: p })),
      { title: `${title} (1/4): provider`, placeholder: 'Which kind of endpoint answers?' },
    );
    if (!provider) return undefined;
    const isOpenAI = provider.label === 'OpenAI';
    const typed = isOpenAI
      ? ''
      : await steps.input({
          title: `${title} (2/4): base URL`,
          prompt: `Base URL of the ${provider.label} endpoint (OpenAI-compatible servers usually end in /v1)`,
          value: provider.preset.baseUrl || current.baseUrl,
          validate: (v) => {
            try {
              new URL(normaliseBaseUrl(v));
              return v.trim() ? undefined : 'Type the endpoint address, e.g. http://localhost:8000/v1';
            } catch {
              return 'Not a URL, e.g. http://localhost:8000/v1';
            }
          },
        });
    if (typed === undefined) return undefined;
    const baseUrl = typed.trim() ? normaliseBaseUrl(typed) : '';
    const baseURL = normaliseBaseUrl(baseUrl);
    const needsKey = endpointNeedsKey(baseURL);
    const stored = await services.apiKeys.get();
    // A hosted endpoint lists its models only with a key: ask for it before listing.
    let key: string | undefined;
    const askKey = async (step: string) =>
      steps.input({
        title: `${title} (${step}): API key`,
        prompt: needsKey
          ? `API key for ${endpointLabel(baseURL)} (kept in VS Code's secret storage, never in settings)${stored ? '. Leave empty to keep the stored key.' : ''}`
          : `API key for ${endpointLabel(baseURL)}, if it needs one (kept in secret storage). Leave empty for none${stored ? ' or to keep the stored key' : ''}.`,
        password: true,
        placeholder: needsKey ? 'sk-…' : '(none)',
      });
    if (needsKey && !stored) {
      key = await askKey('3/4');
      if (key === undefined) return undefined;
      key = key.trim() || undefined;
    }
    const { models, problem } = await listModelsAt(services, baseURL, key ?? stored);
    const model = await pickModel(models, current.model, problem, `${title} (${needsKey && !stored ? '4/4' : '3/4'}): model`, [], steps);
    if (!model) return undefined;
    if (!(needsKey && !stored)) {
      const more = await askKey('4/4');
      if (more === undefined) return undefined;
      key = more.trim() || undefined;
    }
    // The key first, then the settings: open panels follow both and end on the complete set-up.
    if (key) await services.apiKeys.set(key);
    const warnings = [await writeUserSetting('baseUrl', baseUrl), await writeUserSetting('model', model)].filter((w): w is string => !!w);
    status.update();
    services.logger.info(`Configured ${model} at ${endpointLabel(baseURL)} (user settings)`);
    void vscode.window.showInformationMessage(`Alignment: answers now come from ${model} at ${endpointLabel(baseURL)}.${warnings.length ? ` ${warnings.join(' ')}` : ''}`);
    return { baseUrl, model };
  }

  return {
    /** Provider preset → base URL → model from the endpoint's /models → key; user settings. */
    'alignment.configureModel': async () => {
      const steps = new QuickSteps();
      try {
        return await configureModel(steps);
      } finally {
        steps.dispose();
      }
    },
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
        const { models, problem } = await listModelsAt(services, settings.baseURL, settings.apiKey);
        model = await pickModel(models, settings.model, problem, undefined, await vscodeModelPickItems(services.vscodeModels, settings.model));
      }
      if (!model) return undefined;
      const warning = await writeUserSetting('model', model);
      if (warning) void vscode.window.showWarningMessage(`Alignment: ${warning}`);
      status.update();
      return model;
    },
  };
}
