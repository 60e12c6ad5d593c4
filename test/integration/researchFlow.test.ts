import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FakeOpenAI } from '../support/fakeOpenAIServer';
import { assistantAgainstLocalServer, workspaceDir } from './support/assistantUnderTest';
import type { AssistantApi } from '../../src/extension';
import type { AskResult } from '../../src/host/conversation/askCommands';

const KEY = 'sk-test-integration-0123456789abcdef';

const PAPER = `---
title: Reward Hacking in Toy Gridworlds
date: 2021-03-04
---

# Reward Hacking in Toy Gridworlds

## 1 Introduction

Agents trained against a learned reward model often find behaviours that score well but that
the designers did not intend. We call this reward hacking.

## 2 Method

We train a reward model on 4,000 human comparisons and optimise a policy against it with a KL
penalty. The KL term keeps the policy close to its initial distribution, which limits how far
it can exploit errors of the reward model.

## 3 Results

Without the penalty, true reward falls after 200 steps while the proxy keeps rising.
`;


function readJsonl(file: string): Record<string, unknown>[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('Research flow in a real VS Code', function () {
  this.timeout(60_000);
  let server: FakeOpenAI;
  let api: AssistantApi;
  let paperPath: string;

  before(async () => {
    ({ server, api } = await assistantAgainstLocalServer(KEY));
    paperPath = path.join(workspaceDir(), 'reward-hacking.md');
    fs.writeFileSync(paperPath, PAPER);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await server?.close();
  });

  it('activates quickly and registers its commands', async () => {
    assert.ok(api.activationMs < 500, `activation took ${api.activationMs} ms`);
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['alignment.askAboutDocument', 'alignment.runTask', 'alignment.saveInstance', 'alignment.setApiKey', 'alignment.selectModel']) {
      assert.ok(commands.includes(id), `${id} is registered`);
    }
  });

  it('asks about a Markdown paper, follows up, and saves the edited answer with the original', async () => {
    server.setResponder((req) => {
      const last = req.messages[req.messages.length - 1]?.content ?? '';
      if (/follow-up/i.test(last)) return { text: 'As a follow-up: the penalty limits exploitation [P2].', chunkSize: 7 };
      return { text: 'The paper uses a KL penalty to keep the policy close to its initial distribution [P2].', chunkSize: 5 };
    });
    const doc = await vscode.workspace.openTextDocument(paperPath);
    await vscode.window.showTextDocument(doc);

    const first = (await vscode.commands.executeCommand('alignment.askAboutDocument', { question: 'Why does the paper use a KL penalty?' })) as AskResult;
    assert.equal(first.status, 'done', first.error);
    assert.match(first.answer, /KL penalty/);

    // The request went to the local server with the key from secret storage, and carried the paper as delimited data.
    const firstRequest = server.requests.find((r) => r.path.endsWith('/chat/completions'));
    assert.ok(firstRequest, 'the model was called');
    assert.equal(firstRequest.headers.authorization, `Bearer ${KEY}`);
    const userMessage = String((firstRequest.body as { messages: { content: string }[] }).messages.at(-1)?.content);
    assert.match(userMessage, /<passage id="P\d+"/);
    assert.match(userMessage, /Why does the paper use a KL penalty\?/);

    const host = await api.host();
    const conversation = host.conversations.active();
    assert.ok(conversation, 'a research panel is open');
    const follow = await conversation.ask('A follow-up: how far can it exploit the reward model?');
    assert.equal(follow.status, 'done', follow.error?.message);
    const followRequest = server.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)!;
    const sent = (followRequest.body as { messages: { role: string; content: string }[] }).messages;
    assert.ok(sent.some((m) => m.role === 'assistant' && /KL penalty/.test(m.content)), 'the follow-up carries the earlier answer');

    const edited = 'The KL penalty keeps the policy near its initial distribution, which limits reward-model exploitation [P2]. (edited)';
    const instanceId = (await vscode.commands.executeCommand('alignment.saveInstance', { editedText: edited })) as string;
    assert.ok(instanceId, 'an instance id is returned');

    const file = path.join(workspaceDir(), 'alignment-tasks', 'paper-qa', 'instances.jsonl');
    const saved = readJsonl(file).find((i) => i.id === instanceId) as Record<string, any> | undefined;
    assert.ok(saved, `instance ${instanceId} is in ${file}`);
    assert.equal(saved.taskId, 'paper-qa');
    assert.equal(saved.output, edited);
    assert.equal(saved.originalOutput, 'As a follow-up: the penalty limits exploitation [P2].');
    const dialogue = saved.input.dialogue as { role: string; content: string }[];
    assert.deepEqual(dialogue.map((d) => d.role), ['researcher', 'assistant', 'researcher']);
    assert.equal(saved.input.source.title, 'Reward Hacking in Toy Gridworlds');
    assert.match(saved.input.source.contentHash, /^[0-9a-f]{64}$/);
    assert.ok(saved.input.passages.length > 0, 'passages used are recorded');
    assert.ok(saved.input.passages.every((p: any) => typeof p.location.startLine === 'number'), 'passages carry line ranges');
    assert.equal(saved.model.model, 'fake-model');
    assert.ok(!fs.readFileSync(file, 'utf8').includes(KEY), 'the API key is not in the dataset');

    // The saved answer goes out as chat fine-tuning data; a stale export in the way is replaced whole.
    const out = path.join(workspaceDir(), 'exports', 'paper-qa.openai-chat.jsonl');
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, 'stale\n');
    const exported = (await vscode.commands.executeCommand('alignment.exportDataset', { format: 'openai-chat', out, taskId: 'paper-qa', force: true })) as { files: string[]; counts: Record<string, number> };
    assert.deepEqual(exported.files, [out]);
    const rows = readJsonl(out) as { messages: { role: string; content: string }[] }[];
    assert.equal(rows.length, exported.counts.records);
    const row = rows.find((r) => r.messages.at(-1)?.content === edited);
    assert.ok(row, 'the edited answer ends one exported chat');
    assert.equal(row.messages[0].role, 'system');
    assert.deepEqual(fs.readdirSync(path.dirname(out)), [path.basename(out)], 'no temporary file is left');
    assert.ok(!fs.readFileSync(out, 'utf8').includes(KEY), 'the API key is not in the export');
  });

  it('answers with passages when no model is configured', async () => {
    await vscode.commands.executeCommand('alignment.clearApiKey');
    await vscode.workspace.getConfiguration('alignment').update('baseUrl', '', vscode.ConfigurationTarget.Workspace);
    try {
      const before = server.requests.length;
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(paperPath));
      const result = (await vscode.commands.executeCommand('alignment.askAboutDocument', { question: 'How many human comparisons were used?' })) as AskResult;
      assert.equal(result.status, 'done');
      assert.match(result.answer, /No language model is configured/);
      assert.match(result.answer, /4,000 human comparisons/);
      assert.equal(server.requests.length, before, 'no request was made');
    } finally {
      await vscode.workspace.getConfiguration('alignment').update('baseUrl', server.url, vscode.ConfigurationTarget.Workspace);
      await vscode.commands.executeCommand('alignment.setApiKey', KEY);
    }
  });

  it('keeps the partial answer when the stream is cut, and saves nothing', async () => {
    server.setResponder(() => ({ text: 'The reward model was trained on comparisons and then the', cutAfterChars: 30 }));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(paperPath));
    const dataset = path.join(workspaceDir(), 'alignment-tasks', 'paper-qa');
    const lines = (name: string) => (fs.existsSync(path.join(dataset, name)) ? readJsonl(path.join(dataset, name)).length : 0);
    const before = { instances: lines('instances.jsonl'), feedback: lines('feedback.jsonl') };
    const result = (await vscode.commands.executeCommand('alignment.askAboutDocument', { question: 'How was the reward model trained?' })) as AskResult;
    assert.equal(result.status, 'error');
    assert.ok(result.answer.length > 0 && 'The reward model was trained on comparisons'.startsWith(result.answer.slice(0, 20)), `partial kept: "${result.answer}"`);
    assert.match(result.error ?? '', /cut off/i);
    // Let anything that would write (an autosave, a feedback line) happen, then check nothing did.
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual({ instances: lines('instances.jsonl'), feedback: lines('feedback.jsonl') }, before, 'nothing was saved');
  });
});
