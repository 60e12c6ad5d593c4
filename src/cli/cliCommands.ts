import { UsageError } from './cliIo';
import type { OptionName } from './cliOptions';
import type { CommonOptions } from './coreCommands';
import { SETTING_DEFAULTS } from '../core/settingDefaults';

/**
 * One command of `align`: the words that name it, its usage lines (the help is made from them),
 * the flags it reads besides the common ones, and what it runs. Runners reach their module through
 * `import()`: esbuild keeps one bundle (dist/cli.js), but a module runs only when its command does.
 */
export interface CliCommand {
  words: readonly string[];
  /** What follows `align <words>` on each help line (a command with variants has several). */
  usage: readonly string[];
  /** Flags this command reads, beyond `COMMON_OPTIONS`. */
  options: readonly OptionName[];
  run(o: CommonOptions, args: string[]): Promise<number>;
}

/** Flags every command takes: the model's, the dataset's, logging and help. */
export const COMMON_OPTIONS: readonly OptionName[] = ['model', 'base-url', 'timeout', 'max-time', 'max-answer-chars', 'dataset', 'verbose', 'help'];

export const CLI_COMMANDS: readonly CliCommand[] = [
  {
    words: ['tasks'],
    usage: ['[--json]'],
    options: ['json'],
    run: async (o) => (await import('./coreCommands')).tasksCommand(o),
  },
  {
    words: ['ask'],
    usage: ['<file> "<question>" [--dialogue FILE] [--save] [--json]', '--library DIR "<question>" [--save] [--json]', '--bibtex FILE [--zotero-storage DIR] "<question>" [--save] [--json]'],
    options: ['dialogue', 'save', 'json', 'library', 'bibtex', 'zotero-storage'],
    run: async (o, rest) => {
      if (o.values.library !== undefined || o.values.bibtex !== undefined) {
        if (!rest.length) throw new UsageError('align ask --library DIR needs a question: align ask --library papers/ "What is reward hacking?"');
        return (await import('./libraryCli')).askLibraryCommand(o, rest.join(' '));
      }
      if (rest.length < 2) throw new UsageError('align ask needs a file and a question: align ask paper.pdf "What is the main claim?"');
      return (await import('./coreCommands')).askCommand(o, rest[0], rest.slice(1).join(' '));
    },
  },
  {
    words: ['run'],
    usage: ['<task> [--input FILE|-] [--source FILE] [--field NAME=VALUE]... [--save] [--json]'],
    options: ['input', 'source', 'field', 'dialogue', 'save', 'json'],
    run: async (o, rest) => {
      if (rest.length < 1) throw new UsageError('align run needs a task id: align run failure-modes --input plan.md');
      return (await import('./coreCommands')).runCommand(o, rest[0]);
    },
  },
  {
    words: ['dataset', 'validate'],
    usage: [''],
    options: [],
    run: async (o) => (await import('./coreCommands')).validateCommand(o),
  },
  {
    words: ['dataset', 'export'],
    usage: ['--format F --out PATH|- [--task ID] [--force] [--license ID]'],
    options: ['format', 'out', 'task', 'force', 'license', 'json'],
    run: async (o) => (await import('./featureCommands')).exportCommand(o),
  },
  {
    words: ['dataset', 'import'],
    usage: ['<tasks.md> [--force] [--drafts]   (--drafts: a list of task ideas)'],
    options: ['force', 'drafts'],
    run: async (o, args) => (await import('./featureCommands')).importCommand(o, args),
  },
  {
    words: ['dataset', 'edit'],
    usage: ["<task> <id> --output FILE|-     (the new answer; the model's stays as the original)"],
    options: ['output'],
    run: async (o, args) => (await import('./featureCommands')).editCommand(o, args),
  },
  {
    words: ['dataset', 'rate'],
    usage: ['<task> <id> good|bad [--reason TEXT]'],
    options: ['reason'],
    run: async (o, args) => (await import('./featureCommands')).rateCommand(o, args),
  },
  {
    words: ['dataset', 'split'],
    usage: ['<task> --test 0.3 [--seed N] [--json]'],
    options: ['test', 'seed', 'json'],
    run: async (o, args) => (await import('./evidenceCommands')).splitCommand(o, args),
  },
  {
    words: ['retrieve'],
    usage: ['<source> "<query>" [-k N] [--json]', '<folder> "<query>" [-k N] [--json]   (a folder: the library search)', '--bibtex FILE [--zotero-storage DIR] "<query>" [-k N] [--json]'],
    options: ['k', 'json', 'bibtex', 'zotero-storage'],
    run: async (o, args) => (await import('./paperCommands')).retrieveCommand(o, args),
  },
  {
    words: ['index'],
    usage: ['<folder>', '--bibtex FILE [--zotero-storage DIR]'],
    options: ['json', 'bibtex', 'zotero-storage'],
    run: async (o, args) => (await import('./paperCommands')).indexCommand(o, args),
  },
  {
    words: ['critique'],
    usage: ['<post.md> [--json]', '<draft.md> --planted flaws.json [--model M,…] [--json]'],
    options: ['planted', 'json'],
    run: async (o, args) => (await import('./critiqueCli')).critiqueCli(o, args),
  },
  {
    words: ['eval'],
    usage: ['<task> [--model M] [--judge M] [--run-id ID] [--split test|train|all] [--budget N] [--yes] [--json]'],
    options: ['judge', 'run-id', 'split', 'budget', 'yes', 'json'],
    run: async (o, args) => (await import('./evalCli')).evalCli(o, args),
  },
  {
    words: ['study'],
    usage: ['create|next|rate|assist|ask|answer|results|export <task> <study> … (align study for details)'],
    options: ['arms', 'budget', 'confidence', 'force', 'format', 'input', 'json', 'out', 'rater', 'seed', 'study', 'yes', 'run-id'],
    run: async (o, args) => (await import('./evidenceCommands')).studyCommand(o, args),
  },
  {
    words: ['mcp'],
    usage: ['[--library DIR | --bibtex FILE [--zotero-storage DIR]] [--dataset DIR]   the tools as an MCP server on stdio'],
    options: ['library', 'bibtex', 'zotero-storage'],
    run: async (o) => (await import('./mcpCli')).mcpCommand(o),
  },
];

