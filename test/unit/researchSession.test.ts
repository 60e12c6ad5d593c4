import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResearchSession } from '../../src/core/assistant/researchSession';
import type { ChatRequest, ChatResult, ModelClient, ModelSettings } from '../../src/core/model/modelTypes';
import type { ParsedSource } from '../../src/core/sources/sourceTypes';
import type { TaskSpec } from '../../src/core/tasks/taskTypes';
import { AlignError, useRemedyWording } from '../../src/core/errors';
import { HOST_REMEDY_WORDING } from '../../src/host/remedyWording';

const paperQa: TaskSpec = {
  schemaVersion: 1,
  id: 'paper-qa',
  title: 'Paper QA',
  context: 'c',
  inputType: 'i',
  outputType: 'o',
  constraints: { note: 'n' },
  instructions: 'Answer.',
  inputKind: 'source-dialogue',
};

const source: ParsedSource = {
  ref: { title: 'Gridworlds', kind: 'markdown', contentHash: 'a'.repeat(64), path: '/tmp/p.md' },
  warnings: [],
  blocks: [
    { text: 'We train a reward model on 4,000 human comparisons.', location: { startLine: 3, endLine: 3, section: 'Method' } },
    { text: 'The KL term keeps the policy close to its initial distribution.', location: { startLine: 5, endLine: 6, section: 'Method' } },
    { text: 'True reward falls after 200 steps.', location: { startLine: 9, endLine: 9, section: 'Results' } },
  ],
};

/** A model client that replays scripted answers and records what it was sent. */
class ScriptedModel implements ModelClient {
  readonly sent: ChatRequest[] = [];
  readonly settings: ModelSettings = { baseURL: 'http://user:pw@127.0.0.1:9/v1', model: 'm', timeoutMs: 1000, maxRetries: 0, temperature: 0.2 };
  constructor(private readonly script: ((req: ChatRequest) => Promise<ChatResult>)[]) {}
  async chat(req: ChatRequest): Promise<ChatResult> {
    this.sent.push(req);
    const next = this.script.shift();
    if (!next) throw new Error('no more scripted answers');
    return next(req);
  }
  async listModels(): Promise<string[]> {
    return ['m'];
  }
}

function answer(text: string) {
  return async (req: ChatRequest): Promise<ChatResult> => {
    for (const piece of text.match(/.{1,4}/gs) ?? []) req.onDelta?.(piece);
    return { text, model: 'm' };
  };
}

test('a turn streams, cites passages, and the follow-up carries the dialogue', async () => {
  const model = new ScriptedModel([answer('It limits exploitation [P2].'), answer('Yes [P9].')]);
  const session = new ResearchSession({ task: paperQa, source }, { model, passageBudgetTokens: 10_000 });
  const deltas: string[] = [];
  const t1 = await session.ask('Why a KL penalty?', { onDelta: (d) => deltas.push(d) });
  assert.equal(t1.status, 'done');
  assert.equal(deltas.join(''), 'It limits exploitation [P2].');
  assert.ok(t1.wholeSource, 'a short paper is sent whole');
  assert.deepEqual(t1.citations, [{ id: 'P2', valid: true }]);

  const t2 = await session.ask('Really?');
  assert.deepEqual(t2.citations, [{ id: 'P9', valid: false }], 'an unknown id is flagged, never a real citation');
  const roles = model.sent[1].messages.map((m) => m.role);
  assert.deepEqual(roles, ['system', 'user', 'assistant', 'user']);
  assert.equal(model.sent[1].messages[2].content, 'It limits exploitation [P2].');
});

