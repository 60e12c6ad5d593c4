import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { outlineDraft, planCritiqueUnits } from '../../src/core/critique/draftSections';
import { CancelledError } from '../../src/core/errors';
import { parseFindings } from '../../src/core/critique/findings';
import { anchorQuote } from '../../src/core/critique/anchorFinding';
import { critiqueDraft } from '../../src/core/critique/critiqueRunner';
import { OpenAIModelClient } from '../../src/core/model/openaiModelClient';
import { BUILTIN_TASKS } from '../../src/core/tasks/builtinTasks';
import { silentLogger } from '../../src/core/ports';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fakeOpenAIServer';

const DRAFT = `---
title: Why RLHF Is Not Enough
date: 2024-01-01
---

# Why RLHF Is Not Enough

Intro paragraph that sets the scene.

## The argument

Reward models are **always** wrong off-distribution.
This proves that RLHF cannot work.

| a | b |
|---|---|
| 1 | 2 |

## Conclusion

We should stop using RLHF entirely, starting today.
`;

const task = BUILTIN_TASKS.find((t) => t.id === 'draft-critique')!;
let server: FakeOpenAI;
before(async () => {
  server = await startFakeOpenAI();
});
after(() => server.close());

test('sections carry exact line ranges; front matter belongs to none', () => {
  const o = outlineDraft(DRAFT);
  assert.equal(o.title, 'Why RLHF Is Not Enough');
  assert.deepEqual(
    o.sections.map((s) => [s.heading, s.startLine, s.endLine]),
    [
      ['Why RLHF Is Not Enough', 6, 8],
      ['The argument', 10, 17],
      ['Conclusion', 19, 21],
    ],
  );
  assert.deepEqual(o.sections[1].path, ['Why RLHF Is Not Enough']);
  assert.equal(o.sections[1].blocks[1].kind, 'table');
});

test('odd drafts: no headings, only front matter, empty', () => {
  assert.equal(outlineDraft('Just one paragraph.\n\nAnd another.').sections.length, 1);
  assert.equal(outlineDraft('---\ntitle: x\n---\n').sections.length, 0);
  assert.equal(outlineDraft('').sections.length, 0);
});

test('a 15,000-word post is cut into units within the budget, with the outline as context', () => {
  const sections = Array.from({ length: 30 }, (_, i) => `## Section ${i + 1}\n\n${Array.from({ length: 10 }, () => 'word '.repeat(50).trim() + '.').join('\n\n')}\n`);
  const post = `# Long post\n\n${sections.join('\n')}`;
  const units = planCritiqueUnits(outlineDraft(post), { maxTokensPerUnit: 600 });
  assert.ok(units.length >= 30);
  assert.ok(units.every((u) => u.text.length / 4 <= 700));
  assert.match(units[0].context, /Outline:\n- Long post\n {2}- Section 1/);
});

test('findings are read from JSON, fenced JSON and the plain layout; unreadable ones are reported', () => {
  const f = { quote: 'q', problem: 'p', why: 'w', severity: 'major' };
  assert.equal(parseFindings(JSON.stringify({ findings: [f] })).findings.length, 1);
  assert.equal(parseFindings('Here you go:\n```json\n' + JSON.stringify({ findings: [f, { problem: 'no quote' }] }) + '\n```').findings.length, 1);
  assert.equal(parseFindings(JSON.stringify({ findings: [f, { problem: 'no quote' }] })).problems.length, 1);
  const plain = parseFindings('> Reward models are always wrong.\nProblem: Overclaim.\nWhy: Not shown.\nSeverity: Major\n\n> Second.\nProblem: Vague.\nSeverity: minor');
  assert.deepEqual(plain.findings.map((x) => [x.quote, x.severity]), [['Reward models are always wrong.', 'major'], ['Second.', 'minor']]);
  assert.equal(parseFindings('I liked it a lot!').problems.length, 1);
  assert.equal(parseFindings('No findings.').problems.length, 0);
});

