import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AlignError, useRemedyWording, type Remedy } from '../../src/core/errors';
import { notConfiguredError, timeoutError } from '../../src/core/model/modelErrors';
import { CLI_REMEDY_WORDING } from '../../src/cli/cliRemedies';
import { HOST_REMEDY_WORDING } from '../../src/host/remedyWording';

const ALL: Remedy[] = ['set-key', 'set-base-url', 'set-model', 'configure-model', 'raise-timeout', 'raise-retries', 'force-replace'];
const ctx = { endpoint: 'http://127.0.0.1:9/v1', model: 'm', timeoutMs: 1000 };

test('each shell words every remedy in its own terms', () => {
  for (const r of ALL) assert.ok(HOST_REMEDY_WORDING[r], `editor wording for ${r}`);
  for (const [r, text] of Object.entries(CLI_REMEDY_WORDING)) assert.ok(!/Alignment:|alignment\.[a-z]|setting/i.test(text!), `${r}: ${text}`);
  for (const [r, text] of Object.entries(HOST_REMEDY_WORDING)) assert.ok(!/--[a-z]|OPENAI_|ALIGN_/.test(text!), `${r}: ${text}`);
});

test('a core failure carries a remedy code and reads in the words of the shell that installed its wording', () => {
  const e = notConfiguredError({ endpoint: 'https://api.openai.com/v1', model: 'gpt-4o-mini' });
  assert.equal(e.remedy, 'set-key');
  useRemedyWording(CLI_REMEDY_WORDING);
  assert.equal(e.display, 'No API key is set for https://api.openai.com/v1. Set an API key. Set OPENAI_API_KEY.');
  assert.match(timeoutError(ctx).display, /--timeout SECONDS/);
  useRemedyWording(HOST_REMEDY_WORDING);
  assert.equal(e.display, "No API key is set for https://api.openai.com/v1. Set an API key. Run 'Alignment: Set API Key'.");
  assert.match(timeoutError(ctx).display, /alignment\.requestTimeoutSeconds/);
  useRemedyWording({});
  assert.equal(new AlignError('m.', 'x', 'h.', { remedy: 'set-key' }).display, 'm. h.');
});

test("the core's own messages name no shell's commands, settings or flags", () => {
  const files = ['src/core/errors.ts', 'src/core/model/modelErrors.ts', 'src/core/model/openaiModelClient.ts', 'src/core/assistant/fallbackAnswer.ts', 'src/core/assistant/researchSession.ts', 'src/core/exports/exportDataset.ts'];
  for (const f of files) {
    const text = fs.readFileSync(path.join(__dirname, '..', '..', f), 'utf8').split('\n').filter((l) => !/^\s*(\/\/|\*|\/\*\*)/.test(l)).join('\n');
    assert.ok(!/'Alignment: |alignment\.(baseUrl|model|requestTimeoutSeconds|maxRetries)|CLI: |--force|--timeout/.test(text), f);
  }
});
