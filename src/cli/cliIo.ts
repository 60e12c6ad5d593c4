import * as fs from 'node:fs';
import type { Logger } from '../core/ports';
import { InputFileError } from '../core/errors';
import { redactSecrets } from '../core/redact';
import { TerminalSanitizer } from './terminalText';
import { decodeTextFile } from '../core/sources/textDecoding';

/** Where the CLI writes: injectable so tests can run commands in-process. */
export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  readStdin: () => Promise<string>;
}

export const processIo: CliIo = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  cwd: process.cwd(),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

/**
 * The CLI's output layer: everything written to stdout and stderr passes through one
 * TerminalSanitizer per stream, so no answer, paper, title or error can send the terminal a
 * control sequence (clipboard writes, window titles, cursor moves). JSON output is unchanged
 * (JSON.stringify already escapes control characters, except C1, which goes too).
 */
export function terminalSafeIo(io: CliIo): CliIo {
  const out = new TerminalSanitizer();
  const err = new TerminalSanitizer();
  return {
    ...io,
    stdout: (s) => {
      const clean = out.write(s);
      if (clean) io.stdout(clean);
    },
    stderr: (s) => {
      const clean = err.write(s);
      if (clean) io.stderr(clean);
    },
  };
}

/** A usage mistake: exit code 2 and the usage line. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Logs to stderr only with --verbose, always redacting the API key. */
export function cliLogger(io: CliIo, verbose: boolean): Logger {
  const secrets = [io.env.OPENAI_API_KEY ?? ''].filter(Boolean);
  const line = (level: string, m: unknown, args: unknown[]) => {
    if (!verbose) return;
    const text = [m, ...args].map((x) => (x instanceof Error ? x.stack ?? x.message : String(x))).join(' ');
    io.stderr(`[${level}] ${redactSecrets(text, secrets)}\n`);
  };
  return {
    trace: (m, ...a) => line('trace', m, a),
    debug: (m, ...a) => line('debug', m, a),
    info: (m, ...a) => line('info', m, a),
    warn: (m, ...a) => line('warn', m, a),
    error: (m, ...a) => line('error', m, a),
  };
}

const READ_FAILURES: Record<string, string> = {
  ENOENT: 'does not exist',
  EISDIR: 'is a folder, not a file',
  EACCES: 'cannot be read (permission denied)',
  EPERM: 'cannot be read (permission denied)',
  ENOTDIR: 'is not a file: a part of its path is a file, not a folder',
};

/**
 * Reads a text file named on the command line (UTF-8, or UTF-16 with a byte-order mark); a
 * failure names the file and says what is wrong in words.
 */
export function readInputFile(file: string, hint = 'Check the path.'): string {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new InputFileError(file, `${READ_FAILURES[code] ?? `cannot be read (${code || String(e)})`}.`, hint);
  }
  return decodeTextFile(bytes, file);
}
