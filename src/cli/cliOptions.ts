import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Every flag of the `align` command line; each command reads the ones it needs. */
export const OPTIONS = {
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
  // A BibTeX export (Zotero, Better BibTeX) as the library, with Zotero's storage folder for relative attachments.
  bibtex: { type: 'string' },
  'zotero-storage': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} satisfies ParseArgsConfig['options'];

export type CliValues = ReturnType<typeof parse>['values'];

/** A flag's name, as the command table lists it. */
export type OptionName = keyof typeof OPTIONS;

export function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
}

