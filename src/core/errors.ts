/**
 * Errors the researcher sees. Each says what went wrong, where (file, field, line) and how to fix
 * it. The core speaks no shell's words: a failure that a setting or a flag fixes carries a
 * `remedy` code, and the shell in use (editor or CLI) supplies its wording with `useRemedyWording`.
 */

/** What fixes a failure, independent of where it is fixed (a command and a setting, or a flag and an environment variable). */
export type Remedy =
  | 'set-key'
  | 'set-base-url'
  | 'set-model'
  | 'configure-model'
  | 'raise-timeout'
  | 'raise-retries'
  | 'raise-answer-time'
  | 'raise-answer-size'
  | 'force-replace';

/** One sentence per remedy, in the words of a shell. */
export type RemedyWording = Partial<Record<Remedy, string>>;

let wording: RemedyWording = {};

/** Installed once by the shell at start-up (the extension's activation, the CLI's main). */
export function useRemedyWording(w: RemedyWording): void {
  wording = w;
}

/** The installed shell's sentence for a remedy, if it has one. */
export function remedyText(remedy: Remedy | undefined): string | undefined {
  return remedy ? wording[remedy] : undefined;
}

export class AlignError extends Error {
  override readonly name: string = 'AlignError';
  /** Brand checked by `is`: `instanceof` fails across bundles (extension, CLI, tests). */
  readonly isAlignError = true;
  constructor(
    message: string,
    /** Machine-readable kind, stable for tests and for the UI to pick an action. */
    readonly code: string,
    /** What to do about it, in one sentence, in no shell's words. */
    readonly hint?: string,
    options?: { cause?: unknown; remedy?: Remedy },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.remedy) this.remedy = options.remedy;
  }

  /** What fixes it, for the shell to word (see `useRemedyWording`). */
  readonly remedy?: Remedy;

  static is(e: unknown): e is AlignError {
    return e instanceof AlignError || (typeof e === 'object' && e !== null && (e as { isAlignError?: unknown }).isAlignError === true);
  }

  /** The message, its hint and the shell's wording of its remedy, as one line for a notification or stderr. */
  get display(): string {
    return [this.message, this.hint, remedyText(this.remedy)].filter(Boolean).join(' ');
  }
}

/**
 * Why a write failed, in words a researcher can act on ("the disk is full"), or the system's own
 * message for a failure without one.
 */
export function writeFailureReason(e: unknown): string {
  const reasons: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'the file system is read-only',
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is exceeded',
    ENOTDIR: 'a file stands where a folder is needed',
    // mkdir -p through a file says EEXIST.
    EEXIST: 'a file stands where a folder is needed',
    EISDIR: 'a folder stands where the file should be',
  };
  return reasons[(e as NodeJS.ErrnoException).code ?? ''] ?? (e as Error).message;
}

/** A file that could not be used: names the file and, when it applies, the field. */
export class InputFileError extends AlignError {
  override readonly name = 'InputFileError';
  constructor(
    readonly file: string,
    reason: string,
    hint?: string,
    readonly field?: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}${field ? ` (field "${field}")` : ''}: ${reason}`, 'input-file', hint, options);
  }
}

/**
 * The operation was cancelled by the user. Not an error to report. The one cancellation error of
 * the core: the model's cancel is a `ModelError` with the same code (it keeps the partial answer),
 * and `isCancellation` recognises both, and a raw abort.
 */
export class CancelledError extends AlignError {
  override readonly name = 'CancelledError';
  constructor(
    readonly partial?: string,
    message = 'Cancelled.',
  ) {
    super(message, 'cancelled');
  }
}

/**
 * Whether a failure is a cancel rather than an error: a `CancelledError`, any core error with code
 * `cancelled` (the model client's), or an `AbortError` from an aborted signal (fetch, streams,
 * timers). Checked by name and code, as `instanceof` fails across bundles.
 */
export function isCancellation(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const x = e as { code?: unknown; name?: unknown };
  return x.code === 'cancelled' || x.name === 'CancelledError' || x.name === 'AbortError';
}

/** Turns anything thrown into a one-line message for people. */
export function describeError(e: unknown): string {
  if (AlignError.is(e)) return e.display;
  if (e instanceof Error) return e.message;
  return String(e);
}
