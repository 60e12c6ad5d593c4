// 100,000 instances: load and validate, save one more, export (openai-chat, inspect), memory of each.
// Baselines measured in the same run: reading the file with JSON.parse per line, JSON.stringify of
// the records, and a save into a 10-instance task (the per-task summary's goal: a save into the
// 100,000-instance task costs within 1.2× of it).
// Each phase runs in a fresh Node process (as `align dataset export` does), so one phase's heap
// does not slow the next one's garbage collection, and its peak RSS is its own.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { DatasetStore } from '../src/core/dataset/datasetStore';
import { exportDataset } from '../src/core/exports/exportDataset';
import { workedExamples } from '../src/core/dataset/workedExamples';
import type { TaskInstance } from '../src/core/dataset/instanceTypes';

const N = 100_000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const gc = () => (globalThis as { gc?: () => void }).gc?.();

function instance(i: number, taskId = 'paper-qa'): TaskInstance {
  return {
    schemaVersion: 1,
    id: `inst-${i}`,
    taskId,
    createdAt: new Date(1_700_000_000_000 + i * 1000).toISOString(),
    input: {
      source: { title: `Paper ${i % 50}`, kind: 'pdf', contentHash: 'f'.repeat(64), path: `/papers/p${i % 50}.pdf` },
      passages: [{ id: 'P3', text: 'The KL term serves two purposes: it acts as an entropy bonus and keeps the policy near the reward model’s training distribution.', location: { page: 6 } }],
      dialogue: [{ role: 'researcher', content: `Question ${i}: why does the paper use a KL penalty?` }],
    },
    output: `Answer ${i}: the penalty keeps the policy close to where the reward model is reliable [P3].`,
    ...(i % 3 === 0 ? { originalOutput: `Model answer ${i}.` } : {}),
    model: { model: 'gpt-4o-mini', endpoint: 'https://api.openai.com/v1', parameters: { temperature: 0.3 } },
    constraints: {},
  };
}

const maxRssMb = () => process.resourceUsage().maxRSS / 1024;

