import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DatasetStore } from '../../src/core/dataset/datasetStore';
import { newRejectionRecord, newWithdrawalRecord, standingFeedback } from '../../src/core/dataset/records';
import { exportDataset, EXPORT_FORMATS } from '../../src/core/exports/exportDataset';
import { importTasksMarkdown, importIntoStore } from '../../src/core/exports/importMarkdown';
import type { TaskInstance } from '../../src/core/dataset/instanceTypes';
import { AlignError } from '../../src/core/errors';

let dir: string;
let store: DatasetStore;

function inst(over: Partial<TaskInstance> & { id: string }): TaskInstance {
  return {
    schemaVersion: 1,
    taskId: 'failure-modes',
    createdAt: '2026-01-01T00:00:00.000Z',
    input: { passages: [], dialogue: [], text: 'Train a policy against a learned reward model.' },
    output: 'The policy exploits the reward model.',
    constraints: {},
    ...over,
  };
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'align-export-'));
  store = new DatasetStore(path.join(dir, 'alignment-tasks'));
  await store.appendInstance(inst({ id: 'a1', originalOutput: 'It might fail.', model: { model: 'm', endpoint: 'http://x', parameters: {} } }));
  await store.appendInstance(inst({ id: 'a2', input: { passages: [], dialogue: [], text: 'Debate between two models.' }, output: 'Both debaters collude.' }));
  await store.appendInstance(
    inst({
      id: 'q1',
      taskId: 'paper-qa',
      input: {
        source: { title: 'Toy', kind: 'markdown', contentHash: 'h' },
        passages: [{ id: 'P1', text: 'We use a KL penalty.', location: { startLine: 3, endLine: 4 } }],
        dialogue: [{ role: 'researcher', content: 'Why the KL penalty?' }],
      },
      output: 'To stay close to the initial policy [P1].',
    }),
  );
  await store.appendFeedback({ schemaVersion: 1, id: 'f1', taskId: 'failure-modes', createdAt: '2026-01-02T00:00:00Z', kind: 'rejected', input: { passages: [], dialogue: [], text: 'Debate between two models.' }, output: 'Debate is perfect.' });
  // A corrupt line is reported, not exported.
  fs.appendFileSync(store.instancesPath('failure-modes'), '{not json\n');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const readJsonl = (f: string) => fs.readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);

test('inspect: input, target, id, metadata', async () => {
  const out = path.join(dir, 'inspect.jsonl');
  const r = await exportDataset(store, { format: 'inspect', out });
  const rows = readJsonl(out);
  assert.equal(rows.length, 3);
  for (const row of rows) {
    assert.deepEqual(Object.keys(row).sort(), ['id', 'input', 'metadata', 'target']);
    assert.ok(Array.isArray(row.input) && row.input.every((m: any) => typeof m.role === 'string' && typeof m.content === 'string'));
    assert.equal(typeof row.target, 'string');
  }
  assert.equal(r.corrupt.length, 1);
  assert.equal(r.corrupt[0].line, 3);
});

test('openai-evals: per task, samples and a registry entry graded by the fact spec with cot_classify', async () => {
  const out = path.join(dir, 'evals');
  await exportDataset(store, { format: 'openai-evals', out });
  for (const task of ['failure-modes', 'paper-qa']) {
    const name = `alignment-${task}`;
    const registry = parseYaml(fs.readFileSync(path.join(out, 'evals', `${name}.yaml`), 'utf8')) as Record<string, any>;
    // The evals registry: a base entry pointing at a versioned one, which names its class and args.
    assert.equal(registry[name].id, `${name}.dev.v0`);
    const spec = registry[`${name}.dev.v0`];
    assert.equal(spec.class, 'evals.elsuite.modelgraded.classify:ModelBasedClassify');
    assert.equal(spec.args.modelgraded_spec, 'fact');
    assert.equal(spec.args.eval_type, 'cot_classify');
    // samples_jsonl is relative to the registry's data folder.
    const samples = readJsonl(path.join(out, 'data', spec.args.samples_jsonl));
    assert.ok(samples.length >= 1);
    for (const row of samples) {
      assert.deepEqual(Object.keys(row).sort(), ['ideal', 'input']);
      assert.equal(row.input[0].role, 'system');
      assert.equal(typeof row.ideal, 'string');
    }
  }
});

