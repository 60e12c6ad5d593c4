import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { startFakeOpenAI } from '../support/fakeOpenAIServer';
import type { AssistantApi } from '../../src/extension';
import type { AskResult } from '../../src/host/conversation/askCommands';

// Figures for `npm run bench` (bench/host.bench.mjs), measured inside the real extension host.
// They are written to ALIGN_TEST_REPORT when it is set; the test asserts only that they exist.
describe('Measurements in the real host', function () {
  this.timeout(120_000);
  it('activation, first command, command to panel, and a 5,000-token streamed answer', async () => {
    const ext = vscode.extensions.getExtension<AssistantApi>('alignment-research.alignment-research-assistant')!;
    const api = await ext.activate();
    const t0 = performance.now();
    const host = await api.host();
    const hostLoadMs = performance.now() - t0;

    const server = await startFakeOpenAI();
    try {
      const config = vscode.workspace.getConfiguration('alignment');
      await config.update('baseUrl', server.url, vscode.ConfigurationTarget.Workspace);
      await config.update('model', 'fake-model', vscode.ConfigurationTarget.Workspace);
      const file = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'measure.md');
      fs.writeFileSync(file, '# Measure\n\nA short paper about reward models and KL penalties.\n');
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));

      server.setResponder(() => ({ text: 'Short first answer.' }));
      const t1 = performance.now();
      const pending = vscode.commands.executeCommand('alignment.askAboutDocument', { question: 'A first question.' }) as Thenable<AskResult>;
      let panelMs = -1;
      for (let i = 0; i < 2000 && panelMs < 0; i++) {
        if (host.conversations.active()) panelMs = performance.now() - t1;
        else await new Promise((r) => setTimeout(r, 2));
      }
      const first = await pending;
      assert.equal(first.status, 'done', first.error);
      const conversation = host.conversations.active()!;
      const webview = conversation.webview;
      // The webview loads its script and says "ready"; until then messages wait in a queue.
      let readyMs = webview.ready ? performance.now() - t1 : -1;
      if (readyMs < 0) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('the webview never said ready')), 10_000);
          const sub = webview.onDidBecomeReady(() => {
            clearTimeout(timer);
            sub.dispose();
            resolve();
          });
        });
        readyMs = performance.now() - t1;
      }
      let posted = 0;
      const counting = webview.onDidPost(() => posted++);

      // About 5,000 tokens in 4-character chunks: one SSE event each.
      const words = Array.from({ length: 5000 }, (_, i) => `w${i % 100}`).join(' ');
      server.setResponder(() => ({ text: words, chunkSize: 4 }));
      const postedBefore = posted;
      const t2 = performance.now();
      const result = await conversation.ask('Now stream a long answer.');
      const streamMs = performance.now() - t2;
      assert.equal(result.status, 'done', result.error?.message);
      const figures = {
        activationMs: api.activationMs,
        hostLoadMs,
        commandToPanelMs: panelMs,
        webviewReadyMs: readyMs,
        streamedChars: result.answer.length,
        sseEvents: Math.ceil(words.length / 4),
        streamMs,
        webviewMessages: posted - postedBefore,
      };
      counting.dispose();
      if (process.env.ALIGN_TEST_REPORT) fs.writeFileSync(process.env.ALIGN_TEST_REPORT, JSON.stringify(figures));
      assert.ok(figures.webviewMessages < figures.sseEvents / 5, `deltas are coalesced: ${figures.webviewMessages} messages for ${figures.sseEvents} chunks`);
    } finally {
      await server.close();
    }
  });
});
