import { parseArgs, type ParseArgsConfig } from 'node:util';
import { processIo, UsageError, cliLogger, terminalSafeIo, type CliIo } from './cliIo';
import { describeError, useRemedyWording } from '../core/errors';
import { CLI_REMEDY_WORDING } from './cliRemedies';
import { askCommand, runCommand, tasksCommand, validateCommand, type CommonOptions } from './coreCommands';
import { redactSecrets } from '../core/redact';

const USAGE = `align — the Alignment Research Assistant on the command line

Usage:
  align tasks [--json]
  align ask <file> "<question>" [--dialogue FILE] [--save] [--json]
  align run <task> [--input FILE|-] [--source FILE] [--field NAME=VALUE]... [--save] [--json]
  align dataset validate
  align dataset export --format F --out PATH|- [--task ID] [--force] [--license ID]
  align dataset edit <task> <id> --output FILE|-     (the new answer; the model's stays as the original)
  align dataset rate <task> <id> good|bad [--reason TEXT]
  align dataset import <tasks.md> [--force] [--drafts]   (--drafts: a list of task ideas)
  align retrieve <source> "<query>" [-k N] [--json]
  align index <folder>
  align critique <post.md> [--json]
  align eval <task> [--model M] [--judge M] [--run-id ID] [--split test|train|all] [--budget N] [--yes] [--json]
  align dataset split <task> --test 0.3 [--seed N] [--json]
  align critique <draft.md> --planted flaws.json [--model M,…] [--json]
  align study create|next|rate|assist|ask|answer|results|export <task> <study> … (align study for details)
  align ask --library DIR "<question>" [--save] [--json]
  align retrieve <folder> "<query>" [-k N] [--json]   (a folder: the library search)
  align mcp [--library DIR] [--dataset DIR]   the tools as an MCP server on stdio
  A library may be a BibTeX file (Zotero, Better BibTeX) instead of a folder: --bibtex FILE
  [--zotero-storage DIR] with index, retrieve, ask and mcp (align retrieve --bibtex my.bib "query").

Options for every command:
  --model M          model name (default: $ALIGN_MODEL or gpt-4o-mini)
  --base-url URL     OpenAI-compatible endpoint (default: $OPENAI_BASE_URL or OpenAI)
  --timeout SECONDS  request timeout (default 60)
  --max-time SECONDS longest time for one answer, start to finish (default 600)
  --max-answer-chars N  longest answer, in characters (default 200000); the start is kept
  --dataset DIR      dataset folder (default ./alignment-tasks)
  --verbose          log what happens, with stack traces on failure
  -h, --help         this text

The API key comes from $OPENAI_API_KEY (local servers need none).
Exit codes: 0 done, 1 failed (one line on stderr), 2 usage error.`;

const OPTIONS = {
  model: { type: 'string' },
  'base-url': { type: 'string' },
  timeout: { type: 'string' },
  'max-time': { type: 'string' },
  'max-answer-chars': { type: 'string' },
  dataset: { type: 'string' },
  verbose: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  save: { type: 'boolean', default: false },
  force: { type: 'boolean', default: false },
  drafts: { type: 'boolean', default: false },
  dialogue: { type: 'string' },
  output: { type: 'string' },
  reason: { type: 'string' },
  field: { type: 'string', multiple: true },
  license: { type: 'string' },
  input: { type: 'string' },
  source: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  task: { type: 'string' },
  judge: { type: 'string' },
  'run-id': { type: 'string' },
  k: { type: 'string', short: 'k' },
  // Evidence: splits, leak budget, planted flaws, blind studies (src/cli/evidenceCommands.ts).
  test: { type: 'string' },
  seed: { type: 'string' },
  split: { type: 'string' },
  budget: { type: 'string' },
  yes: { type: 'boolean', default: false },
  planted: { type: 'string' },
  rater: { type: 'string' },
  study: { type: 'string' },
  arms: { type: 'string' },
  confidence: { type: 'string' },
  library: { type: 'string' },
  bibtex: { type: 'string' },
  'zotero-storage': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} satisfies ParseArgsConfig['options'];

export type CliValues = ReturnType<typeof parse>['values'];

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
}

/** Runs one CLI invocation; returns the exit code. Never throws. */
export async function main(argv: string[], rawIo: CliIo = processIo): Promise<number> {
  const io = terminalSafeIo(rawIo);
  // Failures from the core name their remedy by code; the CLI words it as flags and environment variables.
  useRemedyWording(CLI_REMEDY_WORDING);
  let verbose = argv.includes('--verbose');
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  try {
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse(argv);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const { values, positionals } = parsed;
    verbose = values.verbose;
    if (values.help || positionals.length === 0) {
      (values.help ? io.stdout : io.stderr)(USAGE + '\n');
      return values.help ? 0 : 2;
    }
    const common: CommonOptions = { values, io, logger: cliLogger(io, verbose), signal: abort.signal };
    const [command, ...rest] = positionals;
    // A flag a command would ignore is refused, so nobody believes something was saved.
    if (values.save && command !== 'ask' && command !== 'run') {
      throw new UsageError(`--save works with ask and run; align ${command} saves nothing.`);
    }
    switch (command) {
      case 'tasks':
        return await tasksCommand(common);
      case 'ask':
        if (values.library !== undefined || values.bibtex !== undefined) {
          if (!rest.length) throw new UsageError('align ask --library DIR needs a question: align ask --library papers/ "What is reward hacking?"');
          return await (await import('./libraryCli')).askLibraryCommand(common, rest.join(' '));
        }
        if (rest.length < 2) throw new UsageError('align ask needs a file and a question: align ask paper.pdf "What is the main claim?"');
        return await askCommand(common, rest[0], rest.slice(1).join(' '));
      case 'run':
        if (rest.length < 1) throw new UsageError('align run needs a task id: align run failure-modes --input plan.md');
        return await runCommand(common, rest[0]);
      case 'dataset':
        return await datasetCommand(common, rest);
      case 'mcp':
        return await (await import('./mcpCli')).mcpCommand(common);
      case 'retrieve':
      case 'index':
      case 'critique':
      case 'eval':
        return await (await import('./featureCommands')).featureCommand(command, common, rest);
      case 'study':
        return await (await import('./evidenceCommands')).studyCommand(common, rest);
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`align: ${e.message}\nRun "align --help" for usage.\n`);
      return 2;
    }
    const secrets = [io.env.OPENAI_API_KEY ?? ''].filter(Boolean);
    io.stderr(`align: ${redactSecrets(describeError(e), secrets)}\n`);
    if (verbose && e instanceof Error && e.stack) io.stderr(redactSecrets(e.stack, secrets) + '\n');
    return 1;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

async function datasetCommand(common: CommonOptions, rest: string[]): Promise<number> {
  const [sub, ...args] = rest;
  switch (sub) {
    case 'validate':
      return validateCommand(common);
    case 'export':
    case 'import':
    case 'edit':
    case 'rate':
      return (await import('./featureCommands')).featureCommand(`dataset-${sub}`, common, args);
    case 'split':
      return (await import('./evidenceCommands')).splitCommand(common, args);
    default:
      throw new UsageError(`Unknown dataset command "${sub ?? ''}": use validate, export, import, edit, rate or split.`);
  }
}

// Run when executed as a program (dist/cli.js), not when imported by tests.
if (require.main === module) {
  // A reader that stops early (align tasks | head -1) closes the pipe: that is the end, not a failure.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e;
      process.exit(process.exitCode ?? 0);
    });
  }
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
