import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FakeOpenAI } from '../support/fakeOpenAIServer';
import { startBeacon, type Beacon } from '../support/beaconServer';
import { assistantAgainstLocalServer } from './support/assistantUnderTest';
import type { CritiqueRunResult } from '../../src/host/critique/critiqueComments';

const DRAFT = `# A Secret Draft

Our unpublished result is that the reward model can be gamed in three steps.
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A model (or a paper quoted by it) names an image: rendered as an image, the workbench would
// fetch it with no click, and its URL can carry the draft. The beacon is HTTPS on 127.0.0.1,
// which the workbench's CSP allows, so only our rendering stands between the draft and it.
describe('Critique comments load no remote image (beacon)', function () {
  this.timeout(90_000);
  let server: FakeOpenAI;
  let beacon: Beacon;
  let draft: string;

  before(async () => {
    ({ server } = await assistantAgainstLocalServer('sk-beacon-test-0123456789'));
    beacon = await startBeacon();
    draft = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'secret-draft.md');
    fs.writeFileSync(draft, DRAFT);
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await server.close();
    await beacon.close();
  });

  it('renders the finding with its image as a link: the beacon gets zero requests', async () => {
    const leak = (where: string) => `![x](${beacon.url}/beacon/${where}?draft=${encodeURIComponent('reward model can be gamed')})`;
    server.setResponder(() => ({
      json: {
        findings: [
          {
            quote: 'Our unpublished result is that the reward model can be gamed in three steps.',
            problem: `Unsupported claim ${leak('problem')}`,
            why: `No evidence is given. ${leak('why')}`,
            severity: 'major',
            suggestion: `Show the steps. ${leak('suggestion')}`,
          },
        ],
      },
    }));
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(draft));
    const result = (await vscode.commands.executeCommand('alignment.critiqueDraft', vscode.Uri.file(draft))) as CritiqueRunResult;
    assert.equal(result.threads.length, 1);
    const thread = result.threads[0];
    assert.equal(thread.collapsibleState, vscode.CommentThreadCollapsibleState.Expanded);
    // The thread renders inline in the visible editor; show the draft again (the summary opened
    // beside it) and open the Comments panel too, so the comment is on screen in both.
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(draft), { viewColumn: vscode.ViewColumn.One });
    await vscode.commands.executeCommand('workbench.action.focusCommentsPanel').then(undefined, () => vscode.commands.executeCommand('workbench.panel.comments.focus').then(undefined, () => undefined));
    // The body handed to the workbench holds the links, not images.
    const body = thread.comments[0].body;
    const text = typeof body === 'string' ? body : body.value;
    assert.doesNotMatch(text, /!\[/);
    assert.match(text, /\[image: x\]\(https:\/\/127\.0\.0\.1:\d+\/beacon\/problem\?draft=/);
    // Rendering and fetching take milliseconds; give a loaded machine generous time.
    await sleep(8_000);
    assert.deepEqual(beacon.hits, [], 'the beacon was requested');
  });
});
