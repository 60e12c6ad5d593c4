import * as vscode from 'vscode';
import { CONFIG_SECTION } from '../commandIds';
import { endpointNeedsKey, endpointLabel } from '../../core/model/modelConfig';
import { readSettings } from '../settings';

/** Where the API key is kept in SecretStorage (see ApiKeyStore). */
const API_KEY_SECRET = 'alignment.apiKey';

/**
 * The status bar entry naming the model that will answer, or "No model" when none can (no model
 * name, or no key for an endpoint that needs one). Clicking it configures or picks a model.
 * Cheap: configuration and one secret lookup, no host bundle.
 */
export class ModelStatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('alignment.model', vscode.StatusBarAlignment.Right, 100);
  private readonly listeners: vscode.Disposable[] = [];
  private generation = 0;

  constructor(private readonly secrets?: vscode.SecretStorage) {
    this.item.name = 'Alignment: Model';
    this.item.text = '$(sparkle) …';
    this.update();
    this.item.show();
    this.listeners.push(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(CONFIG_SECTION)) this.update();
      }),
    );
    if (secrets) this.listeners.push(secrets.onDidChange((e) => e.key === API_KEY_SECRET && this.update()));
    // With no usable endpoint a model VS Code offers answers instead: follow that list too.
    this.listeners.push(vscode.lm.onDidChangeChatModels(() => this.update()));
  }

  update(): void {
    const { model, baseUrl } = readSettings();
    const endpoint = endpointLabel(baseUrl);
    const generation = ++this.generation;
    const needsKey = !!model && endpointNeedsKey(baseUrl);
    // A VS Code model chosen in Select Model (`vscode:<vendor>/<id>`) needs no endpoint or key.
    const vscodeModel = model.startsWith('vscode:') ? model.slice(model.indexOf('/') + 1) : undefined;
    void Promise.resolve(needsKey && !vscodeModel && this.secrets ? this.secrets.get(API_KEY_SECRET) : 'not needed').then(
      async (key) => {
        // A later update may have finished first.
        if (generation !== this.generation) return;
        if (vscodeModel) return this.show(`$(sparkle) ${vscodeModel}`, 'alignment.selectModel', `Alignment Research Assistant: answers come from ${vscodeModel}, a model VS Code offers. Click to pick another model.`);
        const ready = !!model && (!needsKey || !!key);
        if (!ready) {
          const offered = await vscode.lm.selectChatModels().then((m) => m[0], () => undefined);
          if (generation !== this.generation) return;
          if (offered) {
            return this.show(`$(sparkle) ${offered.name}`, 'alignment.selectModel', `Alignment Research Assistant: no endpoint is configured, so answers come from ${offered.name} (${offered.vendor}), a model VS Code offers. Click to pick another model.`);
          }
        }
        this.item.text = ready ? `$(sparkle) ${model}` : '$(sparkle) No model';
        this.item.command = ready ? 'alignment.selectModel' : 'alignment.configureModel';
        this.item.tooltip =
          ready
            ? `Alignment Research Assistant: answers come from ${model} at ${endpoint}. Click to pick another model.`
            : `Alignment Research Assistant: no model configured${model ? ` (${endpoint} needs an API key)` : ''}. Click to configure one.`;
      },
      () => undefined,
    );
  }

  private show(text: string, command: string, tooltip: string): void {
    this.item.text = text;
    this.item.command = command;
    this.item.tooltip = tooltip;
  }

  dispose(): void {
    for (const l of this.listeners.splice(0)) l.dispose();
    this.item.dispose();
  }
}
