import { COMMAND_IDS, type CommandId } from './commandIds';

/** What a command runs: its arguments come from VS Code (a Uri, a tree node) or from a caller. */
export type CommandHandler = (...args: unknown[]) => Promise<unknown>;

/**
 * A room's commands: each id it owns with its handler. Every room exports one factory of this
 * shape (`fooCommands(deps): CommandTable<…>`) built from the dependencies it names, and the
 * composition root joins them into the extension's one table.
 */
export type CommandTable<Id extends CommandId = CommandId> = { readonly [K in Id]: CommandHandler };

/**
 * The rooms' tables as one, checked once when the host loads: an id claimed by two rooms, or a
 * contributed id no room handles, is a programming error named here rather than a silent no-op.
 */
export function joinCommandTables(tables: readonly Partial<CommandTable>[], ids: readonly string[] = COMMAND_IDS): CommandTable {
  const joined: Partial<Record<CommandId, CommandHandler>> = {};
  for (const table of tables) {
    for (const [id, handler] of Object.entries(table) as [CommandId, CommandHandler][]) {
      if (joined[id]) throw new Error(`Command ${id} is defined by two rooms.`);
      if (!ids.includes(id)) throw new Error(`Command ${id} is not in COMMAND_IDS (package.json contributes.commands).`);
      joined[id] = handler;
    }
  }
  const missing = ids.filter((id) => !joined[id as CommandId]);
  if (missing.length) throw new Error(`No room handles ${missing.join(', ')}.`);
  return joined as CommandTable;
}
