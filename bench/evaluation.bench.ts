// Evaluation bookkeeping at 10,000 instances with an instant model (the local OpenAI-compatible
// server answering at once). The run goes one request at a time, and every model call is timed
// where it is made: bookkeeping = the run's wall time minus the time spent inside model calls, i.e.
// reading the task and its split, ranking worked examples from train, composing each prompt,
// appending each judgement under the lock, the leak log and the summary with its bootstrap
// intervals. Goal: under 5% of the run's wall time. A second figure compares with a baseline in the
// same process: the same requests sent by the same client with nothing else done.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DatasetStore } from '../src/core/dataset/datasetStore';
import { evaluateTask, evaluationMessages } from '../src/core/evaluation/evaluateTask';
import { readSplitConfig, splitTask } from '../src/core/evaluation/splits';
import { rankFewShotCandidates } from '../src/core/prompts/fewShot';
import { collectScorecard } from '../src/core/evaluation/scorecardData';
import { OpenAIModelClient } from '../src/core/model/openaiModelClient';
import { BUILTIN_TASKS } from '../src/core/tasks/builtinTasks';
import { silentLogger } from '../src/core/ports';
import { startFakeOpenAI } from '../test/support/fakeOpenAIServer';
import type { TaskInstance } from '../src/core/dataset/instanceTypes';
import type { ModelClient } from '../src/core/model/modelTypes';

const N = Number(process.env.ALIGN_BENCH_EVAL_N ?? 10_000);
const CONCURRENCY = 1;
const task = BUILTIN_TASKS.find((t) => t.id === 'failure-modes')!;

function instance(n: number): TaskInstance {
  return {
    schemaVersion: 1,
    id: `inst-${n}`,
    taskId: task.id,
    createdAt: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(),
    input: { passages: [], dialogue: [], text: `Plan ${n}: fine-tune a policy against a learned reward model trained on ${n} comparisons, then deploy it with a monitor.` },
    output: `Failure modes of plan ${n}: reward hacking, distribution shift once deployed, and a monitor that the policy learns to evade.`,
    ...(n % 3 === 0 ? { rating: { value: 'good' as const } } : {}),
    constraints: {},
  };
}

async function pool<T>(items: T[], limit: number, work: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await work(items[next++]);
  }));
}

async function main(): Promise<void> {
  // tmpfs when there is one: the figure is about the tool's work, not the disk's fsync latency.
  const base = fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const dir = fs.mkdtempSync(path.join(base, 'align-evalbench-'));
  const server = await startFakeOpenAI();
  server.setResponder((req) => (/You grade answers/.test(req.messages[0].content) ? { json: { verdict: 'same', score: 3, reason: 'r' } } : { text: 'An instant answer.' }));
  try {
    const store = new DatasetStore(dir);
    fs.mkdirSync(store.taskDir(task.id), { recursive: true });
    fs.writeFileSync(store.instancesPath(task.id), Array.from({ length: N }, (_, i) => JSON.stringify(instance(i + 1))).join('\n') + '\n');
    let t = performance.now();
    await splitTask(store, task.id, { testFraction: 0.3, seed: 1 });
    console.log(`split ${N.toLocaleString()} instances: ${(performance.now() - t).toFixed(0)} ms`);
    const client = new OpenAIModelClient({ baseURL: server.url, model: 'fake-model', timeoutMs: 30_000, maxRetries: 0 }, silentLogger);
    const { instances } = await store.readInstances(task.id);
    // Baseline: the same requests' transport alone. Each instance's prompt is composed beforehand,
    // outside the timing, so that the baseline sends exactly what the run will send.
    const ranked = rankFewShotCandidates(instances, readSplitConfig(store, task.id));
    const prompts = instances.map((i) => evaluationMessages(task, i, ranked, 2000, { ranked: true }));
    for (let i = 0; i < 200; i++) await client.chat({ messages: prompts[i] }); // warm the connection pool and the JIT
    t = performance.now();
    await pool(prompts, CONCURRENCY, async (messages) => void (await client.chat({ messages })));
    const baseline = performance.now() - t;
    let inModel = 0;
    const timed: ModelClient = {
      settings: client.settings,
      listModels: () => client.listModels(),
      chat: async (r) => {
        const t0 = performance.now();
        try {
          return await client.chat(r);
        } finally {
          inModel += performance.now() - t0;
        }
      },
    };
    t = performance.now();
    const run = await evaluateTask({ task, store, models: [timed], split: 'all', runId: 'bench', concurrency: CONCURRENCY });
    const wall = performance.now() - t;
    const answered = run.scorecard.byModel['fake-model'].answered;
    const bookkeeping = wall - inModel;
    console.log(`evaluation of ${answered.toLocaleString()} instances (one at a time, instant model): run ${(wall / 1000).toFixed(2)} s, of which inside model calls ${(inModel / 1000).toFixed(2)} s`);
    console.log(`  bookkeeping ${bookkeeping.toFixed(0)} ms = ${((bookkeeping / wall) * 100).toFixed(2)}% of the run's wall time   goal < 5%`);
    console.log(`  same-process baseline (the same requests alone): ${(baseline / 1000).toFixed(2)} s; run / baseline = ${(wall / baseline).toFixed(3)}`);
    t = performance.now();
    const card = await collectScorecard(store, [task]);
    console.log(`scorecard data over ${N.toLocaleString()} instances and ${answered.toLocaleString()} judgements: ${(performance.now() - t).toFixed(0)} ms (${card.tasks[0].consultations.length} consultation logged)`);
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
