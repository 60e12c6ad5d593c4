import * as vscode from 'vscode';

const KEY = 'alignment.apiKey';

/** The API key in SecretStorage: never in settings, logs or datasets. */
export class ApiKeyStore {
  private cached: string | undefined;
  private loaded = false;

  constructor(private readonly secrets: vscode.SecretStorage) {
    secrets.onDidChange((e) => {
      if (e.key === KEY) this.loaded = false;
    });
  }

  async get(): Promise<string | undefined> {
    if (!this.loaded) {
      this.cached = (await this.secrets.get(KEY)) || undefined;
      this.loaded = true;
    }
    return this.cached;
  }

  /** Known secrets, for redaction of log lines. */
  known(): string[] {
    return this.cached ? [this.cached] : [];
  }

  async set(value: string): Promise<void> {
    await this.secrets.store(KEY, value);
    this.cached = value;
    this.loaded = true;
  }

  async clear(): Promise<void> {
    await this.secrets.delete(KEY);
    this.cached = undefined;
    this.loaded = true;
  }
}
