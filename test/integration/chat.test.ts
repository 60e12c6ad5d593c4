import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AssistantApi } from '../../src/extension';
import type { AskResult } from '../../src/host/conversation/askCommands';
import type { ModelError } from '../../src/core/model/modelErrors';
import { EXTENSION_ID, workspaceDir } from './support/assistantUnderTest';
import { page, waitFor } from './support/pageBridge';

// VS Code's own AI surface with a fake language-model provider (test/integration/fake-lm-ext):
// the model as a model source, the @alignment participant in the real Chat view, the agent-mode
// tools, and the MCP server registered through mcpServerDefinitionProviders.

const PAPER = `# Reward Hacking in Toy Gridworlds

## 1 Introduction

Agents trained against a learned reward model often find behaviours that score well but that
the designers did not intend. We call this reward hacking.

## 2 Method

We train a reward model on 4,000 human comparisons and optimise a policy against it with a KL
penalty. The KL term keeps the policy close to its initial distribution, which limits how far
it can exploit errors of the reward model.
`;

/** The fake model, picked in the chat's model picker as a person would (the chat has no default model offline). */
const FAKE_MODEL = { vendor: 'align-fake', id: 'fake-lm-1' };

interface FakeRequest {
  model: string;
  messages: { role: number; text: string }[];
}

const requests = async () => (await vscode.commands.executeCommand('alignFakeLm.requests')) as FakeRequest[];
const setReply = (r: Record<string, unknown>) => vscode.commands.executeCommand('alignFakeLm.setReply', r);