test('the saved instance keeps the edited output, the original answer and the provenance, without credentials', async () => {
  const model = new ScriptedModel([answer('Original answer [P1].')]);
  const session = new ResearchSession({ task: paperQa, source }, { model, passageBudgetTokens: 10_000 });
  const turn = await session.ask('How many comparisons?');
  const inst = session.toInstance(turn.id, 'Edited answer [P1].');
  assert.equal(inst.output, 'Edited answer [P1].');
  assert.equal(inst.originalOutput, 'Original answer [P1].');
  assert.equal(inst.taskId, 'paper-qa');
  assert.deepEqual(inst.input.dialogue, [{ role: 'researcher', content: 'How many comparisons?' }]);
  assert.equal(inst.input.source?.contentHash, 'a'.repeat(64));
  assert.ok(inst.input.passages.length >= 1);
  assert.deepEqual(inst.constraints, { note: 'n' });
  assert.equal(inst.model?.model, 'm');
  assert.ok(!inst.model?.endpoint.includes('pw'), `endpoint is redacted: ${inst.model?.endpoint}`);

  const unchanged = session.toInstance(turn.id, 'Original answer [P1].');
  assert.equal(unchanged.originalOutput, undefined, 'no original when the researcher did not edit');
  assert.throws(() => session.toInstance(turn.id, '   '), (e) => AlignError.is(e) && e.code === 'empty-output');
});

test('a failing model leaves a turn with the partial answer and a retry that replaces it', async () => {
  const cut = async (req: ChatRequest): Promise<ChatResult> => {
    req.onDelta?.('Half an ');
    throw Object.assign(new Error('The answer was cut off.'), { code: 'stream-cut', partial: 'Half an ', retryable: true });
  };
  const model = new ScriptedModel([cut, answer('Whole answer.')]);
  const session = new ResearchSession({ task: paperQa, source }, { model, passageBudgetTokens: 10_000 });
  const turn = await session.ask('Q?');
  assert.equal(turn.status, 'error');
  assert.equal(turn.answer, 'Half an ');
  assert.equal(turn.error?.code, 'stream-cut');
  assert.equal(turn.error?.retryable, true);
  const again = await session.retry(turn.id);
  assert.equal(again.status, 'done');
  assert.equal(again.answer, 'Whole answer.');
  assert.equal(session.turns.length, 1);
});

test('without a model, paper questions are answered with the best passages', async () => {
  useRemedyWording(HOST_REMEDY_WORDING);
  const session = new ResearchSession({ task: paperQa, source }, { passageBudgetTokens: 10_000 });
  const turn = await session.ask('How many human comparisons were used to train the reward model?');
  assert.equal(turn.status, 'done');
  assert.equal(turn.passagesOnly, true);
  assert.match(turn.answer, /No language model is configured/);
  assert.match(turn.answer, /4,000 human comparisons/);
  assert.match(turn.answer, /Set API Key/);
  // Up to three passages, ranked: never only one, never the whole paper.
  assert.equal(turn.wholeSource, false);
  assert.ok(turn.passages.length > 1 && turn.passages.length <= 3, `${turn.passages.length} passages`);
  assert.equal((turn.answer.match(/^> \[P\d+\]$/gm) ?? []).length, turn.passages.length, 'each passage is quoted with its citation');
  // Not an instance, but it can be rated (the panel's and the chat's thumbs both make this record).
  assert.throws(() => session.toInstance(turn.id, turn.answer), (e) => AlignError.is(e) && e.code === 'passages-only');
  const record = session.ratingRecord(turn.id, { value: 'bad', reason: 'no model' });
  assert.equal(record.kind, 'rating');
  assert.equal(record.output, turn.answer);
  assert.deepEqual(record.rating, { value: 'bad', reason: 'no model' });
  assert.equal(record.input.dialogue.at(-1)?.content, 'How many human comparisons were used to train the reward model?');
});

test('without a model, a text task fails with how to configure one', async () => {
  const session = new ResearchSession({ task: { ...paperQa, inputKind: 'text' }, text: 'A plan.' }, { passageBudgetTokens: 10_000 });
  const turn = await session.ask(undefined);
  assert.equal(turn.status, 'error');
  assert.equal(turn.error?.code, 'not-configured');
});

test('a source-dialogue task refuses an empty question', async () => {
  const session = new ResearchSession({ task: paperQa, source }, { passageBudgetTokens: 10_000 });
  await assert.rejects(session.ask('  '), (e) => AlignError.is(e) && e.code === 'empty-question');
});
