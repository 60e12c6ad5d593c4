import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fakeOpenAIServer';

// `align mcp` as an agent meets it: a separate process on stdio, driven by the SDK's own Client.
const REPO = path.resolve(__dirname, '..', '..');
const KEY = 'sk-mcp-test-abcdefghijklmnop';

let dir: string;
let client: Client;
let stderr = '';
let server: FakeOpenAI;

const REWARD = `# Reward Hacking in Toy Gridworlds

## 2 Method

We train a reward model on 4,000 human comparisons and optimise a policy against it with a KL
penalty. The KL term keeps the policy close to its initial distribution.
`;
const DEBATE = `# AI Safety via Debate

Two agents argue in turn and a human judge decides which one told the truth.
`;

before(async () => {
  server = await startFakeOpenAI();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'align-mcp-'));
  fs.mkdirSync(path.join(dir, 'papers'));
  fs.writeFileSync(path.join(dir, 'papers', 'reward-hacking.md'), REWARD);
  fs.writeFileSync(path.join(dir, 'papers', 'debate.md'), DEBATE);
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--import', pathToFileURL(path.join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href, path.join(REPO, 'src', 'cli', 'main.ts'), 'mcp', '--library', 'papers', '--dataset', 'data'],
    cwd: dir,
    env: { ...(process.env as Record<string, string>), HOME: dir, ALIGN_CACHE_DIR: path.join(dir, 'cache'), OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.url, ALIGN_MODEL: 'fake-model' },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  client = new Client({ name: 'align-test', version: '0.0.0' });
  await client.connect(transport);
});

