import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FakeOpenAI } from '../support/fakeOpenAIServer';
import { assistantAgainstLocalServer, workspaceDir, EXTENSION_ID } from './support/assistantUnderTest';
import type { AssistantApi } from '../../src/extension';
import type { AskResult } from '../../src/host/conversation/askCommands';

const paper = (title: string, date: string, body: string) => `---\ntitle: ${title}\ndate: ${date}\n---\n\n# ${title}\n\n## Method\n\n${body}\n`;

describe('Ask the Library in a real VS Code', function () {
  this.timeout(60_000);
  let server: FakeOpenAI;
  let folder: string;

  before(async () => {
    ({ server } = await assistantAgainstLocalServer('sk-library-test-0123456789abcdef'));
    folder = path.join(workspaceDir(), 'library');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, 'kl.md'), paper('KL Penalties in RLHF', '2020-09-02', 'The KL penalty keeps the policy close to the supervised model, so the reward model stays accurate.'));
    fs.writeFileSync(path.join(folder, 'debate.md'), paper('Debate for Oversight', '2018-05-02', 'Two models argue and a judge picks the more convincing answer.'));
    fs.writeFileSync(path.join(folder, 'broken.pdf'), '<html>saved as pdf by mistake</html>');
    await vscode.workspace.getConfiguration('alignment').update('library.folder', folder, vscode.ConfigurationTarget.Workspace);
  });
  after(async () => {
    await vscode.workspace.getConfiguration('alignment').update('library.folder', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await server.close();
  });

  it('answers from the papers of the library folder, each passage labelled with its paper, despite an unreadable file', async () => {
    server.reset();
    server.setResponder((req) => {
      const prompt = req.messages.at(-1)!.content;
      const id = /<passage id="(P\d+)" location="[^"]*"[^>]*>\n[^<]*KL penalty keeps/.exec(prompt)?.[1] ?? 'P0';
      return { text: `It keeps the policy near the supervised model [${id}].` };
    });
    const api = await vscode.extensions.getExtension<AssistantApi>(EXTENSION_ID)!.activate();
    const result = (await (await api.host()).run('alignment.askLibrary', [{ question: 'Why keep the policy near the supervised model?' }])) as AskResult;
    assert.equal(result.status, 'done', result.error);
    const turn = (await api.host()).conversations.active()!.findTurn(result.turnId)!.turn;
    const cited = turn.citations.find((c) => c.valid);
    assert.ok(cited, `a real citation: ${result.answer}`);
    const passage = turn.passages.find((p) => p.id === cited.id)!;
    assert.match(passage.text, /KL penalty keeps the policy/);
    assert.match(passage.location.section ?? '', /^KL Penalties in RLHF/, 'the passage names its paper');

    const chat = server.requests.find((r) => r.path.endsWith('/chat/completions'))!;
    assert.match(JSON.stringify(chat.body), /KL penalty keeps the policy/);
    assert.match(JSON.stringify(chat.body), /best match the question follow \(not the whole document\)/, 'the model is told these are search results');
    assert.equal(turn.wholeSource, false);
    // The endpoint offers embeddings, so the library's best matches were ranked with them too.
    const embedded = server.requests.filter((r) => r.path.endsWith('/embeddings'));
    assert.ok(embedded.length >= 1, 'embeddings were asked for');
    assert.match(JSON.stringify(embedded[0].body), /Why keep the policy near the supervised model\?/);
  });
});
