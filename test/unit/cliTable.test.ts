import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLI_COMMANDS, COMMON_OPTIONS, findCommand, usageText } from '../../src/cli/cliCommands';
import { OPTIONS } from '../../src/cli/cliOptions';
import { UsageError } from '../../src/cli/cliIo';

test('every flag the CLI parses is read by some command of the table (or by all), and each command is named once', () => {
  const claimed = new Set([...COMMON_OPTIONS, ...CLI_COMMANDS.flatMap((c) => c.options)]);
  assert.deepEqual(Object.keys(OPTIONS).filter((o) => !claimed.has(o as never)), []);
  const names = CLI_COMMANDS.map((c) => c.words.join(' '));
  assert.deepEqual(names.filter((n, i) => names.indexOf(n) !== i), []);
});

test('the help is made from the table: one line per usage of each command', () => {
  const help = usageText();
  for (const c of CLI_COMMANDS) for (const u of c.usage) assert.ok(help.includes(`\n  align ${c.words.join(' ')}${u ? ` ${u}` : ''}\n`), `${c.words.join(' ')} ${u}`);
});

test('the words route to their command, the rest are its arguments; unknown words are a usage error naming the choices', () => {
  const { command, args } = findCommand(['dataset', 'rate', 'paper-qa', 'i1', 'good']);
  assert.deepEqual(command.words, ['dataset', 'rate']);
  assert.deepEqual(args, ['paper-qa', 'i1', 'good']);
  assert.deepEqual(findCommand(['ask', 'paper.md', 'Why?']).args, ['paper.md', 'Why?']);
  assert.throws(() => findCommand(['frobnicate']), (e: unknown) => e instanceof UsageError && e.message === 'Unknown command "frobnicate".');
  assert.throws(
    () => findCommand(['dataset', 'shred']),
    (e: unknown) => e instanceof UsageError && e.message === 'Unknown dataset command "shred": use validate, export, import, edit, rate or split.',
  );
});
