// A separate process that saves instances into one dataset, for the durability tests: the
// extension and the CLI write the same instances.jsonl from different processes.
// Usage: node --import tsx test/support/appendWorker.ts <datasetRoot> <workerName> <count> [delayMs]
import { DatasetStore } from '../../src/core/dataset/datasetStore';
import type { TaskInstance } from '../../src/core/dataset/instanceTypes';

const [root, worker, countText, delayText] = process.argv.slice(2);
const store = new DatasetStore(root);
const count = Number(countText);
const delay = Number(delayText ?? 0);

async function main(): Promise<void> {
  for (let i = 0; i < count; i++) {
  const inst: TaskInstance = {
    schemaVersion: 1,
    id: `${worker}-${i}`,
    taskId: 'paper-qa',
    createdAt: new Date().toISOString(),
    // Long enough that a torn write would show: several kilobytes per line.
    input: { passages: [], dialogue: [{ role: 'researcher', content: `question ${i} from ${worker} ${'x'.repeat(3000)}` }] },
    output: `answer ${i} from ${worker}`,
    constraints: {},
  };
  await store.appendInstance(inst);
  // Tell the parent which saves completed, so a killed worker's finished saves can be checked.
  process.stdout.write(`${inst.id}\n`);
  if (delay) await new Promise((r) => setTimeout(r, delay));
}
}

void main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
