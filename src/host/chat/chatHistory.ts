import * as vscode from 'vscode';
import type { DialogueTurn } from '../../core/dataset/instanceTypes';

/** The participant's id, as contributed in package.json `chatParticipants`. */
export const PARTICIPANT_ID = 'alignment.assistant';

/** A response's Markdown, as the chat kept it. */
export function responseText(turn: vscode.ChatResponseTurn): string {
  return turn.response
    .map((part) => (part instanceof vscode.ChatResponseMarkdownPart ? part.value.value : ''))
    .join('')
    .trim();
}

/**
 * This participant's earlier exchanges in the chat, as the dataset's dialogue. Other
 * participants' turns are left out: they are not part of this conversation with the assistant.
 */
export function dialogueFromHistory(history: vscode.ChatContext['history']): DialogueTurn[] {
  const out: DialogueTurn[] = [];
  for (const turn of history) {
    if (turn.participant !== PARTICIPANT_ID) continue;
    if (turn instanceof vscode.ChatRequestTurn) {
      // The question as the researcher asked it; the command only chose the task.
      const prompt = turn.prompt.trim();
      if (prompt) out.push({ role: 'researcher', content: prompt });
    } else if (turn instanceof vscode.ChatResponseTurn) {
      const text = stripFooter(responseText(turn));
      if (text) out.push({ role: 'assistant', content: text });
    }
  }
  return out;
}

/** The last answer this participant gave in the chat, for /critique. */
export function lastAnswer(history: vscode.ChatContext['history']): string | undefined {
  for (let i = history.length - 1; i >= 0; i--) {
    const t = history[i];
    if (t instanceof vscode.ChatResponseTurn && t.participant === PARTICIPANT_ID) {
      const text = stripFooter(responseText(t));
      if (text) return text;
    }
  }
  return undefined;
}

/** The sources line the participant appends under an answer is not part of the answer. */
export const SOURCES_MARK = '\n\n---\n**Sources:**';

function stripFooter(text: string): string {
  const at = text.indexOf(SOURCES_MARK.trim());
  return (at >= 0 ? text.slice(0, at) : text).replace(/\n*---\s*$/, '').trim();
}
