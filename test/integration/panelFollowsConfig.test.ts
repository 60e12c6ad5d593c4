import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { FakeOpenAI } from '../support/fakeOpenAIServer';
import type { HostToWebview } from '../../src/protocol/panelProtocol';
import type { AssistantApi } from '../../src/extension';
import type { AskResult } from '../../src/host/conversation/askCommands';
import { assistantAgainstLocalServer } from './support/assistantUnderTest';

describe('Open panels follow the configuration', function () {
  this.timeout(120_000);
  let server: FakeOpenAI;
  let api: AssistantApi;
  const KEY = 'sk-follow-test-0123456789';

  before(async () => {
    ({ server, api } = await assistantAgainstLocalServer(KEY));
  });
  after(async () => {
    const config = vscode.workspace.getConfiguration('alignment');
    await config.update('baseUrl', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await server.close();
  });

  it('a panel opened with no model configured answers once one is, and its Retry succeeds', async () => {
    const config = vscode.workspace.getConfiguration('alignment');
    // OpenAI without a key: no model.
    await config.update('baseUrl', '', vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('alignment.clearApiKey');
    const first = (await vscode.commands.executeCommand('alignment.listFailureModes', {
      text: 'Train a reward model on human comparisons, then optimise a policy against it.',
    })) as AskResult;
    assert.equal(first.status, 'error');
    assert.match(first.error ?? '', /No language model is configured/);
    const conversation = (await api.host()).conversations.active()!;
    assert.equal(conversation.state().needsModel, true, 'the panel offers Configure Model…');
    assert.match(conversation.state().modelLabel, /no model configured/);
    const firstTurn = conversation.state().turns[0];
    assert.equal(firstTurn.role, 'researcher', 'what was asked (the plan) is the first turn');
    assert.match(firstTurn.content, /Train a reward model/);

    // The panel hears of the new configuration by itself: wait for the state it is sent.
    const followed = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the open panel was never told of the new model')), 30_000);
      const sub = conversation.webview.onDidPost((m: HostToWebview) => {
        if (m.type === 'header' && /fake-model/.test(m.modelLabel) && !m.needsModel) {
          clearTimeout(timer);
          sub.dispose();
          resolve();
        }
      });
    });
    await config.update('baseUrl', server.url, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('alignment.setApiKey', KEY);
    await followed;
    // Let the last change (the key) be applied too, then Retry in that same panel.
    await (await api.host()).conversations.followConfiguration();
    const again = await conversation.retry(first.turnId);
    assert.equal(again.status, 'done', again.error?.message);
    assert.match(again.answer, /^Answer to/);
    assert.equal(server.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)?.headers.authorization, `Bearer ${KEY}`);
  });
});
