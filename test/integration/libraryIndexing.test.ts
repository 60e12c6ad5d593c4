import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { FakeOpenAI } from '../support/fakeOpenAIServer';
import { assistantAgainstLocalServer, workspaceDir, EXTENSION_ID } from './support/assistantUnderTest';
import type { AssistantApi } from '../../src/extension';
import type { AskResult } from '../../src/host/commands';

/** The parts of src/host/library/hostLibrary.ts the test drives (the host bundle's own object). */
interface SharedLibrary {
  current(): { papers(): unknown[] } | undefined;
  ready(): Promise<{ papers(): unknown[] } | undefined>;
  refreshNow(): Promise<{ cancelled?: boolean; added: number; problems: { path: string }[] } | undefined>;
  cancel(): void;
  readonly indexing: boolean;
  readonly statusText: string;
}

// A nonce per run: the parse cache (in the extension's storage, kept between runs) must not hold these papers.
const NONCE = `run ${Date.now()}`;
const paper = (i: number, body: string) => `---\ntitle: Paper ${i}\ndate: 2020-01-0${1 + (i % 9)}\n---\n\n# Paper ${i}\n\n## Method\n\n${body} (${NONCE})\n`;

describe('Library indexing in a real VS Code', function () {
  this.timeout(300_000);
  let server: FakeOpenAI;
  let folder: string;

  before(async () => {
    ({ server } = await assistantAgainstLocalServer('sk-library-indexing-0123456789'));
    folder = path.join(workspaceDir(), 'library-indexing');
    fs.rmSync(folder, { recursive: true, force: true });
    fs.mkdirSync(folder, { recursive: true });
    // The KL paper first, then big papers (files are read in name order): parsing one takes
    // seconds, which would stop the extension host's event loop if it happened there.
    const filler = Array.from({ length: 9000 }, (_, j) => `Sentence ${j} about *reward* models and \`code\` in a long paper.${j % 40 === 39 ? '\n\n' : ''}`).join(' ');
    for (let i = 0; i < 2; i++) fs.writeFileSync(path.join(folder, `a-big${i}.md`), paper(1000 + i, filler));
    fs.writeFileSync(path.join(folder, '0-kl.md'), paper(0, 'The KL penalty keeps the policy close to the supervised model, so the reward model stays accurate.'));
    fs.writeFileSync(path.join(folder, 'b-broken.pdf'), '<html>saved as pdf by mistake</html>');
    for (let i = 1; i <= 150; i++) fs.writeFileSync(path.join(folder, `c-paper${String(i).padStart(3, '0')}.md`), paper(i, `Paper ${i} studies debate number ${i} and oversight.`));
    await vscode.workspace.getConfiguration('alignment').update('library.folder', folder, vscode.ConfigurationTarget.Workspace);
  });
  after(async () => {
    await vscode.workspace.getConfiguration('alignment').update('library.folder', undefined, vscode.ConfigurationTarget.Workspace);
    await server.close();
  });

  it('indexes in a worker without stopping the event loop, counts in the status bar, lists a bad file as a problem, is searchable while indexing, and a cancel keeps what is done', async () => {
    server.reset();
    server.setResponder(() => ({ text: 'It keeps the policy near the supervised model [P1].' }));
    const api = await vscode.extensions.getExtension<AssistantApi>(EXTENSION_ID)!.activate();
    const host = await api.host();
    await host.run('alignment.askLibrary', [{ question: '' }]).catch(() => undefined);
    const shared = (host.services as unknown as { library: SharedLibrary }).library;
    assert.ok(shared, 'the host library exists');

    // The event loop's longest stall while the library is indexed.
    let worst = 0;
    let lastTick = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      worst = Math.max(worst, now - lastTick);
      lastTick = now;
    }, 20);
    const statuses = new Set<string>();
    const watch = setInterval(() => statuses.add(shared.statusText), 50);
    const first = shared.refreshNow();
    try {
      // Searchable while indexing: once the first papers are in, a question is answered from them.
      const deadline = Date.now() + 120_000;
      while ((shared.current()?.papers().length ?? 0) < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.ok(shared.indexing, 'still indexing when the question is asked');
      const result = (await host.run('alignment.askLibrary', [{ question: 'Why keep the policy near the supervised model?' }])) as AskResult;
      assert.equal(result.status, 'done', result.error);
      const chat = server.requests.find((r) => r.path.endsWith('/chat/completions'))!;
      assert.match(JSON.stringify(chat.body), /KL penalty keeps the policy/, 'the indexed paper was searched');
      assert.ok(shared.indexing, 'the answer came before indexing finished');
      shared.cancel();
      const r = await first;
      assert.equal(r?.cancelled, true, 'a cancel ends the run as cancelled, not as an error');
      const kept = shared.current();
      assert.ok((kept?.papers().length ?? 0) >= 1, 'what was indexed before the cancel stays searchable');
      // Finishing the run (the big papers included): the bad file is a problem in the Problems panel, naming it.
      const done = await shared.refreshNow();
      assert.ok(done && !done.cancelled);
    } finally {
      clearInterval(timer);
      clearInterval(watch);
    }
    assert.ok(worst < 1500, `the extension host's event loop stalled for ${Math.round(worst)} ms while indexing`);
    assert.ok([...statuses].some((s) => /Library: \d+\/1[0-9]{2} papers/.test(s)), `a status-bar count: ${[...statuses].join(' | ')}`);
    const diags = vscode.languages.getDiagnostics(vscode.Uri.file(path.join(folder, 'b-broken.pdf')));
    assert.equal(diags.length, 1, 'the unreadable file is listed as a problem');
    assert.match(diags[0].message, /b-broken\.pdf/);
    assert.match(shared.statusText, /Library: 153 papers/);
  });
});
