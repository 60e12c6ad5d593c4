// Draft critique: sectioning a 15,000-word post, and the tool's own time against the model's when
// critiquing against the local OpenAI-compatible server with a fixed delay per request.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { outlineDraft, planCritiqueUnits } from '../src/core/critique/draftSections';
import { critiqueDraft } from '../src/core/critique/critiqueRunner';
import { OpenAIModelClient } from '../src/core/model/openaiModelClient';
import { BUILTIN_TASKS } from '../src/core/tasks/builtinTasks';
import { silentLogger } from '../src/core/ports';
import { startFakeOpenAI } from '../test/support/fakeOpenAIServer';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const real = path.resolve(__dirname, '..', '..', 'shared', 'papers', 'post_inner_outer_alignment.md');
  const text = fs.existsSync(real)
    ? fs.readFileSync(real, 'utf8')
    : `# Generated post\n\n${Array.from({ length: 40 }, (_, s) => `## Section ${s}\n\n${Array.from({ length: 8 }, (_, p) => `Paragraph ${p} of section ${s}: ${'a sentence about inner and outer alignment. '.repeat(10)}`).join('\n\n')}`).join('\n\n')}`;
  const words = text.split(/\s+/).length;
  const times: number[] = [];
  let units = 0;
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    units = planCritiqueUnits(outlineDraft(text)).length;
    times.push(performance.now() - t);
  }
  console.log(`sectioning a ${words.toLocaleString()}-word post (${fs.existsSync(real) ? 'the real Alignment Forum post' : 'generated'}): median ${median(times).toFixed(0)} ms over 20 runs, ${units} units   goal < 150 ms`);

  const server = await startFakeOpenAI();
  const sentences = text.split('\n').filter((l) => /^[A-Z].{40,200}\.$/.test(l.trim()));
  server.setResponder((req) => {
    const input = req.messages.at(-1)!.content;
    const quote = sentences.find((s) => input.includes(s)) ?? 'not in the section at all, so it stays unplaced';
    return { json: { findings: [{ quote, problem: 'Unclear.', why: 'Readers may misread it.', severity: 'minor', suggestion: 'Rephrase.' }] } };
  });
  const model = new OpenAIModelClient({ baseURL: server.url, model: 'fake-model', timeoutMs: 30_000, maxRetries: 0 }, silentLogger);
  // A fixed 200 ms per request stands in for the model's thinking.
  const slow = { ...model, settings: model.settings, listModels: () => model.listModels(), chat: async (r: Parameters<typeof model.chat>[0]) => { await new Promise((res) => setTimeout(res, 200)); return model.chat(r); } };
  const t0 = performance.now();
  const report = await critiqueDraft(text, { model: slow, task: BUILTIN_TASKS.find((t) => t.id === 'draft-critique')!, concurrency: 3 });
  const wall = performance.now() - t0;
  console.log(`critique against the local server (200 ms a request, 3 at once): ${report.stats.units} requests, ${report.findings.length} findings placed, ${report.unplaced.length} unplaced`);
  console.log(`  tool's own time ${report.stats.toolMs.toFixed(0)} ms vs model time ${report.stats.modelMs} ms: ${((report.stats.toolMs / report.stats.modelMs) * 100).toFixed(2)}%   goal < 5%   (wall ${wall.toFixed(0)} ms)`);
  await server.close();
}

void main();
