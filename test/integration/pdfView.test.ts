import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FakeOpenAI } from '../support/fakeOpenAIServer';
import { assistantAgainstLocalServer, workspaceDir } from './support/assistantUnderTest';
import { buildPdf, proseLines } from '../support/pdfFixture';
import { artifactsDir, eventually, uiAction } from './support/uiActions';
import type { AssistantApi } from '../../src/extension';
import type { AskResult } from '../../src/host/conversation/askCommands';
import type { Host } from '../../src/host/hostMain';
import type { TaskInstance } from '../../src/core/dataset/instanceTypes';

/** Fails with `what` when `p` takes longer than `ms`, rather than at mocha's timeout. */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))]);
}

const TITLE = 'Preference Models Under Distribution Shift';
const KL_SENTENCE = ['The KL penalty serves two purposes: it acts as an entropy bonus', 'and it keeps the policy close to the data the reward model saw.'];

/** A paper of `pages` pages: a title page with an arXiv stamp, prose, and the KL passage on page 3. */
function paper(pages: number): Uint8Array {
  return buildPdf(
    Array.from({ length: pages }, (_, i) => {
      const n = i + 1;
      if (n === 1) {
        return {
          texts: [
            { text: TITLE, x: 110, y: 700, size: 17 },
            { text: 'Ada Lovelace   Alan Turing', x: 200, y: 670, size: 11 },
            { text: 'arXiv:2305.18290v2 [cs.LG] 29 Jul 2023', x: 20, y: 300, size: 9, rotate: true },
          ],
          paragraphs: [[''], [''], [''], [''], ['Abstract'], ['We study how reward models behave when the policy drifts away', 'from the data they were trained on, and what keeps it close.']],
        };
      }
      if (n === 3) return { paragraphs: [proseLines('Method', 6), KL_SENTENCE, proseLines('After', 4)], pageLabel: String(n) };
      if (n === 2) return { paragraphs: [['Related work on preference learning and reward hacking is surveyed here.'], proseLines('Related', 8)], pageLabel: String(n) };
      return { paragraphs: [proseLines(`Page${n}`, 30)], pageLabel: String(n) };
    }),
    { title: 'untitled', author: 'Some Uploader', creationDate: 'D:20240125120000Z' },
  );
}

