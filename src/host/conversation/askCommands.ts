import * as vscode from 'vscode';
import type { HostServices } from '../hostServices';
import type { Conversations } from './conversations';
import type { CommandTable } from '../commandTable';
import type { LoadedTask } from '../../core/tasks/taskTypes';
import type { SessionInput, SessionTurn } from '../../core/assistant/researchSession';
import type { ParsedSource } from '../../core/sources/sourceTypes';
import type { PdfViews } from '../pdfView/pdfViews';
import { activeDocumentSource, uriSource, documentSource, withWorkspacePath } from '../editorSources';
import { checkSource } from '../../core/tasks/constraints';
import { withCancellableProgress } from '../cancellation';
import { quoteQuestion } from '../pdfView/pdfViewCommands';
import { instanceIdOf } from '../dataset/instanceCommands';

/** Options the commands accept as their first argument, so tests and keybindings can skip prompts. */
export interface AskArgs {
  question?: string;
  taskId?: string;
  text?: string;
  problem?: string;
}

/** What the ask commands return: enough for a test or a caller to follow the conversation. */
export interface AskResult {
  turnId: string;
  status: SessionTurn['status'];
  answer: string;
  error?: string;
}

/** A question about a source, in a new panel (the library's and arXiv's commands ask through it too). */
export type Ask = (
  source: Promise<ParsedSource>,
  args: AskArgs,
  defaultQuestion?: string,
  focus?: Pick<SessionInput, 'quote'> & { wrap?: (question: string) => string },
) => Promise<AskResult | undefined>;

export function argsOf(raw: unknown): AskArgs {
  if (raw && typeof raw === 'object' && !(raw instanceof vscode.Uri)) return raw as AskArgs;
  return {};
}

function toResult(turn: SessionTurn): AskResult {
  return { turnId: turn.id, status: turn.status, answer: turn.answer, error: turn.error?.message };
}

async function askQuestion(prompt: string, placeHolder: string, value?: string): Promise<string | undefined> {
  const q = await vscode.window.showInputBox({ prompt, placeHolder, value, ignoreFocusOut: true });
  return q?.trim() || undefined;
}

/** The selection of the active editor, or undefined when nothing is selected. */
function selectionText(): string | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.selection.isEmpty) return undefined;
  return editor.document.getText(editor.selection);
}

/** The selection, or the whole active document when nothing is selected. */
function selectionOrDocument(): { text: string; from: string } | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor) return undefined;
  const sel = selectionText();
  return sel ? { text: sel, from: 'selection' } : { text: editor.document.getText(), from: editor.document.fileName };
}

async function pickTask(tasks: LoadedTask[], placeHolder: string): Promise<LoadedTask | undefined> {
  const picked = await vscode.window.showQuickPick(
    tasks.map((t) => ({ label: t.title, description: t.id + (t.origin === 'workspace' ? ' · workspace' : ''), detail: t.context, task: t })),
    { placeHolder, matchOnDescription: true, matchOnDetail: true },
  );
  return picked?.task;
}

/** Asking about a source: checks the task's constraints, asks for the question, opens the panel. */
export function createAsk(services: HostServices, conversations: Conversations): Ask {
  const warned = new Set<string>();
  return async (sourceP, args, defaultQuestion, focus) => {
    const source = withWorkspacePath(await sourceP);
    // A paper's warnings (garbled math glyphs…) are told once per paper, not on every question.
    const fresh = source.warnings.filter((w) => !warned.has(`${source.ref.contentHash}\n${w}`));
    for (const w of fresh) {
      warned.add(`${source.ref.contentHash}\n${w}`);
      services.logger.warn(`${source.ref.title}: ${w}`);
    }
    if (fresh.length) void vscode.window.showWarningMessage(`Alignment: ${source.ref.title}: ${fresh[0]}`);
    const task = await services.task(args.taskId ?? 'paper-qa');
    // The task's information constraints decide which sources it may see.
    const allowed = checkSource(source.ref, task.constraints);
    if (!allowed.allowed) throw new Error(`${allowed.reason} Edit the task's constraints (task.json) to use it.`);
    const question = args.question ?? (await askQuestion(`Ask about ${source.ref.title}`, 'What does the paper claim about…?', defaultQuestion));
    if (!question) return undefined;
    const { turn } = await conversations.start({ task, source, ...(focus?.quote ? { quote: focus.quote } : {}) }, focus?.wrap ? focus.wrap(question) : question);
    return toResult(turn);
  };
}

export interface AskCommandDeps {
  services: HostServices;
  conversations: Conversations;
  ask: Ask;
  pdfViews: PdfViews;
}

type AskCommandId =
  | 'alignment.askAboutDocument'
  | 'alignment.askAboutPaper'
  | 'alignment.askAboutSelection'
  | 'alignment.runTask'
  | 'alignment.runTaskOnSelection'
  | 'alignment.listFailureModes'
  | 'alignment.generateIdeas'
  | 'alignment.critiqueIdea'
  | 'alignment.saveInstance';

