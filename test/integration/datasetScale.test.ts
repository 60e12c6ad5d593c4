import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import * as vscode from 'vscode';
import type { FakeOpenAI } from '../support/fakeOpenAIServer';
import { assistantAgainstLocalServer, workspaceDir } from './support/assistantUnderTest';
import type { AssistantApi } from '../../src/extension';
import type { AskResult } from '../../src/host/commands';
import type { DatasetNode } from '../../src/host/dataset/datasetTree';

const KEY = 'sk-dataset-scale-test-0123456789abcdef';
const N = 100_000;
/** Generous for a loaded 2-core machine; reading the whole file on the event loop takes seconds. */
const STALL_BOUND_MS = 250;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * 100,000 instances written as JSONL directly (what months of saves leave behind), in a second or
 * two, by a child process: built here, the strings would be garbage the extension host's collector
 * sweeps during the measurement.
 */
function writeBigInstancesFile(file: string): void {
  const script = `
    const fs = require('node:fs');
    const fd = fs.openSync(process.argv[1], 'w');
    for (let i = 0; i < ${N}; i += 1000) {
      const lines = [];
      for (let k = i; k < i + 1000; k++) {
        lines.push(JSON.stringify({
          schemaVersion: 1,
          id: 'big-' + String(k).padStart(6, '0'),
          taskId: 'paper-qa',
          createdAt: new Date(1700000000000 + k * 1000).toISOString(),
          input: {
            source: { title: 'Paper ' + (k % 50), kind: 'markdown', contentHash: 'f'.repeat(64), path: '/papers/p' + (k % 50) + '.md' },
            passages: [{ id: 'P1', text: 'Honest arguments are easier to defend than dishonest ones, so the equilibrium of the game is honesty.', location: {} }],
            dialogue: [{ role: 'researcher', content: 'Question ' + k + ': what is the equilibrium?' }],
          },
          output: 'Answer ' + k + ': honesty is the equilibrium [P1].',
          ...(k % 4 === 0 ? { rating: { value: 'good' } } : {}),
          constraints: {},
        }));
      }
      fs.writeSync(fd, lines.join('\\n') + '\\n');
    }
    fs.closeSync(fd);`;
  execFileSync(process.execPath, ['-e', script, file], { stdio: 'inherit', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
}

describe('A 100,000-instance task in a real VS Code', function () {
  this.timeout(900_000);
  let server: FakeOpenAI;
  let api: AssistantApi;
  let paper: string;
  let file: string;
  let kept: Buffer | undefined;

  before(async () => {
    ({ server, api } = await assistantAgainstLocalServer(KEY));
    paper = path.join(workspaceDir(), 'equilibrium.md');
    fs.writeFileSync(paper, '# Debate\n\n## Claim\n\nHonest arguments are easier to defend than dishonest ones, so the equilibrium of the game is honesty.\n');
    // One question first, on the dataset as it is: loading the extension's code for the panel and
    // the paper happens once per window and is not what this suite measures.
    server.setResponder(() => ({ text: 'Honesty is the equilibrium [P1].' }));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(paper));
    const warm = (await vscode.commands.executeCommand('alignment.askAboutDocument', { question: 'What is the claim?' })) as AskResult;
    assert.equal(warm.status, 'done');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    file = path.join(workspaceDir(), 'alignment-tasks', 'paper-qa', 'instances.jsonl');
    // Other suites share this workspace's dataset: their instances are put back afterwards.
    kept = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeBigInstancesFile(file);
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (kept) fs.writeFileSync(file, kept);
    else fs.rmSync(file, { force: true });
    await server?.close();
  });

  it('asking, saving and refreshing the dataset view never stall the extension host (longest busy stall under 250 ms)', async () => {
    server.setResponder(() => ({ text: 'Honesty is the equilibrium [P1].' }));
    const host = await api.host();
    const tree = host.datasetTree;
    // Witnesses of the event loop: Node's delay histogram, and a 10 ms heartbeat. On a loaded
    // machine a gap can be the kernel running other processes; a stall of the host's own making is
    // a gap during which this process was busy, so each gap is also measured in the CPU time the
    // process used meanwhile, and the claim is on the smaller of the two.
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    let last = performance.now();
    let lastCpu = process.cpuUsage();
    let longestGap = 0;
    let longestBusy = 0;
    // Which step the longest stalls fell in, for the message when one is too long.
    let step = 'start';
    const stalls = new Map<string, { gap: number; busy: number }>();
    const beat = setInterval(() => {
      const now = performance.now();
      const gap = now - last - 10;
      const cpu = process.cpuUsage(lastCpu);
      const busy = Math.min(gap, (cpu.user + cpu.system) / 1000);
      longestGap = Math.max(longestGap, gap);
      longestBusy = Math.max(longestBusy, busy);
      const seen = stalls.get(step) ?? { gap: 0, busy: 0 };
      stalls.set(step, { gap: Math.max(seen.gap, gap), busy: Math.max(seen.busy, busy) });
      last = now;
      lastCpu = process.cpuUsage();
    }, 10);
    histogram.enable();
    let saved: { id: string };
    let expanded: DatasetNode[];
    let count: number;
    try {
      // The view as it first shows the task (its summary is built now, from the file), an answer
      // with worked examples from the task, the save, and the refresh that follows it.
      step = 'first view';
      const first = (await tree.getChildren()) as DatasetNode[];
      assert.equal((first.find((n) => n.kind === 'task' && n.task.id === 'paper-qa') as Extract<DatasetNode, { kind: 'task' }>).count, N);
      step = 'open paper';
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(paper));
      step = 'ask';
      const answer = (await vscode.commands.executeCommand('alignment.askAboutDocument', { question: 'What is the equilibrium?' })) as AskResult;
      assert.equal(answer.status, 'done');
      const conversation = host.conversations.active()!;
      step = 'save';
      saved = await conversation.save(answer.turnId, answer.answer);
      step = 'refresh';
      await sleep(400); // the debounced refresh from the save and from the file watcher
      const roots = (await tree.getChildren()) as DatasetNode[];
      const qa = roots.find((n) => n.kind === 'task' && n.task.id === 'paper-qa') as Extract<DatasetNode, { kind: 'task' }>;
      count = qa.count;
      step = 'expand';
      expanded = (await tree.getChildren(qa)) as DatasetNode[];
      for (const n of expanded) tree.getTreeItem(n);
    } finally {
      clearInterval(beat);
      histogram.disable();
    }
    const histMax = histogram.max / 1e6;
    const bySteps = [...stalls].map(([s, g]) => `${s} ${g.busy.toFixed(0)}/${g.gap.toFixed(0)} ms`).join(', ');
    console.log(
      `    event loop during the run: longest busy stall ${longestBusy.toFixed(0)} ms, longest heartbeat gap ${longestGap.toFixed(0)} ms (by step, busy/gap: ${bySteps}), delay histogram max ${histMax.toFixed(0)} ms, p99 ${(histogram.percentile(99) / 1e6).toFixed(0)} ms`,
    );
    assert.ok(longestBusy < STALL_BOUND_MS, `the extension host was busy ${longestBusy.toFixed(0)} ms without a turn of its event loop (by step, busy/gap: ${bySteps})`);
    assert.equal(count, N + 1, 'the view counts the new instance');
    assert.ok(expanded.some((n) => n.kind === 'instance' && n.instance.id === saved.id), 'the saved instance is listed');
    assert.ok(expanded.some((n) => n.kind === 'more'), 'the older instances are summed up, not listed one by one');
    const requests = JSON.stringify(server.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)?.body);
    assert.match(requests, /Worked example from the dataset/, 'the request had worked examples from the big task');
    const tail = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.equal(tail.length, N + 1);
    assert.equal(JSON.parse(tail.at(-1)!).id, saved.id);
  });
});
