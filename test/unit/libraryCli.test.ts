import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/cliIo';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fakeOpenAIServer';

// align retrieve <folder> and align ask --library DIR: the library search scripts and agents share.
let dir: string;
let server: FakeOpenAI;

before(async () => {
  server = await startFakeOpenAI();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'align-libcli-'));
  fs.mkdirSync(path.join(dir, 'papers', 'sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'papers', 'reward.md'), '# Reward Hacking\n\nA KL penalty keeps the policy close to its initial distribution.\n');
  fs.writeFileSync(path.join(dir, 'papers', 'sub', 'debate.md'), '# Debate\n\nTwo agents argue and a human judge decides.\n');
});
after(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { stdout: (s) => (out += s), stderr: (s) => (err += s), env: { ALIGN_CACHE_DIR: path.join(dir, 'cache'), ...env }, cwd: dir, readStdin: async () => '' };
  return { code: await main(args, io), out, err };
}

test('align retrieve <folder> ranks passages across the papers, each with its paper', async () => {
  const r = await run(['retrieve', 'papers', 'who decides the debate', '-k', '1', '--json']);
  assert.equal(r.code, 0, r.err);
  const { papers, passages } = JSON.parse(r.out) as { papers: number; passages: { paper: string; text: string; location: string }[] };
  assert.equal(papers, 2);
  assert.equal(passages[0].paper, 'Debate');
  assert.match(passages[0].text, /human judge decides/);
});

test('align ask --library DIR answers from the library through the model, and a missing folder is a usage error', async () => {
  server.setResponder(() => ({ text: 'It keeps the policy close to where it started [P1].' }));
  const r = await run(['ask', '--library', 'papers', 'What does the KL penalty do?', '--json'], { OPENAI_BASE_URL: server.url, ALIGN_MODEL: 'fake-model' });
  assert.equal(r.code, 0, r.err);
  const out = JSON.parse(r.out) as { answer: string; passages: { text: string }[] };
  assert.match(out.answer, /close to where it started/);
  assert.match(JSON.stringify(server.requests.at(-1)?.body), /KL penalty keeps the policy close/);
  const missing = await run(['ask', '--library', 'nowhere', 'Why?']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /nowhere is not a folder of papers/);
});

test('align index and retrieve --bibtex read a Zotero export: attachments from the storage folder, titles from the entries; a second process loads the index', async () => {
  const storage = path.join(dir, 'Zotero', 'storage');
  fs.mkdirSync(path.join(storage, 'K1'), { recursive: true });
  fs.writeFileSync(path.join(storage, 'K1', 'christiano.md'), '# first page title\n\nPreferences between pairs of trajectory segments train the reward predictor.\n');
  const bib = path.join(dir, 'my library.bib');
  fs.writeFileSync(bib, `@article{christiano2017,\n  title = {Deep {RL} from Human Preferences},\n  author = {Christiano, Paul},\n  year = {2017},\n  file = {Full Text:${storage}/K1/christiano.md:text/markdown}\n}\n`);
  const idx = await run(['index', '--bibtex', 'my library.bib', '--zotero-storage', 'Zotero/storage', '--json']);
  assert.equal(idx.code, 0, idx.err);
  assert.equal((JSON.parse(idx.out) as { papers: number }).papers, 1);
  const r = await run(['retrieve', '--bibtex', 'my library.bib', '--zotero-storage', 'Zotero/storage', 'trajectory segments reward', '--json']);
  assert.equal(r.code, 0, r.err);
  const { passages } = JSON.parse(r.out) as { passages: { paper: string }[] };
  assert.equal(passages[0].paper, 'Deep RL from Human Preferences');
  const missing = await run(['retrieve', '--bibtex', 'nope.bib', 'x']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /nope\.bib does not exist/);
});
