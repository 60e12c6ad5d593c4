// The panel protocol's runtime guards (the webview is a trust boundary) and its shared reducer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyHostMessage,
  isConversationState,
  isHostToWebviewMessage,
  isWebviewToHostMessage,
  MAX_QUESTION_CHARS,
  type ConversationState,
  type HostToWebview,
  type TurnView,
  type WebviewToHost,
} from '../../src/protocol/panelProtocol';

const VALID: WebviewToHost[] = [
  { type: 'ready' },
  { type: 'ask', question: 'What does the KL penalty do?' },
  { type: 'stop' },
  { type: 'retry', turnId: 'm1abc00ff:q' },
  { type: 'save', turnId: 't1', editedText: 'My corrected answer.' },
  { type: 'rate', turnId: 't1', value: 'good' },
  { type: 'rate', turnId: 't1', value: 'bad', reason: 'too vague' },
  { type: 'copy', turnId: 't_1-x' },
  { type: 'critique', turnId: 't1' },
  { type: 'openCitation', turnId: 't1', passageId: 'P3' },
];

test('the guard accepts every well-formed webview message, also after a JSON round trip', () => {
  for (const m of VALID) {
    assert.equal(isWebviewToHostMessage(m), true, JSON.stringify(m));
    assert.equal(isWebviewToHostMessage(JSON.parse(JSON.stringify(m))), true, JSON.stringify(m));
  }
  // structuredClone keeps an explicit undefined reason as a key: still valid.
  assert.equal(isWebviewToHostMessage(structuredClone({ type: 'rate', turnId: 't1', value: 'good', reason: undefined })), true);
});

test('the guard rejects wrong types, missing fields, unknown types and extra keys', () => {
  const bad: unknown[] = [
    undefined,
    null,
    42,
    'ready',
    [],
    [{ type: 'ready' }],
    {},
    { type: 7 },
    { type: 'READY' },
    { type: 'unknown' },
    { type: 'toString' },
    { type: 'ready', extra: 1 },
    { type: 'stop', turnId: 't1' },
    { type: 'ask' },
    { type: 'ask', question: 5 },
    { type: 'ask', question: '' },
    { type: 'ask', question: '   \n ' },
    { type: 'ask', question: 'x'.repeat(MAX_QUESTION_CHARS + 1) },
    { type: 'ask', question: ['a'] },
    { type: 'retry' },
    { type: 'retry', turnId: '' },
    { type: 'retry', turnId: 12 },
    { type: 'retry', turnId: 'has space' },
    { type: 'retry', turnId: '<img src=x onerror=alert(1)>' },
    { type: 'retry', turnId: '../../etc/passwd' },
    { type: 'retry', turnId: 'x'.repeat(101) },
    { type: 'save', turnId: 't1' },
    { type: 'save', editedText: 'x' },
    { type: 'save', turnId: 't1', editedText: 7 },
    { type: 'save', turnId: 't1', editedText: '' },
    { type: 'save', turnId: 't1', editedText: 'x', instanceId: 'i' },
    { type: 'rate', turnId: 't1' },
    { type: 'rate', turnId: 't1', value: 'meh' },
    { type: 'rate', turnId: 't1', value: true },
    { type: 'rate', turnId: 't1', value: 'bad', reason: 5 },
    { type: 'rate', turnId: 't1', value: 'bad', reason: 'x'.repeat(2001) },
    { type: 'rate', turnId: 't1', value: 'bad', reason: 'r', extra: '' },
    { type: 'copy', turnId: null },
    { type: 'critique', turnId: { id: 't1' } },
    { type: 'openCitation', turnId: 't1' },
    { type: 'openCitation', turnId: 't1', passageId: 'p3' },
    { type: 'openCitation', turnId: 't1', passageId: 'P' },
    { type: 'openCitation', turnId: 't1', passageId: 'P3; rm -rf /' },
    { type: 'openCitation', turnId: 't1', passageId: 'P1234567' },
    { type: 'openCitation', turnId: 't1', passageId: 3 },
  ];
  for (const m of bad) assert.equal(isWebviewToHostMessage(m), false, JSON.stringify(m) ?? String(m));
});

test('the guard rejects prototype-pollution keys and non-plain objects', () => {
  const polluted = [
    '{"type":"ready","__proto__":{"polluted":true}}',
    '{"type":"stop","constructor":{"prototype":{"polluted":true}}}',
    '{"type":"ask","question":"q","__proto__":{"isAdmin":true}}',
    '{"type":"copy","turnId":"t1","prototype":1}',
  ];
  for (const json of polluted) {
    const m: unknown = JSON.parse(json);
    assert.equal(isWebviewToHostMessage(m), false, json);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'nothing was polluted');
  // A message whose prototype carries the fields is not a plain message.
  const inherited = Object.create({ type: 'stop' }) as unknown;
  assert.equal(isWebviewToHostMessage(inherited), false);
  const withProto = Object.create({ turnId: 't1' }) as Record<string, unknown>;
  withProto.type = 'copy';
  assert.equal(isWebviewToHostMessage(withProto), false);
  class Ready {
    type = 'ready';
  }
  assert.equal(isWebviewToHostMessage(new Ready()), false);
  // A null-prototype object is what some structured clones produce: still plain data.
  const bare = Object.assign(Object.create(null) as object, { type: 'ready' });
  assert.equal(isWebviewToHostMessage(bare), true);
});

const answer = (over: Partial<TurnView> = {}): TurnView => ({ id: 'a1', role: 'assistant', content: 'An answer [P2].', status: 'done', ...over });

function conversation(turns: TurnView[] = [answer()]): ConversationState {
  return { title: 'Paper QA: A paper', task: { id: 'paper-qa', title: 'Paper QA' }, source: { title: 'A paper', kind: 'pdf', path: '/p.pdf' }, modelLabel: 'gpt', turns };
}

