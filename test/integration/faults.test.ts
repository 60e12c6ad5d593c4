import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FakeOpenAI, FakeReply } from '../support/fakeOpenAIServer';
import { unusedPort } from '../support/freePort';
import { assistantAgainstLocalServer, workspaceDir } from './support/assistantUnderTest';
import type { AskResult } from '../../src/host/conversation/askCommands';
import type { AssistantApi } from '../../src/extension';

// Every model fault, through the editor command a researcher uses: a clear message, the partial
// answer kept, a retry offered, nothing saved, and no unhandled rejection in the extension host.
describe('Model faults in the research panel', function () {
  this.timeout(120_000);
  let server: FakeOpenAI;
  let api: AssistantApi;
  let paper: string;
  const rejections: unknown[] = [];
  const onRejection = (e: unknown) => rejections.push(e);

  before(async () => {
    ({ server, api } = await assistantAgainstLocalServer('sk-faults-test-0123456789abcdef'));
    const config = vscode.workspace.getConfiguration('alignment');
    await config.update('requestTimeoutSeconds', 1, vscode.ConfigurationTarget.Workspace);
    await config.update('maxRetries', 1, vscode.ConfigurationTarget.Workspace);
    paper = path.join(workspaceDir(), 'faults.md');
    fs.writeFileSync(paper, '# Faults\n\nThe reward model was trained on comparisons and optimised with PPO.\n');
    process.on('unhandledRejection', onRejection);
  });
  after(async () => {
    process.removeListener('unhandledRejection', onRejection);
    const config = vscode.workspace.getConfiguration('alignment');
    await config.update('requestTimeoutSeconds', 10, vscode.ConfigurationTarget.Workspace);
    await config.update('maxRetries', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await server.close();
  });

  const faults: [string, FakeReply, RegExp, boolean][] = [
    ['429 with retry-after, every time', { status: 429, retryAfter: 0 }, /rate-limit|429/i, false],
    ['500', { status: 500 }, /server error|500/i, false],
    ['a stall with no bytes', { stall: true }, /sent nothing|did not answer|within|timed? ?out/i, false],
    ['a stream cut mid-answer', { text: 'The reward model was trained on comparisons', cutAfterChars: 20 }, /cut off/i, true],
    ['malformed SSE', { text: 'Some text that goes bad', chunkSize: 5, malformedSse: true }, /could not be read|cut off|malformed|invalid/i, true],
  ];

  for (const [name, reply, message, partial] of faults) {
    it(`${name}: a clear message, the partial answer kept, a retry offered`, async () => {
      server.setResponder(() => reply);
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(paper));
      const result = (await vscode.commands.executeCommand('alignment.askAboutDocument', { question: `What happens with ${name}?` })) as AskResult;
      assert.equal(result.status, 'error');
      assert.match(result.error ?? '', message);
      if (partial) assert.ok(result.answer.length > 0, 'the partial answer is kept');
      const view = (await api.host()).conversations.active()!.state().turns.find((t) => t.id === result.turnId)!;
      assert.equal(view.error?.retryable, true, 'Retry is offered');
    });
  }

  it('connection refused: a clear message, and Retry fails as clearly while the server is down', async () => {
    const config = vscode.workspace.getConfiguration('alignment');
    await config.update('baseUrl', `http://127.0.0.1:${await unusedPort()}/v1`, vscode.ConfigurationTarget.Workspace);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(paper));
    const result = (await vscode.commands.executeCommand('alignment.askAboutDocument', { question: 'Anyone there?' })) as AskResult;
    assert.equal(result.status, 'error');
    assert.match(result.error ?? '', /connect/i);
    try {
      const conversation = (await api.host()).conversations.active()!;
      const turnsBefore = conversation.turns().length;
      // The endpoint is still down: Retry asks it again and fails as clearly.
      const again = await conversation.retry(result.turnId);
      assert.equal(again.status, 'error');
      assert.match(again.error?.message ?? '', /connect/i);
      assert.equal(conversation.turns().length, turnsBefore, 'the retry replaced the failed answer in place');
      assert.equal(conversation.turns().filter((o) => o.turn.id === result.turnId).length, 1);
    } finally {
      await config.update('baseUrl', server.url, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('an endless answer is stopped by the researcher, keeping what arrived', async () => {
    server.setResponder(() => ({ endless: true, delayMs: 5 }));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(paper));
    const pending = vscode.commands.executeCommand('alignment.askAboutDocument', { question: 'Go on forever?' }) as Thenable<AskResult>;
    const host = await api.host();
    for (let i = 0; i < 300 && !(host.conversations.active()?.busy && (host.conversations.active()!.turns().at(-1)?.turn.answer.length ?? 0) > 0); i++) await new Promise((r) => setTimeout(r, 20));
    host.conversations.active()!.stop();
    const result = await pending;
    assert.equal(result.status, 'cancelled');
    assert.ok(result.answer.startsWith('word0'));
  });

  it('left no unhandled rejection in the extension host', () => {
    assert.deepEqual(rejections.map(String), []);
  });
});
