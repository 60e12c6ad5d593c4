import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { COMMAND_IDS, SHELL_COMMAND_IDS } from '../../src/host/commandIds';

interface Manifest {
  contributes: {
    commands: { command: string }[];
    menus: Record<string, { command?: string; submenu?: string }[]>;
    keybindings?: { command: string }[];
    views?: Record<string, unknown[]>;
  };
  activationEvents?: string[];
}

const manifest = JSON.parse(fs.readFileSync('package.json', 'utf8')) as Manifest;
const contributed = manifest.contributes.commands.map((c) => c.command);
// The host's table (COMMAND_IDS: every room's commands, `createCommands` checks it has each one
// exactly once) and the commands the activation shell registers itself (the chat's).
const table = [...COMMAND_IDS, ...SHELL_COMMAND_IDS];

test('package.json contributes exactly the commands of the command table, each once', () => {
  assert.deepEqual(contributed.filter((id, i) => contributed.indexOf(id) !== i), [], 'contributed twice');
  assert.deepEqual(table.filter((id, i) => table.indexOf(id) !== i), [], 'in the table twice');
  assert.deepEqual(contributed.filter((id) => !table.includes(id as never)), [], 'contributed but in no table');
  assert.deepEqual(table.filter((id) => !contributed.includes(id)), [], 'in the table but not contributed');
});

test('every menu item and key binding names a contributed command', () => {
  const used = [
    ...Object.values(manifest.contributes.menus).flat().flatMap((m) => (m.command ? [m.command] : [])),
    ...(manifest.contributes.keybindings ?? []).map((k) => k.command),
  ];
  assert.deepEqual([...new Set(used.filter((id) => !contributed.includes(id)))], []);
});

test('joining the rooms’ tables refuses an id claimed twice, an id nobody contributes, and a contributed id no room handles', async () => {
  const { joinCommandTables } = await import('../../src/host/commandTable');
  const h = async () => undefined;
  const ids = ['alignment.a', 'alignment.b'];
  assert.deepEqual(Object.keys(joinCommandTables([{ 'alignment.a': h } as never, { 'alignment.b': h } as never], ids)), ids);
  assert.throws(() => joinCommandTables([{ 'alignment.a': h } as never, { 'alignment.a': h, 'alignment.b': h } as never], ids), /alignment\.a is defined by two rooms/);
  assert.throws(() => joinCommandTables([{ 'alignment.a': h, 'alignment.b': h, 'alignment.c': h } as never], ids), /alignment\.c is not in COMMAND_IDS/);
  assert.throws(() => joinCommandTables([{ 'alignment.a': h } as never], ids), /No room handles alignment\.b/);
});