describe('The PDF view', function () {
  this.timeout(120_000);
  let server: FakeOpenAI;
  let api: AssistantApi;
  let host: Host;
  let pdfPath: string;

  before(async () => {
    ({ server, api } = await assistantAgainstLocalServer('sk-pdf-view-test-0123456789'));
    host = await api.host();
    fs.mkdirSync(path.join(workspaceDir(), 'papers'), { recursive: true });
    pdfPath = path.join(workspaceDir(), 'papers', 'shift.pdf');
    fs.writeFileSync(pdfPath, paper(12));
    fs.mkdirSync(artifactsDir(), { recursive: true });
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await server.close();
  });

  it('opens a PDF as the default editor and shows page 1 with its text layer', async () => {
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(pdfPath));
    const view = await eventually('a PDF view for the file', async () => host.pdfViews.find(vscode.Uri.file(pdfPath)));
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    assert.ok(tab?.input instanceof vscode.TabInputCustom && tab.input.viewType === 'alignment.pdfView', 'the PDF opens in the PDF view, not as bytes');
    await within(60_000, 'page 1 drawn', view.whenLoaded()).catch(async (e: unknown) => {
      await uiAction({ action: 'screenshot', file: 'pdf-view-failed.png' });
      throw e;
    });
    const state = await within(10_000, 'the view reports its state', view.probe());
    assert.equal(state.pageCount, 12);
    assert.equal(state.page, 1);
    assert.match(state.pageText.replace(/\s+/g, ' '), /Preference Models Under Distribution Shift/, 'the text layer of page 1 holds the title');
    assert.ok(state.renderedPages.length <= 8, `pages are drawn lazily: ${state.renderedPages.join(',')}`);
    assert.ok(!state.renderedPages.includes(12), 'the last page is not drawn while page 1 is shown');
    await uiAction({ action: 'screenshot', file: 'pdf-view-page1.png' });
  });

  it('goes to a page and highlights a passage', async () => {
    const view = host.pdfViews.find(vscode.Uri.file(pdfPath))!;
    view.reveal(3, KL_SENTENCE.join(' '));
    const state = await eventually('the highlight on page 3', async () => {
      const s = await view.probe();
      return s.highlighted ? s : undefined;
    });
    assert.equal(state.highlightPage, 3);
    assert.equal(state.page, 3);
    assert.ok(state.highlightVisible, 'the highlighted passage is scrolled into view');
    const words = (s: string) => s.toLowerCase().replace(/[^a-z0-9 ]+/g, ' ').split(/\s+/).filter(Boolean);
    const lit = new Set(words(state.highlighted));
    for (const w of words(KL_SENTENCE.join(' '))) assert.ok(lit.has(w), `"${w}" is highlighted`);
    assert.doesNotMatch(state.highlighted, /Method line|After line/, 'only the passage is highlighted, not its neighbours');
    await uiAction({ action: 'screenshot', file: 'pdf-view-highlight.png' });
  });

  it('asks about the document with the PDF view active', async () => {
    let prompt = '';
    server.setResponder((req) => {
      prompt = req.messages.map((m) => m.content).join('\n');
      return { text: 'It studies reward models under drift [P0].' };
    });
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(pdfPath));
    const result = (await vscode.commands.executeCommand('alignment.askAboutDocument', { question: 'What is this paper about?' })) as AskResult;
    assert.equal(result?.status, 'done', result?.error);
    assert.match(prompt, /reward models behave when the policy drifts/);
  });

  it('asks about a selection with the whole paper as the source, and saves the quote with its page', async () => {
    let prompt = '';
    server.setResponder((req) => {
      prompt = req.messages.map((m) => m.content).join('\n');
      const id = /<passage id="(P\d+)"[^>]*>\n[^<]*serves two purposes/.exec(prompt)?.[1] ?? 'P0';
      return { text: `Because it regularises the policy [${id}].` };
    });
    const uri = vscode.Uri.file(pdfPath);
    // The paper alone in the window, as a reader has it, so both lines are on screen to drag over.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const view = await host.pdfViews.open(uri);
    view.reveal(3);
    await eventually('page 3 drawn', async () => ((await view.probe()).renderedPages.includes(3) ? true : undefined));
    // A real mouse drag over the sentence's two lines.
    await uiAction({ action: 'dragSelect', frameHas: '#viewer .textLayer', from: 'The KL penalty serves two purposes', to: 'and it keeps the policy close' });
    // The view reports the selection as it grows: wait for the one ending where the mouse was released.
    const sel = await eventually('the selection reaches the host', async () => (/model saw/.test(view.selection?.text ?? '') ? view.selection : undefined)).catch(() => view.selection ?? { text: '', page: 0 });
    assert.equal(sel.page, 3);
    assert.match(sel.text, /^The KL penalty serves two purposes.*keeps the policy close/);
    assert.doesNotMatch(sel.text, /Method line|After line/, 'the drag selects the two lines, not the page around them');
    const result = (await vscode.commands.executeCommand('alignment.askAboutSelection', { question: 'Why is there a KL penalty?' })) as AskResult;
    assert.equal(result?.status, 'done', result?.error);
    assert.match(prompt, /Quote from the paper: “The KL penalty serves two purposes[^”]*” — Why is there a KL penalty\?/);
    assert.match(prompt, /Related work on preference learning/, 'passages from other pages go with the question');
    assert.match(prompt, /reward models behave when the policy drifts/, 'page 1 too');

    const conversation = host.conversations.active()!;
    const instanceId = await vscode.commands.executeCommand<string>('alignment.saveInstance', { editedText: 'It regularises the policy.', turnId: result.turnId });
    const store = await host.services.store();
    const { instances } = await store.readInstances('paper-qa');
    const saved = instances.find((i: TaskInstance) => i.id === instanceId)!;
    assert.ok(saved, 'the instance was saved');
    assert.equal(saved.input.quote?.page, 3);
    assert.match(saved.input.quote?.text ?? '', /KL penalty serves two purposes/);
    assert.equal(saved.input.source?.kind, 'pdf');
    assert.equal(saved.input.source?.identifier, 'arXiv:2305.18290v2', 'the paper is named by its identifier');
    assert.equal(saved.input.source?.workspacePath, 'papers/shift.pdf', 'and by its place in the workspace');
    assert.equal(saved.input.source?.title, TITLE);
    assert.deepEqual(saved.input.source?.authors, ['Ada Lovelace', 'Alan Turing'], 'authors from the page, not the uploader in Info');
    assert.equal(saved.input.source?.date, '2023-07-29');
    assert.match(saved.input.source?.contentHash ?? '', /^[0-9a-f]{64}$/);
    assert.ok(conversation);
  });

  it('opens a citation on its page with the passage highlighted and the sentence the claim rests on marked', async () => {
    server.setResponder((req) => {
      const prompt = req.messages.at(-1)!.content;
      const id = /<passage id="(P\d+)"[^>]*>\n[^<]*serves two purposes/.exec(prompt)?.[1] ?? 'P0';
      return { text: `It keeps the policy close to the reward model's data [${id}].` };
    });
    const result = (await host.run('alignment.askAboutPaper', [{ uri: vscode.Uri.file(pdfPath), question: 'Why the KL penalty?' }])) as AskResult;
    assert.equal(result.status, 'done', result.error);
    const conversation = host.conversations.active()!;
    const owned = conversation.findTurn(result.turnId)!;
    const cited = owned.turn.citations.find((c) => c.valid)!;
    assert.ok(cited, 'the answer cites a real passage');
    // What a click on the citation in the panel sends.
    await conversation.webview.send({ type: 'openCitation', turnId: result.turnId, passageId: cited.id });
    const view = host.pdfViews.find(vscode.Uri.file(pdfPath))!;
    const state = await eventually('the cited passage highlighted', async () => {
      const s = await view.probe();
      return s.highlightPage === 3 && /serves two purposes/.test(s.highlighted) ? s : undefined;
    });
    assert.equal(state.page, 3);
    assert.ok(state.highlightVisible);
    assert.match(state.highlighted.replace(/\s+/g, ' '), /keeps the policy close to the data the reward model saw/);
    // The passage is the whole short page; the mark that stands out is the sentence the answer used.
    const focused = (state.focused ?? '').replace(/\s+/g, ' ');
    assert.match(focused, /The KL penalty serves two purposes.*keeps the policy close to the data the reward model saw/);
    assert.doesNotMatch(focused, /Method line|After line/, 'only the cited sentence is marked strongly');
    // No selection left over the page (it would paint the whole page as one highlight).
    assert.equal((await view.probe()).selectedText ?? '', '', 'nothing is selected over the highlight');
    await uiAction({ action: 'screenshot', file: 'pdf-view-citation.png' });
  });
});
