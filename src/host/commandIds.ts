/**
 * Every command the extension contributes. The activation shell registers each one with a handler
 * that loads the host bundle on first use, so activation stays a few milliseconds.
 */
export const COMMAND_IDS = [
  'alignment.askAboutDocument',
  'alignment.askAboutPaper',
  'alignment.askAboutArxiv',
  'alignment.askLibrary',
  'alignment.askAboutSelection',
  'alignment.runTask',
  'alignment.runTaskOnSelection',
  'alignment.listFailureModes',
  'alignment.generateIdeas',
  'alignment.critiqueIdea',
  'alignment.critiqueDraft',
  'alignment.critique.accept',
  'alignment.critique.dismiss',
  'alignment.critique.editAndSave',
  'alignment.critique.reply',
  'alignment.saveInstance',
  'alignment.setApiKey',
  'alignment.clearApiKey',
  'alignment.selectModel',
  'alignment.configureModel',
  'alignment.newTask',
  'alignment.exportDataset',
  'alignment.importTasks',
  'alignment.evaluateTask',
  'alignment.viewPageAsText',
  'alignment.openPdfWithDefault',
  'alignment.showLog',
  'alignment.dataset.refresh',
  'alignment.dataset.openInstance',
  'alignment.dataset.editInstance',
  'alignment.dataset.deleteInstance',
  'alignment.dataset.revealInstance',
  'alignment.dataset.openTaskSpec',
  // Evidence (src/host/evidence): splits, planted flaws, blind studies, the scorecard.
  'alignment.splitTask',
  'alignment.evaluatePlantedFlaws',
  'alignment.createStudy',
  'alignment.rateStudy',
  'alignment.assistStudy',
  'alignment.showScorecard',
] as const;

export type CommandId = (typeof COMMAND_IDS)[number];

/** The chat's Save as Instance button: registered by the activation shell (chatShell.ts), not the host's table. */
export const CHAT_SAVE_COMMAND = 'alignment.chat.saveInstance';
/** Commands the activation shell registers itself, outside the host's table. */
export const SHELL_COMMAND_IDS = [CHAT_SAVE_COMMAND] as const;

export const VIEW_DATASET = 'alignment.datasetView';
export const PANEL_VIEW_TYPE = 'alignment.researchPanel';
/** The PDF view, a read-only custom editor for *.pdf. */
export const PDF_VIEW_TYPE = 'alignment.pdfView';
export const CONFIG_SECTION = 'alignment';