/** The command the positionals name, and the arguments after its words; a usage error otherwise. */
export function findCommand(positionals: readonly string[]): { command: CliCommand; args: string[] } {
  const [first, second] = positionals;
  const matches = CLI_COMMANDS.filter((c) => c.words[0] === first);
  if (!matches.length) throw new UsageError(`Unknown command "${first}".`);
  const command = matches.find((c) => c.words.length === 1 || c.words[1] === second);
  if (!command) {
    const subs = matches.map((c) => c.words[1]);
    throw new UsageError(`Unknown ${first} command "${second ?? ''}": use ${subs.slice(0, -1).join(', ')} or ${subs[subs.length - 1]}.`);
  }
  return { command, args: positionals.slice(command.words.length) };
}

/** `align --help`, made from the table. */
export function usageText(): string {
  const lines = CLI_COMMANDS.flatMap((c) => c.usage.map((u) => `  align ${c.words.join(' ')}${u ? ` ${u}` : ''}`));
  return `align — the Alignment Research Assistant on the command line

Usage:
${lines.join('\n')}

Options for every command:
  --model M          model name (default: $ALIGN_MODEL or ${SETTING_DEFAULTS.model})
  --base-url URL     OpenAI-compatible endpoint (default: $OPENAI_BASE_URL or OpenAI)
  --timeout SECONDS  request timeout (default ${SETTING_DEFAULTS.requestTimeoutSeconds})
  --max-time SECONDS longest time for one answer, start to finish (default ${SETTING_DEFAULTS.maxAnswerSeconds})
  --max-answer-chars N  longest answer, in characters (default ${SETTING_DEFAULTS.maxAnswerChars}); the start is kept
  --dataset DIR      dataset folder (default ./${SETTING_DEFAULTS.datasetFolder})
  --verbose          log what happens, with stack traces on failure
  -h, --help         this text

The API key comes from $OPENAI_API_KEY (local servers need none).
Exit codes: 0 done, 1 failed (one line on stderr), 2 usage error.`;
}