function readJsonl(file: string): Record<string, unknown>[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('VS Code chat, language models, tools and MCP', function () {
  this.timeout(300_000);
  let api: AssistantApi;
  let paperPath: string;
  let instancesFile: string;

  before(async () => {
    const ext = vscode.extensions.getExtension<AssistantApi>(EXTENSION_ID);
    if (!ext) throw new Error(`${EXTENSION_ID} is not installed in the test host`);
    api = await ext.activate();
    // No endpoint and no key: only VS Code's model can answer.
    const config = vscode.workspace.getConfiguration('alignment');
    await config.update('baseUrl', undefined, vscode.ConfigurationTarget.Workspace);
    await config.update('model', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('alignment.clearApiKey');
    await vscode.commands.executeCommand('alignFakeLm.enable');
    await waitFor('the fake model to be listed', async () => (await vscode.lm.selectChatModels({ vendor: 'align-fake' })).length > 0);
    paperPath = path.join(workspaceDir(), 'chat-paper.md');
    fs.writeFileSync(paperPath, PAPER);
    instancesFile = path.join(workspaceDir(), 'alignment-tasks', 'paper-qa', 'instances.jsonl');
  });

  after(async () => {
    await vscode.commands.executeCommand('alignFakeLm.disable');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // The Chat view lives in the secondary side bar: close it so later suites get the window they expect.
    await vscode.commands.executeCommand('workbench.action.closeAuxiliaryBar');
  });

  it('uses the VS Code model when no endpoint is set: streamed, provenance recorded, errors and cancellation mapped', async () => {
    const host = await api.host();
    const model = await host.services.model();
    assert.ok(model, 'a VS Code model is offered');
    assert.equal(model.settings.baseURL, 'vscode-lm://align-fake');
    assert.equal(model.settings.model, 'fake-lm-1');
    assert.match(host.services.modelLabel(), /Fake LM · VS Code/);

    await setReply({ text: 'one two three four five six seven', chunk: 4 });
    const deltas: string[] = [];
    const r = await model.chat({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Count.' }], onDelta: (t) => deltas.push(t) });
    assert.equal(r.text, 'one two three four five six seven');
    assert.ok(deltas.length >= 5, `streamed in ${deltas.length} pieces`);
    const last = (await requests()).at(-1)!;
    assert.deepEqual(last.messages.map((m) => m.text), ['Be brief.', 'Count.'], 'the system prompt goes first, as a user message');

    await setReply({ error: 'provider exploded' });
    await assert.rejects(model.chat({ messages: [{ role: 'user', content: 'x' }] }), (e: ModelError) => e.code === 'server' && /Fake LM.*provider exploded/.test(e.message));

    await setReply({ text: 'a'.repeat(400), chunk: 2, delayMs: 20 });
    const abort = new AbortController();
    let got = '';
    await assert.rejects(
      model.chat({ messages: [{ role: 'user', content: 'x' }], signal: abort.signal, onDelta: (t) => { got += t; if (got.length >= 6) abort.abort(); } }),
      (e: ModelError) => e.code === 'cancelled' && (e.partial ?? '').length >= 6,
    );

    // The model's own counter against its own limit (64,000 tokens; the fake counts 4 characters a token).
    await assert.rejects(model.chat({ messages: [{ role: 'user', content: 'word '.repeat(60_000) }] }), (e: ModelError) => e.code === 'bad-request' && /75000 tokens.*at most 64000/.test(e.message));
  });

  it('the research panel answers with the VS Code model, and the saved instance records provider and model', async () => {
    await setReply({ text: 'The KL penalty keeps the policy near its initial distribution [P2].', chunk: 5 });
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(paperPath));
    const res = (await vscode.commands.executeCommand('alignment.askAboutDocument', { question: 'Why a KL penalty?' })) as AskResult;
    assert.equal(res.status, 'done', res.error);
    assert.match(res.answer, /near its initial distribution/);
    const id = (await vscode.commands.executeCommand('alignment.saveInstance', { editedText: res.answer })) as string;
    const saved = readJsonl(instancesFile).find((i) => i.id === id) as { model: { model: string; endpoint: string } };
    assert.deepEqual([saved.model.model, saved.model.endpoint], ['fake-lm-1', 'vscode-lm://align-fake']);
    // The status bar names the VS Code model that answered, not "No model".
    await waitFor('the status bar naming the VS Code model ("Fake LM")', async () => (await page.texts('.statusbar-item')).find((t) => /Fake LM/.test(t)), 30_000);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('@alignment /ask answers in the Chat view with references, and Save as Instance keeps the chat as dialogue', async () => {
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(paperPath));
    await setReply({ text: 'Agents exploit the reward model; the paper calls this **reward hacking** [P1].', chunk: 5 });
    const before = (await requests()).length;
    await vscode.commands.executeCommand('workbench.action.chat.open', { query: '@alignment /ask What is reward hacking?', modelSelector: FAKE_MODEL });
    await waitFor('the first chat answer', async () => (await page.texts('.interactive-response')).some((t) => /calls this\s+reward hacking/.test(t)), 60_000).catch(async (e: unknown) => {
      await page.screenshot('chat-failure.png').catch(() => undefined);
      throw new Error(`${String(e)}\nThe Chat view shows: ${JSON.stringify(await page.texts('.interactive-session').catch(() => []))}`);
    });
    assert.equal((await requests()).length, before + 1, 'one model request');

    await setReply({ text: 'The KL term keeps the policy close to where it started [P2].', chunk: 5 });
    await vscode.commands.executeCommand('workbench.action.chat.open', { query: '@alignment /ask Why does the paper use a KL penalty?', modelSelector: FAKE_MODEL });
    const answer = await waitFor('the follow-up answer with its sources', async () => {
      const texts = await page.texts('.interactive-response');
      const t = texts.at(-1) ?? '';
      return /close to where it started/.test(t) && /\[P2\]/.test(t) && /Save as Instance/.test(t) ? t : undefined;
    }, 60_000);
    assert.match(answer, /Sources:/);
    // The prompt the model got carries the first exchange: the chat's history is the dialogue.
    const sent = (await requests()).at(-1)!.messages.map((m) => m.text).join('\n');
    assert.match(sent, /What is reward hacking\?/);
    assert.match(sent, /keeps the policy close to its initial distribution/, 'the paper went with the question');
    const shot = await page.screenshot('chat-alignment-answer.png');
    assert.ok(fs.statSync(shot).size > 10_000, 'the screenshot has content');

    const count = readJsonl(instancesFile).length;
    await page.click('.interactive-response .monaco-button', 'Save as Instance');
    // The answer opens in an editor to be corrected; the notification's button saves it.
    const doc = await waitFor('the answer in an editor', async () => vscode.window.visibleTextEditors.find((e) => e.document.isUntitled && /close to where it started/.test(e.document.getText())));
    await doc.edit((b) => b.insert(new vscode.Position(0, 0), 'Edited: '));
    // The notification's "Save Instance" button is not reachable in test mode (the workbench
    // answers prompts itself): the edited text is handed to the same command the button runs.
    const host = await api.host();
    const key = host.chat.latestAnswerKey();
    await vscode.commands.executeCommand('alignment.chat.saveInstance', key, doc.document.getText());
    const saved = await waitFor('the saved instance', async () => (readJsonl(instancesFile).length > count ? readJsonl(instancesFile).at(-1) : undefined));
    const inst = saved as { output: string; originalOutput: string; input: { dialogue: { role: string; content: string }[] }; model: { endpoint: string } };
    assert.match(inst.output, /^Edited: The KL term/);
    assert.match(inst.originalOutput, /^The KL term keeps/);
    assert.deepEqual(inst.input.dialogue.map((d) => d.role), ['researcher', 'assistant', 'researcher']);
    assert.equal(inst.input.dialogue[0].content, 'What is reward hacking?');
    assert.match(inst.input.dialogue[1].content, /calls this \*\*reward hacking\*\*/);
    assert.equal(inst.input.dialogue[2].content, 'Why does the paper use a KL penalty?');
    assert.equal(inst.model.endpoint, 'vscode-lm://align-fake');
  });

  it('the agent-mode tools answer through vscode.lm.invokeTool; bad input is an error result and nothing is written', async () => {
    const names = vscode.lm.tools.map((t) => t.name);
    for (const n of ['alignment_searchLibrary', 'alignment_searchPaper', 'alignment_listTasks', 'alignment_saveInstance']) assert.ok(names.includes(n), `${n} is registered`);
    const invoke = async (name: string, input: unknown) => toolText(await vscode.lm.invokeTool(name, { input: input as object, toolInvocationToken: undefined }));

    assert.match(await invoke('alignment_listTasks', {}), /paper-qa — Paper question answering/);
    assert.match(await invoke('alignment_searchPaper', { path: 'chat-paper.md', query: 'Why a KL penalty?', k: 1 }), /Reward Hacking in Toy Gridworlds \(.*lines? 1\d.*\)\nWe train a reward model/s);

    const fmFile = path.join(workspaceDir(), 'alignment-tasks', 'failure-modes', 'instances.jsonl');
    const before = readJsonl(fmFile).length;
    const bad: [string, unknown, RegExp][] = [
      ['alignment_searchPaper', { path: 42, query: 'x' }, /^Error: Invalid input: path/],
      ['alignment_searchPaper', { path: 'no-such-paper.md', query: 'x' }, /^Error: There is no paper at .*no-such-paper\.md/],
      ['alignment_searchLibrary', { query: '   ' }, /^Error: Invalid input: query: query is empty/],
      ['alignment_searchLibrary', { query: 'x', k: 1000 }, /^Error: Invalid input: k/],
      ['alignment_saveInstance', { task: 'failure-modes', input: 'A plan' }, /^Error: Invalid input: output/],
      ['alignment_saveInstance', { task: 'no-such-task', input: 'A plan', output: 'y' }, /^Error: There is no task "no-such-task"/],
      ['alignment_saveInstance', null, /^Error: Invalid input/],
    ];
    for (const [name, input, why] of bad) assert.match(await invoke(name, input), why, `${name} ${JSON.stringify(input)}`);
    assert.equal(readJsonl(fmFile).length, before, 'nothing saved by bad input');

    const saved = await invoke('alignment_saveInstance', { task: 'failure-modes', input: 'Train the assistant on human approval ratings.', output: 'Sycophancy: it learns to please the rater.' });
    assert.match(saved, /^Saved instance \S+ of "failure-modes"/);
    const inst = readJsonl(fmFile).at(-1) as { input: { text: string }; output: string };
    assert.equal(inst.input.text, 'Train the assistant on human approval ratings.');
    assert.equal(inst.output, 'Sycophancy: it learns to please the rater.');
  });

  it('the MCP server is listed through mcpServerDefinitionProviders, starts, and its tools reach align mcp', async () => {
    // The first start right after activation can do nothing; a second one starts it (CHAT-API.md).
    const mcpTool = await waitFor(
      'the MCP server to start and list its tools',
      async () => {
        await vscode.commands.executeCommand('workbench.mcp.startServer', '*', { waitForLiveTools: true, autoTrustChanges: true });
        return vscode.lm.tools.find((t) => t.name.startsWith('mcp_') && t.name.endsWith('list_tasks'));
      },
      90_000,
    );
    const all = vscode.lm.tools.filter((t) => t.name.startsWith('mcp_')).map((t) => t.name);
    for (const n of ['search_library', 'search_paper', 'list_instances', 'save_instance', 'run_task']) assert.ok(all.some((x) => x.endsWith(n)), `${n} in ${all.join(', ')}`);
    const listed = toolText(await vscode.lm.invokeTool(mcpTool.name, { input: {}, toolInvocationToken: undefined }));
    // VS Code hands the model the structured content. The server reads this window's dataset.
    const tasks = (JSON.parse(listed) as { tasks: { id: string; instances: number }[] }).tasks;
    const onDisk = readJsonl(path.join(workspaceDir(), 'alignment-tasks', 'failure-modes', 'instances.jsonl')).length;
    assert.equal(tasks.find((t) => t.id === 'failure-modes')?.instances, onDisk);
    assert.ok(tasks.some((t) => t.id === 'paper-qa'));
    const search = vscode.lm.tools.find((t) => t.name.startsWith('mcp_') && t.name.endsWith('search_paper'))!;
    const found = toolText(await vscode.lm.invokeTool(search.name, { input: { path: paperPath, query: 'KL penalty', k: 1 }, toolInvocationToken: undefined }));
    assert.match(found, /KL term keeps the policy close/);
  });
});

function toolText(r: vscode.LanguageModelToolResult): string {
  return r.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : '')).join('');
}
