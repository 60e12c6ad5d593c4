// Draft critique: sectioning a 15,000-word post (the line scanner against the full remark parse it
// replaced, same run), and the tool's own share of a critique run's WALL time against the local
// OpenAI-compatible server (the real openai client over real HTTP), with a model that answers at
// once (0 ms) — served from its own process as a real model is, and from this process for
// comparison — and with a fixed 200 ms per request (the configuration #18's 8–17% was measured
// at); baseline in the same run: the same requests sent without the tool around them.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { outlineDraft, outlineDraftWithRemark, planCritiqueUnits } from '../src/core/critique/draftSections';
import { critiqueDraft, critiqueMessages } from '../src/core/critique/critiqueRunner';
import { FINDINGS_SCHEMA } from '../src/core/critique/findings';
import { OpenAIModelClient } from '../src/core/model/openaiModelClient';
import type { ModelClient } from '../src/core/model/modelTypes';
import { BUILTIN_TASKS } from '../src/core/tasks/builtinTasks';
import { silentLogger } from '../src/core/ports';
import { startFakeOpenAI } from '../test/support/fakeOpenAIServer';
import { critiqueResponder } from './critiqueModelServer';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  // The shared papers beside the repository (a checkout in /work/main, or a worktree one level deeper).
  const real = [path.resolve(__dirname, '..', '..', 'shared'), path.resolve(__dirname, '..', '..', '..', 'shared')]
    .map((dir) => path.join(dir, 'papers', 'post_inner_outer_alignment.md'))
    .find((f) => fs.existsSync(f)) ?? '';
  const text = fs.existsSync(real)
    ? fs.readFileSync(real, 'utf8')
    : `# Generated post\n\n${Array.from({ length: 40 }, (_, s) => `## Section ${s}\n\n${Array.from({ length: 8 }, (_, p) => `Paragraph ${p} of section ${s}: ${'a sentence about inner and outer alignment. '.repeat(10)}`).join('\n\n')}`).join('\n\n')}`;
  const words = text.split(/\s+/).length;
  const times: number[] = [];
  const remarkTimes: number[] = [];
  let units = 0;
  for (let i = 0; i < 20; i++) {
    let t = performance.now();
    units = planCritiqueUnits(outlineDraft(text)).length;
    times.push(performance.now() - t);
    t = performance.now();
    planCritiqueUnits(outlineDraftWithRemark(text));
    remarkTimes.push(performance.now() - t);
  }
  console.log(
    `sectioning a ${words.toLocaleString()}-word post (${fs.existsSync(real) ? 'the real Alignment Forum post' : 'generated'}): median ${median(times).toFixed(1)} ms over 20 runs, ${units} units; ` +
      `the full remark parse it replaced ${median(remarkTimes).toFixed(0)} ms (${(median(remarkTimes) / median(times)).toFixed(0)}×)   goal < 150 ms`,
  );

  // The model: the local server in a process of its own (as a real model is), and, for
  // comparison, in this process, where its CPU competes with the tool's on one thread.
  const draftFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'critique-bench-')), 'draft.md');
  fs.writeFileSync(draftFile, text);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'critiqueModelServer.ts'), draftFile], { stdio: ['pipe', 'pipe', 'inherit'] });
  const childUrl = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve((JSON.parse(d.toString()) as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`the model server exited (${code})`)));
  });
  const inProcess = await startFakeOpenAI({ responder: critiqueResponder(text) });
  const task = BUILTIN_TASKS.find((t) => t.id === 'draft-critique')!;
  // The same requests without the tool around them (the very messages the critique sends, built
  // beforehand; same concurrency, same client and server): what the run would cost if outlining,
  // prompting, parsing and anchoring were free. The tool's share is what the critique run takes
  // beyond it, against its wall time.
  const planned = planCritiqueUnits(outlineDraft(text)).map((u) => critiqueMessages(task, u, true));
  const bare = async (m: Pick<ModelClient, 'chat'>) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        while (next < planned.length) {
          await m.chat({ messages: planned[next++], jsonSchema: FINDINGS_SCHEMA });
        }
      }),
    );
  };
  const client = (url: string) => new OpenAIModelClient({ baseURL: url, model: 'fake-model', timeoutMs: 30_000, maxRetries: 0 }, silentLogger);
  const withDelay = (model: OpenAIModelClient, ms: number) => ({ ...model, settings: model.settings, listModels: () => model.listModels(), chat: async (r: Parameters<typeof model.chat>[0]) => { await new Promise((res) => setTimeout(res, ms)); return model.chat(r); } });
  const configurations = [
    ['0 ms a request, the server in its own process (as a model is)', client(childUrl), 0, 21],
    ['0 ms a request, the server in this process (its CPU competes with the tool\'s)', client(inProcess.url), 0, 21],
    ['200 ms a request (a fast hosted model; #18 measured its 8–17% here)', client(childUrl), 200, 5],
  ] as const;
  for (const [label, model, delay, rounds] of configurations) {
    const m = delay ? withDelay(model, delay) : model;
    const walls: number[] = [];
    const bases: number[] = [];
    const own: number[] = [];
    let report: Awaited<ReturnType<typeof critiqueDraft>> | undefined;
    // A first round of each, not counted: both paths compiled and connections open before timing.
    await bare(m);
    await critiqueDraft(text, { model: m, task, concurrency: 3 });
    // Rounds interleave the baseline and the critique, so both see the same machine load and the
    // same garbage collector. (A forced full collection before each run, as this bench once did,
    // doubled the tool's own time: V8 then runs the tool's code as if cold on every round.)
    for (let r = 0; r < rounds; r++) {
      let t = performance.now();
      await bare(m);
      bases.push(performance.now() - t);
      t = performance.now();
      report = await critiqueDraft(text, { model: m, task, concurrency: 3 });
      walls.push(performance.now() - t);
      own.push(report.stats.toolMs);
    }
    const w = median(walls);
    const b = median(bases);
    // The share from each round's own pair, then the median: steadier than a ratio of two medians.
    const share = median(walls.map((wall, i) => (wall - bases[i]) / wall)) * 100;
    console.log(`critique, model latency ${label}, 3 at once: ${report!.stats.units} requests, ${report!.findings.length} findings placed, ${report!.unplaced.length} unplaced; medians of ${rounds}`);
    console.log(
      `  wall ${w.toFixed(1)} ms vs the same requests alone ${b.toFixed(1)} ms: the tool's share of the wall time ${share.toFixed(1)}%   ` +
        `(its own timers: ${median(own).toFixed(1)} ms = ${((median(own) / w) * 100).toFixed(1)}% of the wall time)   goal < 5%`,
    );
  }
  child.stdin.end();
  await inProcess.close();
  fs.rmSync(path.dirname(draftFile), { recursive: true, force: true });
}

void main();