test('quotes are anchored exactly, tolerantly, fuzzily, or not at all', () => {
  const lines = DRAFT.split('\n');
  assert.deepEqual(anchorQuote('This proves that RLHF cannot work.', lines, 1), { startLine: 13, endLine: 13, startCol: 0, endCol: 34, match: 'exact' });
  assert.deepEqual(anchorQuote('Reward models are always wrong off-distribution.', lines, 1), { startLine: 12, endLine: 12, startCol: 0, endCol: 52, match: 'tolerant' });
  const across = anchorQuote('Reward models are always wrong off-distribution. This proves that RLHF cannot work.', lines, 1)!;
  assert.deepEqual([across.startLine, across.endLine, across.match, across.startCol, across.endCol], [12, 13, 'tolerant', 0, 34]);
  assert.equal(anchorQuote('We should stop using RLHF completely, starting today.', lines, 1)?.match, 'fuzzy');
  assert.equal(anchorQuote('Debate is the answer to everything we care about.', lines, 1), undefined);
});

test('the runner critiques each section against a real server and anchors its findings', async () => {
  server.setResponder((req) => {
    const input = req.messages.at(-1)!.content;
    if (input.includes('This proves that RLHF cannot work.')) {
      return { json: { findings: [{ quote: 'This proves that RLHF cannot work.', problem: 'Overclaim.', why: 'One argument does not prove impossibility.', severity: 'major', suggestion: 'Say "suggests".' }, { quote: 'A sentence that is not there at all.', problem: 'x', why: 'y', severity: 'minor', suggestion: '' }] } };
    }
    if (input.includes('We should stop using RLHF')) return { status: 500 };
    return { json: { findings: [] } };
  });
  const model = new OpenAIModelClient({ baseURL: server.url, model: 'fake-model', timeoutMs: 5000, maxRetries: 0 }, silentLogger);
  const progress: number[] = [];
  const report = await critiqueDraft(DRAFT, { model, task, onProgress: (d) => progress.push(d) });
  assert.equal(report.findings.length, 1);
  assert.deepEqual([report.findings[0].startLine, report.findings[0].endLine, report.findings[0].severity], [13, 13, 'major']);
  assert.equal(report.unplaced.length, 1, 'an unfindable quote is listed apart');
  assert.equal(report.errors.length, 1, 'a failing section is reported, the others still count');
  assert.equal(report.errors[0].section, 'Conclusion');
  assert.deepEqual(progress.sort(), [1, 2, 3]);
  assert.equal(report.stats.structured, true);
  const sent = server.requests.filter((r) => r.path.endsWith('/chat/completions')).at(-1)!.body as { response_format?: { type: string } };
  assert.equal(sent.response_format?.type, 'json_schema');
});

test('endpoints without structured output get the plain layout', async () => {
  server.rejectResponseFormat = true;
  try {
    server.setResponder(() => ({ text: '> This proves that RLHF cannot work.\nProblem: Overclaim.\nWhy: w\nSeverity: major' }));
    const model = new OpenAIModelClient({ baseURL: server.url, model: 'fake-model', timeoutMs: 5000, maxRetries: 0 }, silentLogger);
    const report = await critiqueDraft(DRAFT, { model, task, concurrency: 1 });
    assert.equal(report.stats.structured, false);
    assert.ok(report.findings.some((f) => f.startLine === 13));
  } finally {
    server.rejectResponseFormat = false;
  }
});

test('cancellation stops the run; empty drafts are refused clearly', async () => {
  server.setResponder(() => ({ stall: true }));
  const model = new OpenAIModelClient({ baseURL: server.url, model: 'fake-model', timeoutMs: 5000, maxRetries: 0 }, silentLogger);
  const abort = new AbortController();
  setTimeout(() => abort.abort(), 100);
  await assert.rejects(critiqueDraft(DRAFT, { model, task, signal: abort.signal }), (e) => e instanceof CancelledError && /after \d+ of \d+ sections/.test(e.message));
  await assert.rejects(critiqueDraft('   ', { model, task }), /empty/);
  await assert.rejects(critiqueDraft('---\ntitle: t\n---\n', { model, task }), /no text to critique/);
});
