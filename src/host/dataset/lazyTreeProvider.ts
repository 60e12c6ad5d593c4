import * as vscode from 'vscode';

/**
 * The dataset view's provider as registered at activation: it forwards to the real provider,
 * which lives in the host bundle and is loaded when the view first asks for its children.
 */
export class LazyTreeProvider implements vscode.TreeDataProvider<unknown>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<unknown>();
  readonly onDidChangeTreeData = this.changed.event;
  private loader?: () => Promise<vscode.TreeDataProvider<unknown>>;

  setLoader(loader: () => Promise<vscode.TreeDataProvider<unknown>>): void {
    this.loader = loader;
  }

  refresh(element?: unknown): void {
    this.changed.fire(element);
  }

  async getChildren(element?: unknown): Promise<unknown[]> {
    if (!this.loader) return [];
    const real = await this.loader();
    return (await real.getChildren(element)) ?? [];
  }

  async getTreeItem(element: unknown): Promise<vscode.TreeItem> {
    const real = await this.loader!();
    return real.getTreeItem(element);
  }

  async getParent(element: unknown): Promise<unknown> {
    const real = await this.loader!();
    return real.getParent?.(element);
  }

  dispose(): void {
    this.changed.dispose();
  }
}