/** Reading the file with JSON.parse per line and no checks: what load + validate is compared with. */
function loadBaseline(store: DatasetStore): void {
  const times: number[] = [];
  for (let r = 0; r < 5; r++) {
    gc();
    const t = performance.now();
    const lines = fs.readFileSync(store.instancesPath('paper-qa'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    times.push(performance.now() - t);
    if (lines.length !== N) throw new Error('baseline lost lines');
  }
  console.log(`  baseline: JSON.parse per line, no checks  median ${median(times).toFixed(0)} ms; peak RSS ${maxRssMb().toFixed(0)} MB`);
}

async function load(store: DatasetStore): Promise<void> {
  const times: number[] = [];
  let retained = 0;
  for (let r = 0; r < 5; r++) {
    gc();
    const before = process.memoryUsage().heapUsed;
    const t = performance.now();
    const loaded = await store.readInstances('paper-qa');
    times.push(performance.now() - t);
    gc();
    retained = Math.max(retained, (process.memoryUsage().heapUsed - before) / 1e6);
    if (loaded.instances.length !== N || loaded.corrupt.length) throw new Error('lost instances');
  }
  console.log(`  load + validate     median ${median(times).toFixed(0)} ms, range ${Math.min(...times).toFixed(0)}–${Math.max(...times).toFixed(0)} ms   goal < 1,000 ms`);
  console.log(`  memory: the ${N.toLocaleString()} loaded instances hold ${retained.toFixed(0)} MB of heap; peak RSS of this process ${maxRssMb().toFixed(0)} MB   goal < 500 MB`);
}

/**
 * A save as the extension makes it, then what follows it: append the instance (lock, append,
 * fsync, summary record), count the task's instances (the dataset view's refresh) and pick worked
 * examples (the next request). Into the 100,000-instance task and into a 10-instance one (the
 * baseline), alternating, in one long-lived process like the extension host; CPU (user + system)
 * and wall time of each, medians.
 */
async function save(store: DatasetStore): Promise<void> {
  const small = 'small-task';
  for (let i = 0; i < 10; i++) await store.appendInstance(instance(i, small));
  // First use of each task in this process: the big one's summary is read from disk (it was built
  // by the previous phase's process), or rebuilt if missing; reported, then the saves are timed.
  let t = performance.now();
  const firstCount = await store.countInstances('paper-qa');
  const firstMs = performance.now() - t;
  await store.countInstances(small);
  const one = async (task: string, i: number) => {
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    await store.appendInstance(instance(i, task));
    await store.countInstances(task);
    await workedExamples(store, task, { budgetTokens: 3000, datasetTrusted: true });
    const wall = performance.now() - t0;
    const used = process.cpuUsage(cpu);
    return { wall, cpu: (used.user + used.system) / 1000 };
  };
  const big: { wall: number; cpu: number }[] = [];
  const base: { wall: number; cpu: number }[] = [];
  for (let i = 0; i < 60; i++) {
    big.push(await one('paper-qa', N + i));
    base.push(await one(small, 10 + i));
  }
  const m = (xs: { wall: number; cpu: number }[], k: 'wall' | 'cpu') => median(xs.map((x) => x[k]));
  console.log(`  first count of the ${firstCount.toLocaleString()}-instance task in a fresh process (summary read from disk): ${firstMs.toFixed(1)} ms`);
  console.log(`  save + count + worked examples, median of 60   into ${N.toLocaleString()} instances: wall ${m(big, 'wall').toFixed(2)} ms, CPU ${m(big, 'cpu').toFixed(2)} ms   into 10 (baseline): wall ${m(base, 'wall').toFixed(2)} ms, CPU ${m(base, 'cpu').toFixed(2)} ms`);
  console.log(`  ratio to the 10-instance save: wall ${(m(big, 'wall') / m(base, 'wall')).toFixed(2)}×, CPU ${(m(big, 'cpu') / m(base, 'cpu')).toFixed(2)}×   goal < 1.2×`);
}

/** A summary built from scratch (the first use after another program wrote the file), once. */
async function rebuild(store: DatasetStore): Promise<void> {
  const t = performance.now();
  const n = await store.countInstances('paper-qa');
  console.log(`  summary of ${n.toLocaleString()} instances built from the file (first use, or after another program changed it): ${(performance.now() - t).toFixed(0)} ms; peak RSS ${maxRssMb().toFixed(0)} MB`);
}

async function exportAs(store: DatasetStore, dir: string, format: 'openai-chat' | 'inspect'): Promise<void> {
  const times: number[] = [];
  const out = path.join(dir, `out-${format}.jsonl`);
  for (let r = 0; r < 5; r++) {
    gc();
    const t = performance.now();
    await exportDataset(store, { format, out, force: true });
    times.push(performance.now() - t);
  }
  const exportRss = maxRssMb();
  const { instances } = await store.readInstances('paper-qa');
  const t = performance.now();
  void instances.map((i) => JSON.stringify(i)).join('\n');
  const baseline = performance.now() - t;
  console.log(
    `  export ${format.padEnd(11)} median ${median(times).toFixed(0)} ms, range ${Math.min(...times).toFixed(0)}–${Math.max(...times).toFixed(0)} ms, ${(fs.statSync(out).size / 1e6).toFixed(0)} MB written   (baseline JSON.stringify of the loaded records ${baseline.toFixed(0)} ms)   goal < 2,000 ms`,
  );
  console.log(`  memory: peak RSS of the exporting process ${exportRss.toFixed(0)} MB   goal < 500 MB`);
}

async function main(): Promise<void> {
  const [phase, dirArg] = process.argv.slice(2);
  if (phase) {
    const store = new DatasetStore(path.join(dirArg, 'alignment-tasks'));
    if (phase === 'load') await load(store);
    else if (phase === 'load-baseline') loadBaseline(store);
    else if (phase === 'save') await save(store);
    else if (phase === 'rebuild') await rebuild(store);
    else await exportAs(store, dirArg, phase as 'openai-chat' | 'inspect');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'align-bench-ds-'));
  try {
    const store = new DatasetStore(path.join(dir, 'alignment-tasks'));
    fs.mkdirSync(store.taskDir('paper-qa'), { recursive: true });
    fs.writeFileSync(store.instancesPath('paper-qa'), Array.from({ length: N }, (_, i) => JSON.stringify(instance(i))).join('\n') + '\n');
    const mb = fs.statSync(store.instancesPath('paper-qa')).size / 1e6;
    console.log(`dataset of ${N.toLocaleString()} instances (${mb.toFixed(0)} MB); each phase in a fresh process`);
    for (const p of ['load-baseline', 'load', 'openai-chat', 'inspect', 'rebuild', 'save']) {
      const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', new URL(import.meta.url).pathname, p, dir], { stdio: 'inherit' });
      if (r.status !== 0) throw new Error(`phase ${p} failed`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