test('conversation states are checked field by field', () => {
  const full = conversation([
    { id: 'a1:q', role: 'researcher', content: 'Why?', status: 'done' },
    answer({ citations: [{ id: 'P2', label: 'p. 6', valid: true }], savedInstanceId: 'i1', rating: 'good', error: { message: 'cut', retryable: true } }),
    answer({ id: 'c1', parentTurnId: 'a1', taskTitle: 'Critique', status: 'streaming' }),
  ]);
  assert.equal(isConversationState(full), true);
  assert.equal(isConversationState({ ...full, notice: 'Restored', drafts: { question: 'q', edits: { a1: 'x' } } }), true);
  const broken: unknown[] = [
    { ...full, title: 1 },
    { ...full, task: null },
    { ...full, task: { id: 'x' } },
    { ...full, source: { title: 'x' } },
    { ...full, source: { title: 'x', kind: 'pdf', path: 3 } },
    { ...full, modelLabel: undefined },
    { ...full, turns: 'none' },
    { ...full, turns: [{ ...answer(), role: 'system' }] },
    { ...full, turns: [{ ...answer(), status: 'thinking' }] },
    { ...full, turns: [{ ...answer(), id: 'bad id' }] },
    { ...full, turns: [{ ...answer(), content: null }] },
    { ...full, turns: [answer({ citations: [{ id: 'P1', label: 'p. 1' }] as never })] },
    { ...full, turns: [answer({ error: { message: 'x' } as never })] },
    { ...full, turns: [answer({ rating: 'great' as never })] },
    { ...full, notice: 5 },
    { ...full, drafts: { edits: { 'bad id': 'x' } } },
  ];
  for (const s of broken) assert.equal(isConversationState(s), false, JSON.stringify(s).slice(0, 200));
});

test('host messages are checked too (the webview drops malformed ones)', () => {
  const good: HostToWebview[] = [
    { type: 'state', state: conversation() },
    { type: 'turnStarted', turn: answer({ status: 'streaming', content: '' }) },
    { type: 'delta', turnId: 'a1', text: 'more' },
    { type: 'turnFinished', turn: answer() },
    { type: 'turnFailed', turnId: 'a1', message: 'Rate limited', partial: 'An ans', retryable: true },
    { type: 'saved', turnId: 'a1', instanceId: 'i1' },
    { type: 'rated', turnId: 'a1', value: 'bad' },
    { type: 'notice', text: 'Saved', kind: 'info' },
  ];
  for (const m of good) assert.equal(isHostToWebviewMessage(m), true, m.type);
  const bad: unknown[] = [
    { type: 'state', state: { title: 'x' } },
    { type: 'turnStarted', turn: { id: 'a1' } },
    { type: 'delta', turnId: 'a1' },
    { type: 'delta', turnId: 'a 1', text: 'x' },
    { type: 'turnFailed', turnId: 'a1', message: 'x', partial: 'y' },
    { type: 'rated', turnId: 'a1', value: 'ok' },
    { type: 'notice', text: 'x', kind: 'debug' },
    { type: 'eval', code: 'alert(1)' },
  ];
  for (const m of bad) assert.equal(isHostToWebviewMessage(m), false, JSON.stringify(m));
});

test('applyHostMessage updates one turn and keeps the others (copy on write)', () => {
  const q: TurnView = { id: 'a1:q', role: 'researcher', content: 'Why?', status: 'done' };
  const s0 = conversation([q]);
  const s1 = applyHostMessage(s0, { type: 'turnStarted', turn: answer({ status: 'streaming', content: '' }) })!;
  assert.equal(s1.turns.length, 2);
  assert.equal(s1.turns[0], q, 'the untouched turn keeps its identity');
  const s2 = applyHostMessage(applyHostMessage(s1, { type: 'delta', turnId: 'a1', text: 'Hel' }), { type: 'delta', turnId: 'a1', text: 'lo' })!;
  assert.equal(s2.turns[1].content, 'Hello');
  assert.equal(s1.turns[1].content, '', 'the earlier state is not mutated');
  const failed = applyHostMessage(s2, { type: 'turnFailed', turnId: 'a1', message: 'Timed out', partial: 'Hello', retryable: true })!;
  assert.deepEqual(failed.turns[1], { ...s2.turns[1], status: 'error', error: { message: 'Timed out', retryable: true } });
  const retried = applyHostMessage(failed, { type: 'turnStarted', turn: answer({ status: 'streaming', content: '' }) })!;
  assert.equal(retried.turns.length, 2, 'a retry replaces the turn with the same id');
  const finished = applyHostMessage(retried, { type: 'turnFinished', turn: answer() })!;
  assert.equal(finished.turns[1].status, 'done');
  const saved = applyHostMessage(finished, { type: 'saved', turnId: 'a1', instanceId: 'i9' })!;
  assert.equal(saved.turns[1].savedInstanceId, 'i9');
  const rated = applyHostMessage(saved, { type: 'rated', turnId: 'a1', value: 'good' })!;
  assert.equal(rated.turns[1].rating, 'good');
  // Unknown turns and notices change nothing; a full state replaces everything.
  assert.equal(applyHostMessage(rated, { type: 'delta', turnId: 'nope', text: 'x' }), rated);
  assert.equal(applyHostMessage(rated, { type: 'notice', text: 'hi', kind: 'info' }), rated);
  assert.equal(applyHostMessage(undefined, { type: 'delta', turnId: 'a1', text: 'x' }), undefined);
  const fresh = conversation([]);
  assert.equal(applyHostMessage(rated, { type: 'state', state: fresh }), fresh);
});
