// A separate process that writes one dataset, for the durability tests: the extension and the CLI
// write the same instances.jsonl from different processes.
// Usage:
//   node --import tsx test/support/appendWorker.ts <datasetRoot> <workerName> <count> [delayMs]
//     saves <count> instances; prints each id once its save has returned.
//   node --import tsx test/support/appendWorker.ts rewrite <datasetRoot> <workerName> <ops>
//     rates, edits and deletes at random: any instance is rated or edited, only its own (saved
//     first, and more as it goes) are deleted. Prints the ids it saved, and "DELETED <id>".
// A failed save or rewrite prints "FAILED <what>: <message>" on stderr and the worker goes on.
import { DatasetStore } from '../../src/core/dataset/datasetStore';
import type { TaskInstance } from '../../src/core/dataset/instanceTypes';

const args = process.argv.slice(2);
const rewriting = args[0] === 'rewrite';
const [root, worker, countText, delayText] = rewriting ? args.slice(1) : args;
const store = new DatasetStore(root);
const count = Number(countText);
const delay = Number(delayText ?? 0);

function instance(id: string, i: number): TaskInstance {
  return {
    schemaVersion: 1,
    id,
    taskId: 'paper-qa',
    createdAt: new Date().toISOString(),
    // Long enough that a torn write would show: several kilobytes per line.
    input: { passages: [], dialogue: [{ role: 'researcher', content: `question ${i} from ${worker} ${'x'.repeat(3000)}` }] },
    output: `answer ${i} from ${worker}`,
    constraints: {},
  };
}

async function save(id: string, i: number): Promise<boolean> {
  try {
    await store.appendInstance(instance(id, i));
  } catch (e) {
    process.stderr.write(`FAILED save ${id}: ${(e as Error).message}\n`);
    return false;
  }
  // Tell the parent which saves completed, so a killed worker's finished saves can be checked.
  process.stdout.write(`${id}\n`);
  return true;
}

async function appendAll(): Promise<void> {
  for (let i = 0; i < count; i++) {
    await save(`${worker}-${i}`, i);
    if (delay) await new Promise((r) => setTimeout(r, delay));
  }
}

async function rewriteMany(): Promise<void> {
  const own: string[] = [];
  let made = 0;
  const saveOwn = async () => {
    const id = `${worker}-own-${made}`;
    if (await save(id, made++)) own.push(id);
  };
  for (let i = 0; i < 3; i++) await saveOwn();
  for (let op = 0; op < count; op++) {
    const { instances } = await store.readInstances('paper-qa');
    const any = instances[Math.floor(Math.random() * instances.length)];
    const r = Math.random();
    try {
      if (r < 0.35 && any) await store.updateInstance('paper-qa', any.id, { rating: { value: Math.random() < 0.5 ? 'good' : 'bad', reason: `op ${op} of ${worker}` } });
      else if (r < 0.7 && any) await store.updateInstance('paper-qa', any.id, { output: `${any.output.split(' / ')[0]} / edited by ${worker} op ${op}` });
      else if (own.length) {
        const id = own.splice(Math.floor(Math.random() * own.length), 1)[0];
        await store.deleteInstance('paper-qa', id);
        process.stdout.write(`DELETED ${id}\n`);
      }
      if (r > 0.85) await saveOwn();
    } catch (e) {
      process.stderr.write(`FAILED op ${op}: ${(e as Error).message}\n`);
    }
  }
}

void (rewriting ? rewriteMany() : appendAll()).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