test('openai-chat: messages ending with the saved answer', async () => {
  const out = path.join(dir, 'chat.jsonl');
  await exportDataset(store, { format: 'openai-chat', out, taskId: 'paper-qa' });
  const [row] = readJsonl(out);
  assert.deepEqual(Object.keys(row), ['messages']);
  assert.deepEqual(row.messages.at(-1), { role: 'assistant', content: 'To stay close to the initial policy [P1].' });
  assert.match(row.messages.at(-2).content, /<passage id="P1"/);
});

test('dpo: edited over original, accepted over dismissed', async () => {
  const out = path.join(dir, 'dpo.jsonl');
  await exportDataset(store, { format: 'dpo', out });
  const rows = readJsonl(out);
  assert.equal(rows.length, 2);
  const edit = rows.find((r) => r.kind === 'edit')!;
  assert.equal(edit.chosen[0].content, 'The policy exploits the reward model.');
  assert.equal(edit.rejected[0].content, 'It might fail.');
  const dismissed = rows.find((r) => r.kind === 'dismissed')!;
  assert.equal(dismissed.chosen[0].content, 'Both debaters collude.');
  assert.equal(dismissed.rejected[0].content, 'Debate is perfect.');
  for (const r of rows) assert.ok(Array.isArray(r.prompt) && r.prompt.length >= 2);
});

test('dpo: a dismissal the researcher undid (withdrawn) is not paired; the file keeps both lines', async () => {
  const own = new DatasetStore(path.join(dir, 'withdrawn-tasks'));
  await own.appendInstance(inst({ id: 'w1', input: { passages: [], dialogue: [], text: 'Debate between two models.' }, output: 'Both debaters collude.' }));
  const input = { passages: [], dialogue: [], text: 'Debate between two models.' };
  const kept = newRejectionRecord({ taskId: 'failure-modes', input, output: 'Debate is safe.' });
  const undone = newRejectionRecord({ taskId: 'failure-modes', input, output: 'Debate is perfect.' });
  await own.appendFeedback(kept);
  await own.appendFeedback(undone);
  await own.appendFeedback(newWithdrawalRecord(undone));
  const out = path.join(dir, 'dpo-withdrawn.jsonl');
  await exportDataset(own, { format: 'dpo', out });
  const rejected = readJsonl(out).filter((r) => r.kind === 'dismissed').map((r) => r.rejected[0].content);
  assert.deepEqual(rejected, ['Debate is safe.']);
  const lines = fs.readFileSync(own.feedbackPath('failure-modes'), 'utf8').trim().split('\n');
  assert.equal(lines.length, 3, 'nothing is removed from feedback.jsonl');
  assert.deepEqual(standingFeedback((await own.readFeedback('failure-modes')).records).map((f) => f.id), [kept.id]);
});

test('promptfoo: a complete config with a chat prompt, the current provider and the tests', async () => {
  const out = path.join(dir, 'promptfooconfig.yaml');
  await exportDataset(store, { format: 'promptfoo', out, provider: { model: 'my-model', baseUrl: 'http://127.0.0.1:9/v1' } });
  const config = parseYaml(fs.readFileSync(out, 'utf8')) as any;
  assert.deepEqual(config.providers, [{ id: 'openai:chat:my-model', config: { apiBaseUrl: 'http://127.0.0.1:9/v1', temperature: 0 } }]);
  assert.equal(config.prompts.length, 1);
  assert.equal(config.tests.length, 3);
  for (const t of config.tests) {
    const chat = JSON.parse(t.vars.messages) as { role: string; content: string }[];
    assert.equal(chat[0].role, 'system');
    assert.equal(chat.at(-1)!.role, 'user');
    assert.ok(!chat.some((m) => m.content.startsWith('SYSTEM:')));
    assert.equal(t.assert[0].type, 'similar');
  }
  assert.ok(!fs.readFileSync(out, 'utf8').includes('sk-'));
});

