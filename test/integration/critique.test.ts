import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FakeOpenAI } from '../support/fakeOpenAIServer';
import { assistantAgainstLocalServer } from './support/assistantUnderTest';
import type { CritiqueRunResult } from '../../src/host/critique/critiqueComments';
import type { AssistantApi } from '../../src/extension';

const DRAFT = `# Why RLHF Is Not Enough

An introduction that sets the scene for the argument.

## The argument

Reward models are **always** wrong off-distribution.
This proves that RLHF cannot work.

## Conclusion

We should stop using RLHF entirely, starting today.
`;

describe('Draft critique in a real VS Code', function () {
  this.timeout(60_000);
  let server: FakeOpenAI;
  let draft: string;
  let api: AssistantApi;

  before(async () => {
    ({ server, api } = await assistantAgainstLocalServer('sk-critique-test-0123456789'));
    draft = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'draft.md');
    fs.writeFileSync(draft, DRAFT);
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await server.close();
  });

  it('puts findings on the lines they quote, replaces them on a re-run, and Accept writes the instance', async () => {
    server.setResponder((req) => {
      const input = req.messages.at(-1)!.content;
      if (input.includes('This proves that RLHF cannot work.')) {
        return { json: { findings: [{ quote: 'This proves that RLHF cannot work.', problem: 'Overclaim.', why: 'One argument is not a proof.', severity: 'major', suggestion: 'Say "suggests".' }] } };
      }
      if (input.includes('We should stop using RLHF')) {
        return { json: { findings: [{ quote: 'We should stop using RLHF entirely, starting today.', problem: 'Too strong.', why: 'No alternative is offered.', severity: 'moderate', suggestion: '' }] } };
      }
      return { json: { findings: [] } };
    });
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(draft));
    const first = (await vscode.commands.executeCommand('alignment.critiqueDraft')) as CritiqueRunResult;
    assert.equal(first.threads.length, 2);
    const lines = first.threads.map((t) => [t.range.start.line + 1, t.range.end.line + 1]).sort((a, b) => a[0] - b[0]);
    assert.deepEqual(lines, [
      [8, 8],
      [12, 12],
    ]);

    const again = (await vscode.commands.executeCommand('alignment.critiqueDraft', vscode.Uri.file(draft))) as CritiqueRunResult;
    assert.equal(again.threads.length, 2);
    assert.ok(first.threads.every((t) => !again.threads.includes(t)), 'the old threads were replaced');

    const major = again.threads.find((t) => t.range.start.line === 7)!;
    const instanceId = (await vscode.commands.executeCommand('alignment.critique.accept', major)) as string;
    const file = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'alignment-tasks', 'draft-critique', 'instances.jsonl');
    const saved = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).find((i) => i.id === instanceId);
    assert.ok(saved, 'the accepted finding is an instance on disk');
    assert.match(saved.output, /This proves that RLHF cannot work\./);
    assert.match(saved.output, /Overclaim/);
    assert.match(saved.input.text, /Reward models are \*\*always\*\* wrong/);
    assert.equal(saved.input.fields.lines, '8-8');
    assert.equal(major.state, vscode.CommentThreadState.Resolved);

    const other = again.threads.find((t) => t.range.start.line === 11)!;
    await vscode.commands.executeCommand('alignment.critique.dismiss', other, '');
    const feedback = path.join(path.dirname(file), 'feedback.jsonl');
    const rejected = fs.readFileSync(feedback, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(rejected.at(-1).kind, 'rejected');
    assert.match(rejected.at(-1).output, /Too strong/);
  });

  it('review comments: the sentence quoted and ranged; Dismiss with a reason survives a re-run and undoes; Accept saves once; Edit and Save keeps line breaks', async () => {
    const ws = vscode.workspace.workspaceFolders![0].uri.fsPath;
    fs.mkdirSync(path.join(ws, 'drafts'), { recursive: true });
    const second = path.join(ws, 'drafts', 'review.md');
    fs.writeFileSync(second, '# Review\n\n## Claims\n\nDebate is useful. It always converges to honesty. Judges are humans.\n\n## Plans\n\nWe will scale it next year.\n');
    server.setResponder((req) => {
      const input = req.messages.at(-1)!.content;
      if (input.includes('It always converges')) return { json: { findings: [{ quote: 'It always converges to honesty.', problem: 'Unsupported.', why: 'No proof is given.', severity: 'major', suggestion: 'Cite one.' }] } };
      if (input.includes('scale it next year')) return { json: { findings: [{ quote: 'We will scale it next year.', problem: 'Vague plan.', why: 'No resources named.', severity: 'minor', suggestion: '' }] } };
      return { json: { findings: [] } };
    });
    const critique = (await api.host()).critique;
    const uri = vscode.Uri.file(second);
    const first = (await vscode.commands.executeCommand('alignment.critiqueDraft', uri)) as CritiqueRunResult;
    assert.equal(first.threads.length, 2);
    const claim = first.threads.find((t) => t.range.start.line === 4)!;
    assert.deepEqual([claim.range.start.character, claim.range.end.character], [18, 49], 'the range is the sentence, not the line');
    const body = claim.comments[0].body as vscode.MarkdownString;
    assert.match(body.value, /^> It always converges to honesty\./, 'the comment shows the sentence it criticises');
    // The summary's tab names the draft readably.
    const summary = vscode.window.visibleTextEditors.map((e) => e.document.uri).find((u) => u.path.endsWith('critique.md'))!;
    assert.equal(summary.path, '/critique/drafts/review.md — critique.md');

    await vscode.commands.executeCommand('alignment.critique.dismiss', claim, 'Converges is defined in the appendix.');
    const feedbackFile = path.join(ws, 'alignment-tasks', 'draft-critique', 'feedback.jsonl');
    const rejected = JSON.parse(fs.readFileSync(feedbackFile, 'utf8').trim().split('\n').at(-1)!);
    assert.equal(rejected.kind, 'rejected');
    assert.equal(rejected.rating.reason, 'Converges is defined in the appendix.');
    const rerun = (await vscode.commands.executeCommand('alignment.critiqueDraft', uri)) as CritiqueRunResult;
    assert.deepEqual(rerun.threads.map((t) => t.range.start.line), [8], 'a re-run does not bring the dismissed finding back');
    const back = await critique.undoDismiss();
    assert.ok(back && back.range.start.line === 4, 'Undo shows it again');
    // The rejected line stays as it was; a withdrawal after it says it no longer stands.
    const lines = fs.readFileSync(feedbackFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; kind: string; withdraws?: string });
    assert.equal(lines.at(-2)!.id, rejected.id);
    assert.deepEqual([lines.at(-1)!.kind, lines.at(-1)!.withdraws], ['withdrawn', rejected.id], 'Undo withdraws the rejected record');
    const third = (await vscode.commands.executeCommand('alignment.critiqueDraft', uri)) as CritiqueRunResult;
    assert.equal(third.threads.length, 2, 'and after Undo a re-run shows it too');

    const instancesFile = path.join(ws, 'alignment-tasks', 'draft-critique', 'instances.jsonl');
    // The file may not exist yet when this test runs alone.
    const count = () => (fs.existsSync(instancesFile) ? fs.readFileSync(instancesFile, 'utf8').trim().split('\n').filter(Boolean).length : 0);
    const before = count();
    const plan = third.threads.find((t) => t.range.start.line === 8)!;
    const id = (await vscode.commands.executeCommand('alignment.critique.accept', plan)) as string;
    const fourth = (await vscode.commands.executeCommand('alignment.critiqueDraft', uri)) as CritiqueRunResult;
    const planAgain = fourth.threads.find((t) => t.range.start.line === 8)!;
    assert.equal(planAgain.contextValue, 'alignmentFinding.accepted', 'a re-run shows the accepted finding as saved');
    assert.equal(await vscode.commands.executeCommand('alignment.critique.accept', planAgain), id);
    assert.equal(count(), before + 1, 'an accepted finding is saved exactly once');

    const claimAgain = fourth.threads.find((t) => t.range.start.line === 4)!;
    const edited = '> It always converges to honesty.\n\n**major** — Unsupported.\n\n- No proof.\n- No experiment.';
    const editedId = await critique.editAndSave(claimAgain, edited);
    const saved = fs.readFileSync(instancesFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).find((i) => i.id === editedId);
    assert.equal(saved.output, edited, 'Edit and Save keeps the line breaks');
  });
});
