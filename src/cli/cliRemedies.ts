import type { RemedyWording } from '../core/errors';

/** How the CLI says what fixes a failure: its flags and environment variables, never the editor's commands. */
export const CLI_REMEDY_WORDING: RemedyWording = {
  'set-key': 'Set OPENAI_API_KEY.',
  'set-base-url': 'Check --base-url or OPENAI_BASE_URL.',
  'set-model': 'Choose one with --model or ALIGN_MODEL.',
  'configure-model': 'Set OPENAI_BASE_URL (or --base-url) and ALIGN_MODEL (or --model), and OPENAI_API_KEY for hosted services (local servers need none).',
  'raise-timeout': '--timeout SECONDS gives it more time.',
  'raise-answer-time': '--max-time SECONDS allows one answer more time.',
  'raise-answer-size': '--max-answer-chars N allows longer answers.',
  'force-replace': 'Add --force to replace it.',
};