test('promptfoo renders every saved text literally: Nunjucks as promptfoo runs it gives back the exact answer and chat', async () => {
  const nunjucks = (await import('nunjucks')).default;
  // promptfoo's engine: nunjucks.configure({ autoescape: false }).renderString(value, vars).
  const env = nunjucks.configure({ autoescape: false });
  const hostile = ['{{ 7*7 }}', 'a #} b {#}', 'a {% raw %} b {% endraw %} c', '{# hidden #} x', '{{{ triple }}}', 'ends with {', '{%- if x -%}y{%- endif -%}', '{{ messages }}', 'plain } }} text'];
  const local = new DatasetStore(path.join(dir, 'pf-hostile'));
  for (const [n, text] of hostile.entries()) {
    await local.appendInstance(inst({ id: `h${n}`, input: { passages: [], dialogue: [{ role: 'researcher', content: `Q ${text}` }], text: `input ${text}` }, output: text }));
  }
  const out = path.join(dir, 'pf-hostile.yaml');
  await exportDataset(local, { format: 'promptfoo', out });
  const config = parseYaml(fs.readFileSync(out, 'utf8')) as any;
  const byId = new Map(hostile.map((t, n) => [`h${n}`, t]));
  for (const t of config.tests) {
    const saved = byId.get(t.metadata.id)!;
    assert.equal(env.renderString(t.assert[0].value, t.vars), saved);
    // The prompt: '{{ messages }}' rendered, then the result rendered again (promptfoo's renderPrompt for a non-JSON template).
    const once = env.renderString(config.prompts[0].raw, t.vars);
    const chat = JSON.parse(env.renderString(once, t.vars)) as { role: string; content: string }[];
    assert.ok(chat.at(-1)!.content.includes(`input ${saved}`), chat.at(-1)!.content);
  }
});

test('hf: a default config and one per task, one schema in every file, and the licence the user chose', async () => {
  const out = path.join(dir, 'hf');
  await exportDataset(store, { format: 'hf', out, license: 'cc-by-nc-4.0' });
  const card = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
  const front = parseYaml(/^---\n([\s\S]*?)\n---/.exec(card)![1]) as any;
  assert.equal(front.license, 'cc-by-nc-4.0');
  assert.deepEqual(front.configs.map((c: any) => c.config_name).sort(), ['default', 'failure-modes', 'paper-qa']);
  // The default config names every task's train file (a glob would also take the test files).
  assert.deepEqual([...front.configs.find((c: any) => c.config_name === 'default').data_files[0].path].sort(), ['data/failure-modes.jsonl', 'data/paper-qa.jsonl']);
  for (const c of front.configs) {
    if (c.config_name !== 'default') for (const f of c.data_files) assert.ok(fs.existsSync(path.join(out, f.path)), f.path);
    assert.ok(front.dataset_info.some((d: any) => d.config_name === c.config_name && d.features.length));
  }
  assert.match(card, /quote passages of papers and posts verbatim/);
  // Every row of every file has the same keys, nested keys included, whatever was unset.
  const shape = (v: unknown): unknown => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shape(x)])) : Array.isArray(v) ? 'list' : 'value');
  const rows = fs.readdirSync(path.join(out, 'data')).flatMap((f) => readJsonl(path.join(out, 'data', f)));
  for (const row of rows) assert.deepEqual(shape(row), shape(rows[0]));
  // The declared features name exactly the columns written.
  const declared = front.dataset_info[0].features.map((f: any) => f.name).sort();
  assert.deepEqual(declared, Object.keys(rows[0]).sort());
  // No licence chosen: "other", and the card says how to choose one.
  await exportDataset(store, { format: 'hf', out, force: true });
  const plain = fs.readFileSync(path.join(out, 'README.md'), 'utf8');
  assert.match(plain, /^license: other$/m);
  assert.match(plain, /--license/);
});

test('inspect: an instance about a paper with no passages names the paper in its prompt', async () => {
  const local = new DatasetStore(path.join(dir, 'inspect-named'));
  await local.appendInstance(inst({ id: 'n1', taskId: 'paper-qa', input: { source: { title: 'Risks from Learned Optimization', kind: 'text', contentHash: '' }, passages: [], dialogue: [{ role: 'researcher', content: 'What is a mesa-optimizer?' }] }, output: 'A learned optimizer.' }));
  const out = path.join(dir, 'inspect-named.jsonl');
  await exportDataset(local, { format: 'inspect', out });
  const [row] = readJsonl(out);
  assert.match(row.input.at(-1).content, /The paper: "Risks from Learned Optimization"/);
  assert.match(row.input.at(-1).content, /What is a mesa-optimizer\?/);
});

test('an existing target is never replaced without force', async () => {
  const out = path.join(dir, 'exists.jsonl');
  fs.writeFileSync(out, 'keep me');
  await assert.rejects(exportDataset(store, { format: 'inspect', out }), (e) => AlignError.is(e) && e.code === 'export-exists');
  assert.equal(fs.readFileSync(out, 'utf8'), 'keep me');
  await exportDataset(store, { format: 'inspect', out, force: true });
  assert.notEqual(fs.readFileSync(out, 'utf8'), 'keep me');
});

