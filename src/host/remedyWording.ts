import type { RemedyWording } from '../core/errors';

/**
 * How the editor says what fixes a failure: its commands and settings. Kept free of `vscode` so
 * unit tests can check the wording; installed by the composition root (`useRemedyWording`).
 */
export const HOST_REMEDY_WORDING: RemedyWording = {
  'set-key': "Run 'Alignment: Set API Key'.",
  'set-base-url': 'Check the alignment.baseUrl setting.',
  'set-model': "Pick one with 'Alignment: Select Model'.",
  'configure-model': "Set alignment.baseUrl and alignment.model in the settings and run 'Alignment: Set API Key' (local servers need no key).",
  'raise-timeout': 'The alignment.requestTimeoutSeconds setting gives it more time.',
  'raise-retries': 'The alignment.maxRetries setting retries more often.',
  'raise-answer-time': 'The alignment.maxAnswerSeconds setting allows one answer more time.',
  'raise-answer-size': 'The alignment.maxAnswerChars setting allows longer answers.',
  'force-replace': 'Confirm to replace it.',
};
