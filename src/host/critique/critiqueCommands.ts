import type { CommandTable } from '../commandTable';
import type { DraftCritique } from './critiqueComments';

type CritiqueCommandId = 'alignment.critiqueDraft' | 'alignment.critique.accept' | 'alignment.critique.dismiss' | 'alignment.critique.editAndSave' | 'alignment.critique.reply';

/** Critique Draft… and the actions on its comment threads (accept, dismiss, edit and save, reply). */
export function critiqueCommands({ critique }: { critique: DraftCritique }): CommandTable<CritiqueCommandId> {
  return {
    'alignment.critiqueDraft': (raw) => critique.run(raw),
    'alignment.critique.accept': (raw) => critique.accept(raw),
    'alignment.critique.dismiss': (raw, reason) => critique.dismiss(raw, typeof reason === 'string' ? reason : undefined),
    'alignment.critique.editAndSave': (raw, text) => critique.editAndSave(raw, typeof text === 'string' ? text : undefined),
    'alignment.critique.reply': (raw, text) => critique.reply(raw, typeof text === 'string' ? text : undefined),
  };
}