test('markdown export → import reproduces the tasks and instances', async () => {
  const out = path.join(dir, 'tasks.md');
  await exportDataset(store, { format: 'markdown', out });
  const md = fs.readFileSync(out, 'utf8');
  assert.match(md, /## Task: Failure modes of a plan or system/);
  assert.match(md, /\*\*Info constraints:\*\* None/);
  const parsed = importTasksMarkdown(md, out);
  assert.deepEqual(parsed.problems, []);
  const fm = parsed.tasks.find((t) => t.spec.id === 'failure-modes')!;
  assert.equal(fm.instances.length, 2);
  assert.deepEqual(fm.instances.map((i) => i.id), ['a1', 'a2']);
  assert.equal(fm.instances[0].input.text, 'Train a policy against a learned reward model.');
  assert.equal(fm.instances[0].output, 'The policy exploits the reward model.');
  const qa = parsed.tasks.find((t) => t.spec.id === 'paper-qa')!;
  assert.deepEqual(qa.instances[0].input.dialogue, [{ role: 'researcher', content: 'Why the KL penalty?' }]);

  const other = new DatasetStore(path.join(dir, 'imported'));
  const report = await importIntoStore(other, parsed);
  assert.equal((await other.readInstances('failure-modes')).instances.length, 2);
  // Built-in tasks keep their own definition: no task.json is written over them.
  assert.ok(!fs.existsSync(other.taskSpecPath('paper-qa')));
  assert.deepEqual(report.builtinKept.sort(), ['failure-modes', 'paper-qa']);
});

test('a hand-written submission in the tasks-call layout imports, with a report of what was not understood', () => {
  const md = `# My submission

Some preamble.

Task: Counterexamples to alignment proposals
=====

**Context**: A researcher proposes a scheme and wants counterexamples.

**Input type**: A proposal.

**Output type**: A counterexample.

**Info constraints**: Knowledge cut-off: 2022-06-30

## Instance 1

Input: Reward the model for honest answers.

Output: The model learns to seem honest to the rater.

## Instance 2

Input: Only an input here.
`;
  const r = importTasksMarkdown(md, 'submission.md');
  assert.equal(r.tasks.length, 1);
  assert.equal(r.tasks[0].spec.id, 'counterexamples-to-alignment-proposals');
  assert.equal(r.tasks[0].spec.constraints.knowledgeCutoff, '2022-06-30');
  assert.equal(r.tasks[0].instances.length, 1);
  assert.ok(r.problems.some((p) => p.line === 3 && /Could not tell which task/.test(p.message) && /Some preamble/.test(p.message)));
  assert.ok(r.problems.some((p) => /no Output/.test(p.message)));
});

test('a file in the wrong layout says what is expected', () => {
  const r = importTasksMarkdown('# Notes\n\nJust some notes.\n', 'notes.md');
  assert.equal(r.tasks.length, 0);
  assert.ok(r.problems.some((p) => /no task in it\. Start each task with "Task: …"/.test(p.message)));
});

test('every format is exported without error', async () => {
  for (const format of EXPORT_FORMATS) {
    const r = await exportDataset(store, { format, out: path.join(dir, `all-${format}`), force: true });
    assert.ok(r.files.length >= 1, format);
  }
});

test('a cancelled export leaves the old target whole and no temporary file behind', async () => {
  const folder = path.join(dir, 'cancelled');
  fs.mkdirSync(folder);
  const out = path.join(folder, 'chat.jsonl');
  fs.writeFileSync(out, 'keep me');
  const ac = new AbortController();
  let progress = 0;
  await assert.rejects(
    exportDataset(store, { format: 'openai-chat', out, force: true, signal: ac.signal, onProgress: (n) => ((progress = n), ac.abort()) }),
    (e) => (e as Error).name === 'AbortError',
  );
  assert.ok(progress > 0, 'progress was reported before the cancel');
  assert.equal(fs.readFileSync(out, 'utf8'), 'keep me');
  assert.deepEqual(fs.readdirSync(folder), ['chat.jsonl']);
});

test('an export that cannot be written says where and why, and leaves nothing behind', async () => {
  const blocker = path.join(dir, 'a-file');
  fs.writeFileSync(blocker, 'not a folder');
  const out = path.join(blocker, 'chat.jsonl');
  await assert.rejects(exportDataset(store, { format: 'openai-chat', out }), (e) => AlignError.is(e) && e.code === 'export-write' && e.message.includes(out) && /a file stands where a folder is needed/.test(e.message));
  assert.equal(fs.readFileSync(blocker, 'utf8'), 'not a folder');
});
