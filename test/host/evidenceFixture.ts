// Builds a dataset for the evidence UI test (test/host/evidenceUi.mjs), through the core and the
// real `openai` client against the fake server on 127.0.0.1: a failure-modes task split into
// train and test, an evaluation run graded by a judge, a blind study of the saved answers against
// the model's, and a planted-flaw run of two critics. Usage: node --import tsx evidenceFixture.ts DIR
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DatasetStore } from '../../src/core/dataset/datasetStore';
import { splitTask } from '../../src/core/evaluation/splits';
import { evaluateTask } from '../../src/core/evaluation/evaluateTask';
import { createStudy } from '../../src/core/evaluation/blindStudy';
import { evaluatePlantedFlaws, parsePlantedFlaws } from '../../src/core/evaluation/plantedFlaws';
import { OpenAIModelClient } from '../../src/core/model/openaiModelClient';
import { BUILTIN_TASKS } from '../../src/core/tasks/builtinTasks';
import { silentLogger } from '../../src/core/ports';
import { startFakeOpenAI } from '../support/fakeOpenAIServer';

const dir = process.argv[2];
if (!dir) throw new Error('usage: evidenceFixture.ts DIR');
const task = (id: string) => BUILTIN_TASKS.find((t) => t.id === id)!;

const DRAFT = `# Why debate will work

Debate lets a weak judge supervise a strong model. We ran 40 debates and the judge was right in 38.
This proves that debate scales to superhuman systems.

The judges were experts in the topic, which made the task easy for them.

We should rely on debate alone for oversight.
`;
const FLAWS = [
  { quote: 'This proves that debate scales to superhuman systems.', flaw: 'Forty easy debates cannot show scaling.' },
  { quote: 'The judges were experts in the topic', flaw: 'Expert judges defeat the point of a weak judge.' },
  { quote: 'We should rely on debate alone for oversight.', flaw: 'Ignores every other oversight method.' },
];

async function main(): Promise<void> {
  const server = await startFakeOpenAI({ models: ['critic-small', 'critic-large', 'fake-model', 'fake-judge'] });
  try {
    const store = new DatasetStore(path.join(dir, 'alignment-tasks'));
    for (let n = 1; n <= 16; n++) {
      await store.appendInstance(
        {
          schemaVersion: 1,
          id: `plan-${String(n).padStart(2, '0')}`,
          taskId: 'failure-modes',
          createdAt: new Date(Date.UTC(2026, 10, 1, 9, n)).toISOString(),
          input: { passages: [], dialogue: [], text: `Plan number ${n}: train a reward model on ${n * 1000} comparisons and optimise against it.` },
          output: `Reference answer ${n}: reward hacking once the policy leaves the comparisons' distribution.`,
          constraints: {},
        },
        task('failure-modes'),
      );
    }
    await splitTask(store, 'failure-modes', { testFraction: 0.5, seed: 4 });
    server.setResponder((req) => {
      const last = req.messages.at(-1)!.content;
      if (/You grade answers/.test(req.messages[0].content)) return { json: { verdict: /Plan number \d*[02468]:/.test(last) ? 'better' : 'worse', score: 3, reason: 'fixture' } };
      if (/Critique this section/.test(last)) {
        const findings = [];
        if (last.includes('This proves')) findings.push({ quote: 'This proves that debate scales to superhuman systems.', problem: 'Overclaim.', why: 'w', severity: 'major', suggestion: 's' });
        if (req.model === 'critic-large' && last.includes('The judges were experts')) findings.push({ quote: 'The judges were experts in the topic, which made the task easy for them.', problem: 'Strong judges.', why: 'w', severity: 'major', suggestion: 's' });
        return { json: { findings } };
      }
      return { text: `Model answer ${/Plan number (\d+)/.exec(last)?.[1]}: the reward model is exploited; also distribution shift.` };
    });
    const client = (model: string) => new OpenAIModelClient({ baseURL: server.url, model, timeoutMs: 20_000, maxRetries: 0 }, silentLogger);
    await evaluateTask({ task: task('failure-modes'), store, models: [client('fake-model')], judge: client('fake-judge'), runId: 'run-1' });
    await createStudy(store, task('failure-modes'), { arms: [{ kind: 'reference' }, { kind: 'model', model: 'fake-model', runId: 'run-1' }], id: 'study-1', seed: 7 });
    await createStudy(store, task('failure-modes'), { arms: [{ kind: 'assisted' }, { kind: 'reference' }], id: 'study-2', seed: 7 });
    const draftFile = path.join(dir, 'debate-draft.md');
    fs.writeFileSync(draftFile, DRAFT);
    fs.writeFileSync(path.join(dir, 'debate-draft.flaws.json'), JSON.stringify(FLAWS, null, 2));
    await evaluatePlantedFlaws({
      draft: DRAFT,
      draftFile,
      flaws: parsePlantedFlaws(JSON.stringify(FLAWS), 'flaws.json', DRAFT),
      flawsFile: path.join(dir, 'debate-draft.flaws.json'),
      models: [client('critic-small'), client('critic-large')],
      critiqueTask: task('draft-critique'),
      flawTask: task('flaw-detection'),
      store,
    });
  } finally {
    await server.close();
  }
}

main().then(
  () => console.log(`fixture ready in ${dir}`),
  (e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  },
);
