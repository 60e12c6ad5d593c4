import * as vscode from 'vscode';
import { CONFIG_SECTION } from './commandIds';

/** The status bar entry naming the model; clicking it lists the endpoint's models. Cheap: config only. */
export class ModelStatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('alignment.model', vscode.StatusBarAlignment.Right, 100);
  private readonly listener: vscode.Disposable;

  constructor() {
    this.item.name = 'Alignment: Model';
    this.item.command = 'alignment.selectModel';
    this.update();
    this.item.show();
    this.listener = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(CONFIG_SECTION)) this.update();
    });
  }

  /** `detail` overrides the tooltip, e.g. "no API key set". */
  update(detail?: string): void {
    const cfg = vscode.workspace.getConfiguration(CONFIG_SECTION);
    const model = cfg.get<string>('model') || 'no model';
    const baseUrl = cfg.get<string>('baseUrl') || 'https://api.openai.com/v1';
    this.item.text = `$(sparkle) ${model}`;
    this.item.tooltip = detail ?? `Alignment Research Assistant: ${model} at ${baseUrl}. Click to pick another model.`;
  }

  dispose(): void {
    this.listener.dispose();
    this.item.dispose();
  }
}
