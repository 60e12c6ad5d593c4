/**
 * Errors the researcher sees. Each says what went wrong, where (file, field, line) and how to fix
 * it, so the editor and the CLI can show `message` as is, without a stack trace.
 */
export class AlignError extends Error {
  override readonly name: string = 'AlignError';
  /** Brand checked by `is`: `instanceof` fails across bundles (extension, CLI, tests). */
  readonly isAlignError = true;
  constructor(
    message: string,
    /** Machine-readable kind, stable for tests and for the UI to pick an action. */
    readonly code: string,
    /** What to do about it, in one sentence. */
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  static is(e: unknown): e is AlignError {
    return e instanceof AlignError || (typeof e === 'object' && e !== null && (e as { isAlignError?: unknown }).isAlignError === true);
  }

  /** The message plus its hint, as one line for a notification or stderr. */
  get display(): string {
    return this.hint ? `${this.message} ${this.hint}` : this.message;
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

/** The operation was cancelled by the user. Not an error to report. */
export class CancelledError extends AlignError {
  override readonly name = 'CancelledError';
  constructor(readonly partial?: string) {
    super('Cancelled.', 'cancelled');
  }
}

/** Turns anything thrown into a one-line message for people. */
export function describeError(e: unknown): string {
  if (AlignError.is(e)) return e.display;
  if (e instanceof Error) return e.message;
  return String(e);
}
