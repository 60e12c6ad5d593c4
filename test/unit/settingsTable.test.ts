import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { SETTING_DEFAULTS } from '../../src/core/settingDefaults';
import { resolveModelSettingsFromEnv } from '../../src/core/model/modelConfig';
import { DEFAULT_MAX_ANSWER_CHARS, DEFAULT_MAX_ANSWER_MS } from '../../src/core/model/modelTypes';
import { main } from '../../src/cli/main';
import type { CliIo } from '../../src/cli/cliIo';

interface Property { type: string; default: unknown; description?: string; markdownDescription?: string }
const manifest = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { contributes: { configuration: { properties: Record<string, Property> } } };
const contributed = manifest.contributes.configuration.properties;

test('the settings table and package.json contributes.configuration name the same settings with the same defaults and types', () => {
  const keys = Object.keys(contributed).map((k) => k.replace(/^alignment\./, ''));
  assert.deepEqual([...keys].sort(), Object.keys(SETTING_DEFAULTS).sort());
  for (const [key, value] of Object.entries(SETTING_DEFAULTS)) {
    const p = contributed[`alignment.${key}`];
    assert.deepEqual(p.default, value, `alignment.${key}: package.json's default`);
    assert.equal(p.type, typeof value, `alignment.${key}: type`);
    assert.ok(p.description || p.markdownDescription, `alignment.${key} has a description`);
  }
});

test('the CLI and the editor share their defaults: model, timeout, retries, temperature, answer limits', async () => {
  const cli = resolveModelSettingsFromEnv({}, {});
  assert.equal(cli.model, contributed['alignment.model'].default);
  assert.equal(cli.timeoutMs, (contributed['alignment.requestTimeoutSeconds'].default as number) * 1000);
  assert.equal(cli.maxRetries, contributed['alignment.maxRetries'].default);
  assert.equal(cli.temperature, contributed['alignment.temperature'].default);
  assert.equal(cli.maxTokens, contributed['alignment.maxTokens'].default);
  assert.equal(DEFAULT_MAX_ANSWER_MS, (contributed['alignment.maxAnswerSeconds'].default as number) * 1000);
  assert.equal(DEFAULT_MAX_ANSWER_CHARS, contributed['alignment.maxAnswerChars'].default);
  // And the help says so.
  let help = '';
  const io: CliIo = { stdout: (s) => (help += s), stderr: () => undefined, env: {}, cwd: process.cwd(), readStdin: async () => '' };
  assert.equal(await main(['--help'], io), 0);
  assert.match(help, new RegExp(`--timeout SECONDS +request timeout \\(default ${contributed['alignment.requestTimeoutSeconds'].default}\\)`));
  assert.match(help, new RegExp(`--dataset DIR +dataset folder \\(default \\./${contributed['alignment.datasetFolder'].default}\\)`));
});
