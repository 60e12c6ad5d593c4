import * as vscode from 'vscode';
import type { ModelSettings } from '../../core/model/modelTypes';
import type { Logger } from '../../core/ports';
import { VscodeLmClient } from './vscodeLmClient';

/**
 * `alignment.model` names a VS Code model as `vscode:<vendor>/<id>` (what Select Model writes);
 * any other value is a model of the OpenAI-compatible endpoint.
 */
export const VSCODE_MODEL_PREFIX = 'vscode:';

export function isVscodeModelSetting(model: string): boolean {
  return model.startsWith(VSCODE_MODEL_PREFIX);
}

export function vscodeModelSetting(m: Pick<vscode.LanguageModelChat, 'vendor' | 'id'>): string {
  return `${VSCODE_MODEL_PREFIX}${m.vendor}/${m.id}`;
}

function parseSetting(model: string): { vendor: string; id: string } | undefined {
  const rest = model.slice(VSCODE_MODEL_PREFIX.length);
  const slash = rest.indexOf('/');
  return slash > 0 ? { vendor: rest.slice(0, slash), id: rest.slice(slash + 1) } : undefined;
}

/** VS Code's models, remembered between calls so labels can be synchronous. */
export class VscodeModels implements vscode.Disposable {
  private known: vscode.LanguageModelChat[] = [];
  private readonly sub: vscode.Disposable;

  constructor(private readonly logger: Logger) {
    this.sub = vscode.lm.onDidChangeChatModels(() => void this.refresh());
    // Resolving the models once early also avoids the chat's "Language model unavailable" on a
    // first request (see docs/ARCHITECTURE.md, VS Code's AI).
    void this.refresh();
  }

  async refresh(): Promise<vscode.LanguageModelChat[]> {
    try {
      this.known = await vscode.lm.selectChatModels();
    } catch (e) {
      this.logger.warn(`Could not list VS Code's language models: ${String(e)}`);
      this.known = [];
    }
    return this.known;
  }

  /** The last list seen, for labels. */
  cached(): readonly vscode.LanguageModelChat[] {
    return this.known;
  }

  /** The model the setting names, or (with `fallback`) the first VS Code offers. */
  async pick(modelSetting: string, fallback: boolean): Promise<vscode.LanguageModelChat | undefined> {
    if (isVscodeModelSetting(modelSetting)) {
      const want = parseSetting(modelSetting);
      if (!want) return undefined;
      const [m] = await vscode.lm.selectChatModels({ vendor: want.vendor, id: want.id });
      return m;
    }
    if (!fallback) return undefined;
    const all = await this.refresh();
    return all[0];
  }

  /** A client for the model the settings name, or the first VS Code model when `fallback`. */
  async client(settings: ModelSettings, fallback: boolean): Promise<VscodeLmClient | undefined> {
    const m = await this.pick(settings.model, fallback);
    return m ? VscodeLmClient.forModel(m, settings, this.logger) : undefined;
  }

  dispose(): void {
    this.sub.dispose();
  }
}

/** Quick-pick items for Select Model: VS Code's models, each carrying the setting value it writes. */
export async function vscodeModelPickItems(models: VscodeModels, current: string): Promise<(vscode.QuickPickItem & { setting: string })[]> {
  const list = await models.refresh();
  if (!list.length) return [];
  return [
    { label: "VS Code's models", kind: vscode.QuickPickItemKind.Separator, setting: '' },
    ...list.map((m) => {
      const setting = vscodeModelSetting(m);
      return { label: m.name, description: `${m.vendor} · ${m.id}${setting === current ? ' · current' : ''}`, detail: `Answered by VS Code (no API key); up to ${m.maxInputTokens} input tokens`, setting };
    }),
  ];
}
