import * as vscode from 'vscode';

/**
 * A flow of quick inputs (pick, then type, then pick…) shown as VS Code's multi-step pattern: each
 * step replaces the previous one in the same tick. With `showQuickPick` then `showInputBox`, the
 * first closes on accept and focus falls back to the editor or the webview that started the flow
 * before the next one opens, so the next box sometimes appeared without focus (the UI test saw it).
 * Escape, or focus lost for good, ends the flow: the step resolves to undefined.
 */
export class QuickSteps implements vscode.Disposable {
  private current?: vscode.QuickInput;

  pick<T extends vscode.QuickPickItem>(items: readonly T[], o: { title: string; placeholder?: string }): Promise<T | undefined> {
    const qp = vscode.window.createQuickPick<T>();
    qp.title = o.title;
    qp.placeholder = o.placeholder;
    qp.items = items;
    qp.ignoreFocusOut = true;
    return this.run(qp, (done) => [qp.onDidAccept(() => done(qp.selectedItems[0] ?? qp.activeItems[0]))]);
  }

  input(o: { title: string; prompt: string; value?: string; placeholder?: string; password?: boolean; validate?: (v: string) => string | undefined }): Promise<string | undefined> {
    const box = vscode.window.createInputBox();
    box.title = o.title;
    box.prompt = o.prompt;
    box.value = o.value ?? '';
    box.placeholder = o.placeholder;
    box.password = o.password ?? false;
    box.ignoreFocusOut = true;
    return this.run(box, (done) => [
      box.onDidChangeValue((v) => (box.validationMessage = o.validate?.(v))),
      box.onDidAccept(() => {
        const problem = o.validate?.(box.value);
        if (problem) box.validationMessage = problem;
        else done(box.value);
      }),
    ]);
  }

  dispose(): void {
    this.current?.dispose();
    this.current = undefined;
  }

  private run<R>(input: vscode.QuickInput, listen: (done: (r: R | undefined) => void) => vscode.Disposable[]): Promise<R | undefined> {
    return new Promise<R | undefined>((resolve) => {
      let settled = false;
      const subscriptions: vscode.Disposable[] = [];
      const done = (r: R | undefined) => {
        if (settled) return;
        settled = true;
        for (const s of subscriptions) s.dispose();
        resolve(r);
      };
      subscriptions.push(...listen(done), input.onDidHide(() => done(undefined)));
      // The previous step goes in the same tick the next one shows: no gap for focus to move.
      this.current?.dispose();
      this.current = input;
      input.show();
    });
  }
}