/** The conversation's commands: ask about a document, a paper or a selection; run a task; save an answer. */
export function askCommands({ services, conversations, ask, pdfViews }: AskCommandDeps): CommandTable<AskCommandId> {
  /** Runs a text task (failure modes, ideas, critique…) on a text, in a new panel. */
  const runTextTask = async (task: LoadedTask, text: string, fields?: Record<string, string>, parentInstanceId?: string): Promise<AskResult> => {
    const { turn } = await conversations.start({ task, text, fields }, undefined, { parentInstanceId });
    return toResult(turn);
  };

  const runTaskCommand = async (raw: unknown, selectionOnly: boolean): Promise<AskResult | undefined> => {
    const args = argsOf(raw);
    const tasks = await services.tasks();
    const task = args.taskId ? await services.task(args.taskId) : await pickTask(tasks, 'Run which task?');
    if (!task) return undefined;
    if (task.inputKind === 'source-dialogue') return ask(activeDocumentSource(services), args);
    const input = args.text !== undefined ? { text: args.text, from: 'argument' } : selectionOnly ? (selectionText() ? { text: selectionText()!, from: 'selection' } : undefined) : selectionOrDocument();
    if (!input || !input.text.trim()) {
      throw new Error(selectionOnly ? 'Select some text first: the task runs on the selection.' : 'Open a document or select text first: the task runs on it.');
    }
    return runTextTask(task, input.text);
  };

  return {
    'alignment.askAboutDocument': async (raw) => ask(activeDocumentSource(services), argsOf(raw)),
    'alignment.askAboutPaper': async (raw) => {
      // From the explorer: the file's Uri. From a caller: { uri, question }.
      const given = raw && typeof raw === 'object' && !(raw instanceof vscode.Uri) ? (raw as AskArgs & { uri?: vscode.Uri }) : {};
      let uri = raw instanceof vscode.Uri ? raw : given.uri;
      if (!uri) {
        const picked = await vscode.window.showOpenDialog({
          canSelectMany: false,
          openLabel: 'Ask About This Paper',
          filters: { Papers: ['pdf', 'md', 'markdown', 'tex', 'html', 'htm', 'txt'] },
        });
        uri = picked?.[0];
      }
      if (!uri) return undefined;
      const source = withCancellableProgress({ title: `Reading ${uri.path.split('/').pop()}…` }, (signal) => uriSource(uri, services, signal));
      return ask(source, given);
    },
    'alignment.askAboutSelection': async (raw) => {
      const pdf = vscode.window.activeTextEditor ? undefined : pdfViews.active();
      if (pdf) {
        // The whole paper stays the source; the selection is the question's quoted focus.
        const sel = pdf.selection;
        if (!sel) throw new Error('Select a passage in the PDF first: the question quotes it.');
        const args = argsOf(raw);
        const q = args.question ?? (await askQuestion(`Ask about the passage on page ${sel.page}`, 'Why…? What does this mean?'));
        if (!q) return undefined;
        return ask(uriSource(pdf.uri, services), { ...args, question: q }, undefined, { quote: sel, wrap: (question) => quoteQuestion(sel.text, question) });
      }
      const editor = vscode.window.activeTextEditor;
      const sel = selectionText();
      if (!editor || !sel) throw new Error('Select a passage first: the question quotes it.');
      const args = argsOf(raw);
      const quoted = sel.trim().split('\n').map((l) => `> ${l}`).join('\n');
      const q = args.question ?? (await askQuestion('Ask about the selected passage', 'What does this passage mean?'));
      if (!q) return undefined;
      return ask(documentSource(editor.document, services), { ...args, question: `${quoted}\n\n${q}` });
    },
    'alignment.runTask': (raw) => runTaskCommand(raw, false),
    'alignment.runTaskOnSelection': (raw) => runTaskCommand(raw, true),
    'alignment.listFailureModes': async (raw) => {
      const args = argsOf(raw);
      const input = args.text !== undefined ? { text: args.text } : selectionOrDocument();
      if (!input?.text.trim()) throw new Error('Select a plan or system description first.');
      return runTextTask(await services.task('failure-modes'), input.text);
    },
    'alignment.generateIdeas': async (raw) => {
      const args = argsOf(raw);
      const seed = args.text ?? selectionText() ?? '';
      const problem = args.problem ?? (await askQuestion('State the problem to generate ideas for', 'e.g. How could we elicit what a model knows about the world, even when it would rather not say?'));
      if (!problem) return undefined;
      return runTextTask(await services.task('elk-ideas'), seed, { problem });
    },
    'alignment.critiqueIdea': async (raw) => {
      const args = argsOf(raw);
      const idea = args.text ?? selectionText();
      if (!idea?.trim()) throw new Error('Select the idea to critique first.');
      // A selection in an opened instance: the saved critique points to that instance.
      const parent = args.text === undefined ? instanceIdOf(vscode.window.activeTextEditor?.document.uri) : undefined;
      return runTextTask(await services.task('elk-critique'), idea, undefined, parent);
    },
    'alignment.saveInstance': async (raw) => saveActiveAnswer(conversations, raw),
  };
}

/**
 * "Save as Instance" from the command palette: the last answer of the active panel. The
 * researcher edits it in an editor first (nothing is lost if they walk away: the document stays
 * open), unless the caller passes the edited text.
 */
async function saveActiveAnswer(conversations: Conversations, raw: unknown): Promise<string | undefined> {
  const args = (raw && typeof raw === 'object' ? raw : {}) as { editedText?: string; turnId?: string };
  const controller = conversations.active();
  if (!controller) throw new Error('There is no answer to save: ask a question first.');
  const owned = args.turnId ? controller.findTurn(args.turnId) : controller.lastAnswer();
  if (!owned) throw new Error('There is no finished answer to save in the active panel.');
  let text = args.editedText;
  if (text === undefined) {
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: owned.turn.answer });
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false });
    const choice = await vscode.window.showInformationMessage(
      'Edit the answer in the editor beside, then save it as an instance.',
      'Save Instance',
    );
    if (choice !== 'Save Instance') return undefined;
    text = doc.getText();
  }
  const instance = await controller.save(owned.turn.id, text);
  void vscode.window.showInformationMessage(`Saved instance ${instance.id} of "${instance.taskId}".`);
  return instance.id;
}
