/**
 * The assistant's settings and their defaults, in one place: the editor contributes them as
 * `contributes.configuration` in package.json (section `alignment`, with descriptions and ranges;
 * `test/unit/settingsTable.test.ts` checks the two agree), reads them through `host/settings.ts`,
 * and the CLI takes the same defaults for its flags. Keys are relative to the section.
 */
export const SETTING_DEFAULTS = {
  baseUrl: '',
  model: 'gpt-4o-mini',
  temperature: 0.3,
  maxTokens: 2048,
  requestTimeoutSeconds: 120,
  maxAnswerSeconds: 600,
  maxAnswerChars: 200_000,
  maxRetries: 2,
  datasetFolder: 'alignment-tasks',
  'export.license': '',
  embeddingModel: 'text-embedding-3-small',
  passageBudgetTokens: 12_000,
  'fewShot.enabled': true,
  'fewShot.budgetTokens': 3000,
  'library.folder': '',
  'library.bibtex': '',
  'library.zoteroStorage': '',
  'critique.showDiagnostics': false,
  'critique.concurrency': 3,
  'evaluation.testBudget': 0,
} as const;

export type SettingKey = keyof typeof SETTING_DEFAULTS;

/** A setting's type: `0.3` reads as number, `'gpt-4o-mini'` as string. */
export type SettingValue<K extends SettingKey> = (typeof SETTING_DEFAULTS)[K] extends string
  ? string
  : (typeof SETTING_DEFAULTS)[K] extends number
    ? number
    : boolean;
