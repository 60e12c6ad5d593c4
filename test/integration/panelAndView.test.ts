import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FakeOpenAI } from '../support/fakeOpenAIServer';
import { assistantAgainstLocalServer } from './support/assistantUnderTest';
import type { AssistantApi } from '../../src/extension';
import type { AskResult } from '../../src/host/conversation/askCommands';
import type { DatasetNode } from '../../src/host/dataset/datasetTree';
import type { HostToWebview } from '../../src/protocol/panelProtocol';

const KEY = 'sk-panel-view-test-0123456789abcdef';
const PAPER = `# Debate as an Alignment Strategy

## 1 Setup

Two models argue opposite sides of a question and a human judge decides which argument is more convincing.

## 2 Claim

Honest arguments are easier to defend than dishonest ones, so the equilibrium of the game is honesty.
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ws(): string {
  return vscode.workspace.workspaceFolders![0].uri.fsPath;
}

function instancesOf(task: string): Record<string, any>[] {
  const file = path.join(ws(), 'alignment-tasks', task, 'instances.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

describe('Research panel and dataset view in a real VS Code', function () {
  this.timeout(60_000);
  let server: FakeOpenAI;
  let api: AssistantApi;
  let paper: string;

  before(async () => {
    ({ server, api } = await assistantAgainstLocalServer(KEY));
    paper = path.join(ws(), 'debate.md');
    fs.writeFileSync(paper, PAPER);
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await server.close();
  });

  it('cancelling mid-stream keeps the partial answer and saves nothing', async () => {
    server.setResponder(() => ({ endless: true, delayMs: 5 }));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(paper));
    const before = instancesOf('paper-qa').length;
    const pending = vscode.commands.executeCommand('alignment.askAboutDocument', { question: 'What is the equilibrium?' }) as Thenable<AskResult>;
    const host = await api.host();
    for (let i = 0; i < 200 && !host.conversations.active()?.busy; i++) await sleep(20);
    const conversation = host.conversations.active()!;
    // Let some words arrive, then stop.
    for (let i = 0; i < 200 && !(conversation.turns().at(-1)?.turn.answer.length ?? 0); i++) await sleep(20);
    conversation.stop();
    const result = await pending;
    assert.equal(result.status, 'cancelled');
    assert.match(result.answer, /^word0 /, 'the words that arrived are kept');
    assert.equal(instancesOf('paper-qa').length, before, 'nothing was saved');
    for (let i = 0; i < 100 && server.disconnects === 0; i++) await sleep(20);
    assert.ok(server.disconnects > 0, 'the request was aborted, not left running');
  });

  it('"How could this fail?" runs the critique task and its saved instance points to the saved idea', async () => {
    server.setResponder((req) => {
      const system = req.messages[0].content;
      if (/How could this idea fail\?/.test(system)) return { text: 'The judge can be fooled by a persuasive liar.' };
      return { text: 'Debate makes honesty the equilibrium [P2].' };
    });
    // A fresh conversation: asking again about the same paper would continue the last test's one.
    const earlier = (await api.host()).conversations.active();
    if (earlier) await earlier.webview.send({ type: 'newConversation' });
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(paper));
    const idea = (await vscode.commands.executeCommand('alignment.askAboutDocument', { question: 'What does the paper propose?' })) as AskResult;
    assert.equal(idea.status, 'done');
    const conversation = (await api.host()).conversations.active()!;
    const ideaId = (await conversation.save(idea.turnId, idea.answer)).id;
    const critique = await conversation.critique(idea.turnId);
    assert.equal(critique.status, 'done');
    assert.match(critique.answer, /persuasive liar/);
    const saved = await conversation.save(critique.id, 'A persuasive liar can win when the judge cannot check claims.');
    assert.equal(saved.taskId, 'elk-critique');
    assert.equal(saved.parentId, ideaId);
    assert.equal(saved.originalOutput, 'The judge can be fooled by a persuasive liar.');
    const onDisk = instancesOf('elk-critique').find((i) => i.id === saved.id)!;
    assert.equal(onDisk.parentId, ideaId);
    assert.deepEqual(onDisk.input.dialogue.map((d: any) => d.role), ['researcher', 'assistant']);
  });

  it('the host speaks in turn events (no full state per answer), and a rating stays on its turn', async () => {
    server.setResponder(() => ({ text: 'Honesty is the equilibrium [P2].', chunkSize: 5 }));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(paper));
    const opened = (await vscode.commands.executeCommand('alignment.askAboutDocument', { question: 'What is the setup?' })) as AskResult;
    assert.equal(opened.status, 'done', opened.error);
    const conversation = (await api.host()).conversations.active()!;
    const webview = conversation.webview;
    if (!webview.ready) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the webview never said ready')), 30_000);
        const sub = webview.onDidBecomeReady(() => {
          clearTimeout(timer);
          sub.dispose();
          resolve();
        });
      });
    }
    const posted: HostToWebview[] = [];
    // A webview that reloads (shown again, reloaded) says ready and is sent the whole state: allowed.
    const readies: number[] = [];
    const sub = webview.onDidPost((m) => posted.push(m));
    const subReady = webview.onDidBecomeReady(() => readies.push(posted.length));
    try {
      const first = await conversation.ask('Why is honesty the equilibrium?');
      assert.equal(first.status, 'done', first.error?.message);
      await webview.send({ type: 'rate', turnId: first.id, value: 'good' });
      const second = await conversation.ask('And who judges?');
      assert.equal(second.status, 'done', second.error?.message);
      const types = posted.map((m) => m.type);
      const unasked = posted.map((m, i) => (m.type === 'state' && !readies.includes(i) ? i : -1)).filter((i) => i >= 0);
      assert.deepEqual(unasked, [], `no full state is sent for an answer, only after a ready: ${types.join(' ')} (ready before ${readies.join(', ')})`);
      const started = posted.filter((m): m is Extract<HostToWebview, { type: 'turnStarted' }> => m.type === 'turnStarted');
      assert.deepEqual(
        started.map((m) => [m.turn.role, m.turn.status]),
        [['researcher', 'done'], ['assistant', 'streaming'], ['researcher', 'done'], ['assistant', 'streaming']],
        'each ask starts the question and a streaming answer (what the webview announces as "Answer streaming…")',
      );
      const finished = posted.filter((m): m is Extract<HostToWebview, { type: 'turnFinished' }> => m.type === 'turnFinished');
      assert.deepEqual(finished.map((m) => m.turn.id), [first.id, second.id]);
      assert.ok(finished[0].turn.citations?.[0]?.valid && !/^P\d/.test(finished[0].turn.citations[0].label), 'the finished turn carries its citation labels');
      assert.ok(types.includes('rated'));
      // What a reloaded or re-shown webview gets: the rating is on its turn.
      assert.equal(conversation.state().turns.find((t) => t.id === first.id)?.rating, 'good');
    } finally {
      sub.dispose();
      subReady.dispose();
    }
  });

  it('one idea at a time: "Critique this idea" on the second idea saves a critique of that idea, pointing to the saved ideas', async () => {
    const IDEAS = '1. **Consistency probes**: ask the model the same fact in two framings.\n2. **Debate with a judge**: two copies argue about what the model knows.\n3. **Activation steering** towards honesty.';
    server.setResponder((req) => {
      const system = req.messages[0].content;
      if (/How could this idea fail\?/.test(system)) return { text: 'A persuasive liar can win the debate.' };
      return { text: IDEAS };
    });
    const ideas = (await vscode.commands.executeCommand('alignment.generateIdeas', { problem: 'Elicit latent knowledge.', text: '' })) as AskResult;
    assert.equal(ideas.status, 'done', ideas.error);
    const conversation = (await api.host()).conversations.active()!;
    const ideasId = (await conversation.save(ideas.turnId, ideas.answer)).id;
    // The panel's button posts this message: the same guard and handler as a click.
    await conversation.webview.send({ type: 'critique', turnId: ideas.turnId, item: 1 });
    const critique = conversation.turns().at(-1)!;
    assert.equal(critique.turn.status, 'done');
    const asked = conversation.state().turns.at(-2)!;
    assert.equal(asked.role, 'researcher');
    assert.match(asked.content, /^How could this idea fail\?\n\n\*\*Debate with a judge\*\*/, 'the idea is shown as what was asked');
    assert.equal(critique.session.input.text, '**Debate with a judge**: two copies argue about what the model knows.', 'the critique runs on the second idea alone');
    const saved = await conversation.save(critique.turn.id, critique.turn.answer);
    const onDisk = instancesOf('elk-critique').find((i) => i.id === saved.id)!;
    assert.equal(onDisk.parentId, ideasId, 'the saved critique points to the saved ideas');
    assert.equal(onDisk.input.text, '**Debate with a judge**: two copies argue about what the model knows.', 'and records the idea it criticises');
    await assert.rejects(conversation.critique(ideas.turnId, 7), /no idea number 8/);
  });

  it('"Critique This Idea" on a selection of an opened instance records the idea and that instance as parent', async () => {
    server.setResponder(() => ({ text: 'It fails when the probes agree on a falsehood.' }));
    const parent = instancesOf('elk-ideas').at(-1)!;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: 'alignment-instance', path: `/elk-ideas/${parent.id}/output.md` }));
    const editor = await vscode.window.showTextDocument(doc);
    const at = doc.getText().indexOf('**Consistency probes**');
    assert.ok(at >= 0, doc.getText());
    const line = doc.positionAt(at).line;
    editor.selection = new vscode.Selection(line, doc.lineAt(line).firstNonWhitespaceCharacterIndex, line, doc.lineAt(line).text.length);
    const result = (await vscode.commands.executeCommand('alignment.critiqueIdea')) as AskResult;
    assert.equal(result.status, 'done', result.error);
    const conversation = (await api.host()).conversations.active()!;
    const saved = await conversation.save(result.turnId, result.answer);
    const onDisk = instancesOf('elk-critique').find((i) => i.id === saved.id)!;
    assert.equal(onDisk.parentId, parent.id, 'the opened instance is the parent');
    assert.match(onDisk.input.text, /Consistency probes/, 'the selected idea is recorded');
  });

  it('the dataset view lists tasks with counts and the new instance', async () => {
    const tree = (await api.host()).datasetTree;
    const roots = (await tree.getChildren()) as DatasetNode[];
    const qa = roots.find((n) => n.kind === 'task' && n.task.id === 'paper-qa') as Extract<DatasetNode, { kind: 'task' }>;
    assert.ok(qa.count >= 1);
    const item = tree.getTreeItem(qa);
    assert.match(String(item.description), /instance/);
    const children = (await tree.getChildren(qa)) as DatasetNode[];
    const last = instancesOf('paper-qa').at(-1)!;
    assert.ok(children.some((c) => c.kind === 'instance' && c.instance.id === last.id), 'the saved instance is listed');
  });

  it('a corrupt line in instances.jsonl is shown in the view and the file is not rewritten', async () => {
    const file = path.join(ws(), 'alignment-tasks', 'paper-qa', 'instances.jsonl');
    const original = fs.readFileSync(file);
    fs.appendFileSync(file, '{"this is": broken\n');
    const bytes = fs.readFileSync(file);
    try {
    const tree = (await api.host()).datasetTree;
    const roots = (await tree.getChildren()) as DatasetNode[];
    const qa = roots.find((n) => n.kind === 'task' && n.task.id === 'paper-qa')!;
    const children = (await tree.getChildren(qa)) as DatasetNode[];
    const problem = children.find((c) => c.kind === 'problem') as Extract<DatasetNode, { kind: 'problem' }>;
    assert.ok(problem, 'the unreadable line is listed');
    assert.equal(problem.line, bytes.toString('utf8').trimEnd().split('\n').length);
    assert.ok(children.some((c) => c.kind === 'instance'), 'the other instances still load');
    assert.deepEqual(fs.readFileSync(file), bytes);
    } finally {
      // Other suites share this workspace's dataset.
      fs.writeFileSync(file, original);
    }
  });

  it('a panel comes back after a reload with its conversation, and continues it', async () => {
    const state = {
      title: 'Paper question answering: Debate',
      task: { id: 'paper-qa', title: 'Paper question answering' },
      source: { title: 'Debate as an Alignment Strategy', kind: 'markdown', path: paper },
      modelLabel: 'fake-model',
      turns: [
        { id: 'old1:q', role: 'researcher', content: 'What is the claim?', status: 'done' },
        { id: 'old1', role: 'assistant', content: 'That honesty is the equilibrium.', status: 'done' },
      ],
    };
    const panel = vscode.window.createWebviewPanel('alignment.researchPanel', 'restored', vscode.ViewColumn.One, {});
    const host = await api.host();
    await host.revivePanel(panel, state);
    const conversation = host.conversations.active()!;
    assert.equal(conversation.state().turns.length, 2, 'the restored turns are shown');
    server.setResponder(() => ({ text: 'Because the judge can check.' }));
    const turn = await conversation.ask('Why would that hold?');
    assert.equal(turn.status, 'done');
    const sent = (server.requests.at(-1)!.body as { messages: { role: string; content: string }[] }).messages;
    assert.ok(sent.some((m) => m.role === 'assistant' && m.content === 'That honesty is the equilibrium.'), 'the restored dialogue goes to the model');
    assert.equal(conversation.state().turns.length, 4);
    panel.dispose();
  });

  it('the API key appears in no log, setting, dataset or panel state', async () => {
    const host = await api.host();
    const places: string[] = [];
    const walk = (dir: string) => {
      if (!fs.existsSync(dir)) return;
      for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, d.name);
        if (d.isDirectory()) walk(p);
        else if (fs.statSync(p).size < 20_000_000) places.push(p);
      }
    };
    // The extension's logs (the LogOutputChannel writes under the window's log folder), the
    // workspace (settings, dataset), and the panel states.
    const logRoot = path.dirname(path.dirname(host.logUri.fsPath));
    walk(logRoot);
    walk(ws());
    const leaks = places.filter((p) => fs.readFileSync(p).includes(KEY));
    assert.deepEqual(leaks, []);
    // The guard must fail when the log folder is not searched: our own output channel's log file,
    // holding lines this run wrote, must be among the files read (workspace files do not count).
    const ownLogs = places.filter((p) => p.startsWith(logRoot) && /Alignment Research Assistant/.test(path.basename(p)));
    assert.ok(
      ownLogs.some((p) => /Activated in|Saved instance/.test(fs.readFileSync(p, 'utf8'))),
      `the search read the extension's own log (${ownLogs.length} log files of ${places.length} files under ${logRoot})`,
    );
    for (const c of host.conversations.all()) assert.ok(!JSON.stringify(c.state()).includes(KEY));
  });
});
