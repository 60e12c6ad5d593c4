import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FakeOpenAI } from '../support/fakeOpenAIServer';
import { assistantAgainstLocalServer } from './support/assistantUnderTest';
import { buildPdf } from '../support/pdfFixture';
import type { AssistantApi } from '../../src/extension';
import type { AskResult } from '../../src/host/conversation/askCommands';

describe('A generated PDF in a real VS Code', function () {
  // Generous: the PDF view opens in a real webview on a loaded machine.
  this.timeout(180_000);
  let server: FakeOpenAI;
  let pdf: string;

  before(async () => {
    ({ server } = await assistantAgainstLocalServer('sk-pdf-citation-test-0123456789'));
    pdf = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'generated.pdf');
    fs.writeFileSync(
      pdf,
      buildPdf([
        { paragraphs: [['Reward Modelling in Practice'], ['This first page introduces the setting and the notation.']] },
        { paragraphs: [['Related work on preference learning is surveyed here.']] },
        { paragraphs: [['The KL term serves two purposes: it acts as an entropy bonus', 'and keeps the policy near the data the reward model saw.']] },
      ]),
    );
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await server.close();
  });

  it('answers with a citation that opens the right page', async () => {
    server.setResponder((req) => {
      const prompt = req.messages.at(-1)!.content;
      // Cite the passage that really holds the answer, by the id the prompt gave it.
      const id = /<passage id="(P\d+)"[^>]*>\n[^<]*serves two purposes/.exec(prompt)?.[1] ?? 'P0';
      return { text: `It is an entropy bonus and keeps the policy near the reward model's data [${id}].` };
    });
    const api = await vscode.extensions.getExtension<AssistantApi>('alignment-research.alignment-research-assistant')!.activate();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // Through the host directly, so a failure shows its own error rather than a notification.
    const result = (await (await api.host()).run('alignment.askAboutPaper', [{ uri: vscode.Uri.file(pdf), question: 'Why is there a KL term?' }])) as AskResult;
    assert.equal(result.status, 'done', result.error);
    const conversation = (await (await vscode.extensions.getExtension<AssistantApi>('alignment-research.alignment-research-assistant')!.activate()).host()).conversations.active()!;
    const owned = conversation.findTurn(result.turnId)!;
    const cited = owned.turn.citations.find((c) => c.valid);
    assert.ok(cited, `the answer has a real citation: ${result.answer}`);
    const passage = owned.turn.passages.find((p) => p.id === cited.id)!;
    assert.equal(passage.location.page, 3, 'the cited passage is on page 3');
    const view = conversation.state().turns.find((t) => t.id === result.turnId)!;
    assert.equal(view.citations?.find((c) => c.id === cited.id)?.label, 'p. 3', 'the panel shows [p. 3]');

    // What clicking the citation does: the PDF view on page 3; "View Page as Text" shows that page's extracted text.
    await conversation.webview.send({ type: 'openCitation', turnId: result.turnId, passageId: cited.id });
    const host = await api.host();
    const pdfView = host.pdfViews.find(vscode.Uri.file(pdf))!;
    assert.ok(pdfView, 'the citation opened the PDF view');
    assert.equal((await pdfView.probe()).page, 3);
    await vscode.commands.executeCommand('alignment.viewPageAsText');
    const editor = vscode.window.activeTextEditor!;
    assert.equal(editor.document.uri.scheme, 'alignment-source');
    assert.match(editor.document.getText(), /page 3 \(extracted text\)/);
    assert.match(editor.document.getText(), /serves two purposes/);
  });
});
