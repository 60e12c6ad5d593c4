import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FakeOpenAI } from '../support/fakeOpenAIServer';
import { assistantAgainstLocalServer } from './support/assistantUnderTest';
import type { CritiqueRunResult } from '../../src/host/critique/critiqueComments';

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

  before(async () => {
    ({ server } = await assistantAgainstLocalServer('sk-critique-test-0123456789'));
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
    await vscode.commands.executeCommand('alignment.critique.dismiss', other);
    const feedback = path.join(path.dirname(file), 'feedback.jsonl');
    const rejected = fs.readFileSync(feedback, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(rejected.at(-1).kind, 'rejected');
    assert.match(rejected.at(-1).output, /Too strong/);
  });
});
