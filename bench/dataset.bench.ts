// 100,000 instances: load and validate, save one more, export (openai-chat, inspect), memory.
// Baselines measured in the same run: reading the file with JSON.parse per line, JSON.stringify of the records.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DatasetStore } from '../src/core/dataset/datasetStore';
import { exportDataset } from '../src/core/exports/exportDataset';
import type { TaskInstance } from '../src/core/dataset/instanceTypes';

const N = 100_000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const gc = () => (globalThis as { gc?: () => void }).gc?.();

function instance(i: number): TaskInstance {
  return {
    schemaVersion: 1,
    id: `inst-${i}`,
    taskId: 'paper-qa',
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

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'align-bench-ds-'));
  const store = new DatasetStore(path.join(dir, 'alignment-tasks'));
  fs.mkdirSync(store.taskDir('paper-qa'), { recursive: true });
  fs.writeFileSync(store.instancesPath('paper-qa'), Array.from({ length: N }, (_, i) => JSON.stringify(instance(i))).join('\n') + '\n');
  const mb = fs.statSync(store.instancesPath('paper-qa')).size / 1e6;
  console.log(`dataset of ${N.toLocaleString()} instances (${mb.toFixed(0)} MB)`);

  const base: number[] = [];
  const ours: number[] = [];
  let heap = 0;
  for (let r = 0; r < 5; r++) {
    gc();
    let t = performance.now();
    const lines = fs.readFileSync(store.instancesPath('paper-qa'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    base.push(performance.now() - t);
    void lines;
    gc();
    const before = process.memoryUsage().rss;
    t = performance.now();
    const { instances } = await store.readInstances('paper-qa');
    ours.push(performance.now() - t);
    heap = Math.max(heap, (process.memoryUsage().rss - before) / 1e6);
    if (instances.length !== N) throw new Error('lost instances');
  }
  console.log(`  load + validate     median ${median(ours).toFixed(0)} ms   (baseline JSON.parse per line ${median(base).toFixed(0)} ms, ratio ${(median(ours) / median(base)).toFixed(2)}×)   goal < 1,000 ms`);
  console.log(`  memory while loading  +${heap.toFixed(0)} MB RSS   goal < 500 MB`);

  const saves: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    await store.appendInstance(instance(N + i));
    saves.push(performance.now() - t);
  }
  console.log(`  save one instance into the ${N.toLocaleString()}-line file  median ${median(saves).toFixed(2)} ms (lock + append + fsync)   goal < 5 ms`);

  for (const format of ['openai-chat', 'inspect'] as const) {
    const times: number[] = [];
    for (let r = 0; r < 3; r++) {
      const t = performance.now();
      await exportDataset(store, { format, out: path.join(dir, `out-${format}.jsonl`), force: true });
      times.push(performance.now() - t);
    }
    const { instances } = await store.readInstances('paper-qa');
    const t = performance.now();
    void instances.map((i) => JSON.stringify(i)).join('\n');
    const baseline = performance.now() - t;
    console.log(`  export ${format.padEnd(11)} median ${median(times).toFixed(0)} ms   (baseline JSON.stringify of the records ${baseline.toFixed(0)} ms)   goal < 2,000 ms`);
  }
  console.log(`  peak RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
  fs.rmSync(dir, { recursive: true, force: true });
}

void main();
