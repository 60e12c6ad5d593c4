import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FakeOpenAI } from '../support/fakeOpenAIServer';
import type { AssistantApi } from '../../src/extension';
import type { SplitResult } from '../../src/core/evaluation/splits';
import type { PlantedRun } from '../../src/core/evaluation/plantedFlaws';
import type { Study } from '../../src/core/evaluation/blindStudy';
import type { ScorecardView } from '../../src/protocol/evidenceProtocol';
import type { Scorecard } from '../../src/core/evaluation/evaluateTask';
import { assistantAgainstLocalServer, workspaceDir } from './support/assistantUnderTest';

const DRAFT = `# Debate

Debate lets a weak judge supervise a strong model.
This proves that debate scales to superhuman systems.

We should rely on debate alone for oversight.
`;

describe('Evidence in a real VS Code', function () {
  this.timeout(120_000);
  let server: FakeOpenAI;
  let api: AssistantApi;
  /** Instances other suites saved into the shared workspace's task before this one ran. */
  let earlier = 0;

  before(async () => {
    ({ server, api } = await assistantAgainstLocalServer('sk-evidence-test-0123456789'));
    const store = await (await api.host()).services.store();
    earlier = (await store.readInstances('failure-modes')).instances.length;
    for (let n = 1; n <= 12; n++) {
      await store.appendInstance({
        schemaVersion: 1,
        id: `ev-${n}`,
        taskId: 'failure-modes',
        createdAt: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
        input: { passages: [], dialogue: [], text: `Plan number ${n}.` },
        output: `Saved answer ${n}.`,
        constraints: {},
      });
    }
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await server.close();
  });

  it('Split Task, Evaluate Task on the test split (logged), New Blind Study and the scorecard agree', async () => {
    const split = (await vscode.commands.executeCommand('alignment.splitTask', { taskId: 'failure-modes', test: 0.5, seed: 2 })) as SplitResult;
    assert.equal(split.total, earlier + 12);
    assert.ok(split.test > 0 && split.train > 0);
    server.reset();
    server.setResponder((req) => (/You grade answers/.test(req.messages[0].content) ? { json: { verdict: 'better', score: 4, reason: 'r' } } : { text: 'Model answer.' }));
    const card = (await vscode.commands.executeCommand('alignment.evaluateTask', { taskId: 'failure-modes', models: ['fake-model'], judge: 'fake-model', runId: 'it-run', review: false })) as Scorecard;
    assert.equal(card.split, 'test');
    assert.equal(card.byModel['fake-model'].answered, split.test);
    assert.equal(card.testConsultations, 1);
    const chats = server.requests.filter((r) => r.path.endsWith('/chat/completions')).map((r) => JSON.stringify(r.body));
    const store = await (await api.host()).services.store();
    const { instances } = await store.readInstances('failure-modes');
    for (const i of instances.filter((x) => x.split === 'test')) {
      const n = i.id.replace('ev-', '');
      assert.ok(!chats.some((c) => c.includes(`Saved answer ${n}.`) && !c.includes('You grade answers')), `test instance ${n} shown as an example`);
    }
    const study = (await vscode.commands.executeCommand('alignment.createStudy', { taskId: 'failure-modes', id: 'it-study', arms: [{ kind: 'reference' }, { kind: 'model', model: 'fake-model', runId: 'it-run' }] })) as Study;
    assert.equal(study.instanceIds.length, split.test);
    const view = (await vscode.commands.executeCommand('alignment.showScorecard')) as ScorecardView;
    const task = view.tasks.find((t) => t.taskId === 'failure-modes')!;
    assert.equal(task.consultations.length, 2, 'the evaluation and the study');
    assert.equal(task.latestRun?.bars[0].winRate, card.byModel['fake-model'].winRate);
  });

  it('Evaluate Critique with Planted Flaws reports caught and missed, never sends the flaws, and saves instances', async () => {
    const dir = workspaceDir();
    const draft = path.join(dir, 'planted.md');
    const flaws = path.join(dir, 'planted.flaws.json');
    fs.writeFileSync(draft, DRAFT);
    fs.writeFileSync(flaws, JSON.stringify([
      { quote: 'This proves that debate scales to superhuman systems.', flaw: 'HIDDEN-A overclaim' },
      { quote: 'We should rely on debate alone for oversight.', flaw: 'HIDDEN-B ignores alternatives' },
    ]));
    server.reset();
    server.setResponder((req) => {
      const input = req.messages.at(-1)!.content;
      return { json: { findings: input.includes('This proves') ? [{ quote: 'This proves that debate scales to superhuman systems.', problem: 'Overclaim.', why: 'w', severity: 'major', suggestion: 's' }] : [] } };
    });
    const run = (await vscode.commands.executeCommand('alignment.evaluatePlantedFlaws', { draft, flaws, models: ['fake-model'] })) as PlantedRun;
    assert.equal(run.results[0].planted.total, 2);
    assert.deepEqual(run.results[0].planted.caught.map((c) => c.flaw), ['HIDDEN-A overclaim']);
    assert.deepEqual(run.results[0].planted.missed.map((c) => c.flaw), ['HIDDEN-B ignores alternatives']);
    for (const r of server.requests) assert.ok(!JSON.stringify(r.body).includes('HIDDEN-'), 'a flaw description reached the model');
    const store = await (await api.host()).services.store();
    assert.equal((await store.readInstances('flaw-detection')).instances.filter((i) => i.input.fields?.run === run.runId).length, 2);
    fs.writeFileSync(flaws, JSON.stringify([{ quote: 'Not in the draft at all.', flaw: 'x' }]));
    // Through the host, not the command shell (which shows the error instead of rethrowing it).
    await assert.rejects((await api.host()).run('alignment.evaluatePlantedFlaws', [{ draft, flaws, models: ['fake-model'] }]), /not in the draft.*Not in the draft at all/);
  });
});