after(async () => {
  await client?.close();
  await server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

function textOf(r: CallToolResult): string {
  return r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

test('align mcp lists its six tools and the tasks as resources', async () => {
  const tools = (await client.listTools()).tools.map((t) => t.name).sort();
  assert.deepEqual(tools, ['list_instances', 'list_tasks', 'run_task', 'save_instance', 'search_library', 'search_paper']);
  const resources = (await client.listResources()).resources.map((r) => r.uri);
  assert.ok(resources.includes('alignment-task://paper-qa'), resources.join(', '));
  const task = await client.readResource({ uri: 'alignment-task://failure-modes' });
  const spec = JSON.parse((task.contents[0] as { text: string }).text) as { id: string; outputType: string };
  assert.equal(spec.id, 'failure-modes');
  assert.match(spec.outputType, /failure modes/i);
});

test('search_library finds the passage in the real papers, with paper, location and text', async () => {
  const r = await call('search_library', { query: 'Why a KL penalty?', k: 2 });
  assert.ok(!r.isError, textOf(r));
  const passages = (r.structuredContent as { passages: { paper: string; location: string; text: string; startLine?: number }[] }).passages;
  assert.equal(passages[0].paper, 'Reward Hacking in Toy Gridworlds');
  assert.match(passages[0].text, /KL term keeps the policy close/);
  assert.match(passages[0].location, /line/);
  assert.match(textOf(r), /Reward Hacking in Toy Gridworlds/);
});

test('search_paper searches one paper by path', async () => {
  const r = await call('search_paper', { path: path.join(dir, 'papers', 'debate.md'), query: 'human judge', k: 1 });
  assert.ok(!r.isError, textOf(r));
  assert.match(textOf(r), /judge decides/);
});

test('save_instance writes an instance to the dataset on disk, and list_instances shows it', async () => {
  const r = await call('save_instance', {
    task: 'paper-qa',
    input: { dialogue: [{ role: 'researcher', content: 'What does the KL term do?' }] },
    output: 'It keeps the policy close to its initial distribution.',
    originalOutput: 'It regularises.',
    source: path.join(dir, 'papers', 'reward-hacking.md'),
  });
  assert.ok(!r.isError, textOf(r));
  const { id } = r.structuredContent as { id: string };
  const lines = fs.readFileSync(path.join(dir, 'data', 'paper-qa', 'instances.jsonl'), 'utf8').trim().split('\n');
  const saved = JSON.parse(lines[lines.length - 1]) as { id: string; output: string; originalOutput: string; input: { dialogue: unknown[]; source: { path: string } } };
  assert.equal(saved.id, id);
  assert.equal(saved.output, 'It keeps the policy close to its initial distribution.');
  assert.equal(saved.originalOutput, 'It regularises.');
  assert.deepEqual(saved.input.dialogue, [{ role: 'researcher', content: 'What does the KL term do?' }]);
  const listed = await call('list_instances', { task: 'paper-qa' });
  assert.ok(textOf(listed).includes(id), textOf(listed));
  const text = await call('save_instance', { task: 'failure-modes', input: 'A plan to train on human approval.', output: 'Sycophancy.' });
  assert.ok(!text.isError, textOf(text));
  const fm = JSON.parse(fs.readFileSync(path.join(dir, 'data', 'failure-modes', 'instances.jsonl'), 'utf8').trim()) as { input: { text: string } };
  assert.equal(fm.input.text, 'A plan to train on human approval.');
});

test('bad arguments are isError results naming the problem, and the server keeps serving', async () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['search_library', { query: 42 }, /query/],
    ['search_library', { query: 'x', k: -3 }, /k/],
    ['search_paper', { path: path.join(dir, 'papers', 'missing.md'), query: 'x' }, /missing\.md/],
    ['save_instance', { task: 'no-such-task', input: 'x', output: 'y' }, /no task "no-such-task"/],
    ['save_instance', { task: 'paper-qa', input: 'x', output: '   ' }, /output/],
    ['save_instance', { task: '../../etc', input: 'x', output: 'y' }, /task/],
    ['list_instances', {}, /task/],
    ['run_task', { task: 'paper-qa', input: 'Why?' }, /source/],
  ];
  for (const [name, args, why] of cases) {
    const r = await call(name, args);
    assert.equal(r.isError, true, `${name} ${JSON.stringify(args)} → ${textOf(r)}`);
    assert.match(textOf(r), why, `${name} ${JSON.stringify(args)}`);
  }
  const alive = await call('list_tasks', {});
  assert.ok(!alive.isError);
  assert.match(textOf(alive), /paper-qa/);
  assert.equal(fs.existsSync(path.join(dir, 'data', 'no-such-task')), false, 'nothing written for a bad task');
});

test('run_task answers with the configured model over the paper', async () => {
  server.setResponder(() => ({ text: 'The KL term limits how far the policy moves [P1].', chunkSize: 6 }));
  const r = await call('run_task', { task: 'paper-qa', input: 'What does the KL term do?', source: path.join(dir, 'papers', 'reward-hacking.md') });
  assert.ok(!r.isError, `${textOf(r)}\n${stderr}`);
  assert.match(textOf(r), /limits how far the policy moves/);
  const sent = server.requests[server.requests.length - 1];
  assert.match(JSON.stringify(sent.body), /KL term keeps the policy close/);
});

// The same server through the MCP Inspector's command line, the way people check a server by hand.
test('the MCP Inspector CLI lists the tools, searches, saves, and gets an error for bad arguments', async () => {
  const home = path.join(dir, 'inspector-home'); // it keeps a catalogue in ~/.mcp-inspector
  fs.mkdirSync(home, { recursive: true });
  const inspector = path.join(REPO, 'node_modules', '.bin', 'mcp-inspector');
  const server = [process.execPath, '--import', pathToFileURL(path.join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href, path.join(REPO, 'src', 'cli', 'main.ts'), 'mcp', '--library', 'papers', '--dataset', 'inspected'];
  const run = async (...args: string[]) => {
    const { stdout } = await promisify(execFile)(inspector, ['--cli', ...server, ...args], { cwd: dir, env: { ...process.env, HOME: home, ALIGN_CACHE_DIR: path.join(dir, 'cache') }, timeout: 120_000 });
    return JSON.parse(stdout) as { tools?: { name: string }[]; content?: { text: string }[]; isError?: boolean };
  };
  const listed = await run('--method', 'tools/list');
  assert.ok(listed.tools?.some((t) => t.name === 'search_library'));
  const found = await run('--method', 'tools/call', '--tool-name', 'search_library', '--tool-arg', 'query=KL penalty', 'k=1');
  assert.match(found.content?.[0].text ?? '', /KL term keeps the policy close/);
  const saved = await run('--method', 'tools/call', '--tool-name', 'save_instance', '--tool-arg', 'task=failure-modes', 'input=Reward the model for approval.', 'output=Sycophancy.');
  assert.ok(!saved.isError, saved.content?.[0].text);
  assert.equal(fs.readFileSync(path.join(dir, 'inspected', 'failure-modes', 'instances.jsonl'), 'utf8').trim().split('\n').length, 1);
  const bad = await run('--method', 'tools/call', '--tool-name', 'search_library', '--tool-arg', 'query=x', 'k=-3');
  assert.equal(bad.isError, true);
  assert.match(bad.content?.[0].text ?? '', /k/);
});
