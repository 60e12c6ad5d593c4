import { processIo, UsageError, cliLogger, terminalSafeIo, type CliIo } from './cliIo';
import { describeError, useRemedyWording } from '../core/errors';
import { CLI_REMEDY_WORDING } from './cliRemedies';
import type { CommonOptions } from './coreCommands';
import { CLI_COMMANDS, findCommand, usageText } from './cliCommands';
import { redactSecrets } from '../core/redact';
import { parse } from './cliOptions';

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
      (values.help ? io.stdout : io.stderr)(usageText() + '\n');
      return values.help ? 0 : 2;
    }
    const common: CommonOptions = { values, io, logger: cliLogger(io, verbose), signal: abort.signal };
    // A flag a command would ignore is refused, so nobody believes something was saved.
    if (values.save && !CLI_COMMANDS.some((c) => c.words[0] === positionals[0] && c.options.includes('save'))) {
      const saving = CLI_COMMANDS.filter((c) => c.options.includes('save')).map((c) => c.words.join(' '));
      throw new UsageError(`--save works with ${saving.join(' and ')}; align ${positionals[0]} saves nothing.`);
    }
    const { command, args } = findCommand(positionals);
    return await command.run(common, args);
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
