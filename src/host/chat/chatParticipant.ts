import * as vscode from 'vscode';
import type { HostServices } from '../hostServices';
import type { SourceTextProvider } from '../conversation/citationOpener';
import type { ResearchSession, SessionInput, SessionTurn } from '../../core/assistant/researchSession';
import type { ParsedSource, PassageUse } from '../../core/sources/sourceTypes';
import type { LoadedTask } from '../../core/tasks/taskTypes';
import type { TaskInstance } from '../../core/dataset/instanceTypes';
import { activeDocumentSource, uriSource } from '../editorSources';
import { checkSource } from '../../core/tasks/constraints';
import { citationLabel } from '../../core/retrieval/citations';
import { describeError } from '../../core/errors';
import { librarySearchSource } from '../../core/tools/librarySource';
import { VscodeLmClient } from '../model/vscodeLmClient';
import { dialogueFromHistory, lastAnswer, SOURCES_MARK } from './chatHistory';
import { hostToolDeps } from './hostToolDeps';
import { libraryFolder } from '../library/hostLibrary';
import { abortOnCancel } from '../cancellation';

import { CHAT_SAVE_COMMAND } from '../commandIds';

/** What a chat answer leaves in `ChatResult.metadata`, for follow-ups, feedback and the Save button. */
export interface ChatAnswerMetadata {
  turnKey?: string;
  command: string;
  taskId?: string;
}

interface ChatAnswer {
  session: ResearchSession;
  turn: SessionTurn;
}

/** Something the researcher can fix (no document, no library): said in the chat, not thrown. */
class ChatUsageError extends Error {}

/**
 * The `@alignment` chat participant: /ask (the active paper or a #file), /library, /ideas,
 * /critique, /failures, /run. Answers stream from the model picked in the chat, with the passages
 * they cite as references and anchors, a Save as Instance button and follow-ups; the chat's
 * thumbs are stored as ratings like the panel's.
 */
export class AlignmentChat {
  /** Answers given in this window, by turn id: what Save and the thumbs act on. */
  private readonly answers = new Map<string, ChatAnswer>();

  constructor(
    private readonly services: HostServices,
    private readonly sourceText: SourceTextProvider,
    private readonly onSaved: (instance: TaskInstance) => void,
  ) {}

  async handle(request: vscode.ChatRequest, context: vscode.ChatContext, stream: vscode.ChatResponseStream, token: vscode.CancellationToken): Promise<vscode.ChatResult> {
    const command = request.command ?? 'ask';
    try {
      const prepared = await this.prepare(command, request, context, stream);
      return await this.answer(prepared, request, stream, token, command);
    } catch (e) {
      if (e instanceof ChatUsageError) {
        stream.markdown(e.message);
        return { metadata: { command } satisfies ChatAnswerMetadata };
      }
      const message = describeError(e);
      this.services.logger.error(`@alignment /${command} failed: ${message}`);
      return { errorDetails: { message }, metadata: { command } satisfies ChatAnswerMetadata };
    }
  }

  private async task(id: string): Promise<LoadedTask> {
    return this.services.task(id);
  }

  /** The task, its input and the question for a command. */
  private async prepare(command: string, request: vscode.ChatRequest, context: vscode.ChatContext, stream: vscode.ChatResponseStream): Promise<{ input: SessionInput; question?: string }> {
    const prompt = request.prompt.trim();
    const priorDialogue = dialogueFromHistory(context.history);
    const selection = selectionText();
    switch (command) {
      case 'ask': {
        if (!prompt) throw new ChatUsageError('Ask a question about the paper, e.g. `@alignment /ask What does the KL penalty do?` (the active editor, or a `#file` you attach).');
        const task = await this.task('paper-qa');
        const source = await this.paperFor(request, stream);
        allowedBy(task, source);
        return { input: { task, source, priorDialogue }, question: prompt };
      }
      case 'library': {
        if (!prompt) throw new ChatUsageError('Ask the library a question, e.g. `@alignment /library Which papers discuss reward hacking?`.');
        const folder = libraryFolder(this.services);
        if (!folder) throw new ChatUsageError('No library is set: point `alignment.library.folder` at a folder of papers, then ask again.');
        stream.progress(`Searching the papers in ${folder}…`);
        const task = await this.task('paper-qa');
        const library = await hostToolDeps(this.services).library();
        if (!library) throw new ChatUsageError('No library is set.');
        const { passages, skipped } = await library.search(prompt, 12, task.constraints);
        for (const p of new Map(passages.map((x) => [x.source.path ?? x.source.title, x.source])).values()) {
          if (p.path) stream.reference(vscode.Uri.file(p.path));
        }
        return { input: { task, source: librarySearchSource(folder, library.papers().length, passages, skipped), priorDialogue }, question: prompt };
      }
      case 'ideas': {
        const problem = prompt || selection;
        if (!problem) throw new ChatUsageError('State the problem to generate ideas for, e.g. `@alignment /ideas How could we tell when a model hides what it knows?`.');
        return { input: { task: await this.task('elk-ideas'), text: prompt && selection ? selection : '', fields: { problem }, priorDialogue } };
      }
      case 'critique': {
        const idea = selection || prompt || lastAnswer(context.history);
        if (!idea) throw new ChatUsageError('Give the idea to critique (or select it, or ask after an answer): `@alignment /critique <idea>`.');
        return { input: { task: await this.task('elk-critique'), text: idea, priorDialogue } };
      }
      case 'failures': {
        const plan = prompt || selection || vscode.window.activeTextEditor?.document.getText();
        if (!plan?.trim()) throw new ChatUsageError('Describe the plan or system, or select it: `@alignment /failures <plan>`.');
        return { input: { task: await this.task('failure-modes'), text: plan, priorDialogue } };
      }
      case 'run': {
        const [name, ...rest] = prompt.split(/\s+/);
        const tasks = await this.services.tasks();
        const task = tasks.find((t) => t.id === name) ?? tasks.find((t) => t.title.toLowerCase() === (name ?? '').toLowerCase());
        if (!task) throw new ChatUsageError(`Name the task first: \`@alignment /run <task> <input>\`. Tasks: ${tasks.map((t) => `\`${t.id}\``).join(', ')}.`);
        const text = rest.join(' ').trim();
        if (task.inputKind === 'source-dialogue') {
          if (!text) throw new ChatUsageError(`Task \`${task.id}\` answers questions about a paper: \`@alignment /run ${task.id} <question>\`.`);
          const source = await this.paperFor(request, stream);
          allowedBy(task, source);
          return { input: { task, source, priorDialogue }, question: text };
        }
        const input = text || selection;
        if (!input) throw new ChatUsageError(`Give \`${task.id}\` its input after the name, or select it.`);
        return { input: { task, text: input, priorDialogue } };
      }
      default:
        throw new ChatUsageError(`Unknown command /${command}.`);
    }
  }

  /** The paper for /ask: a #file the researcher attached, else the active editor (a PDF view counts). */
  private async paperFor(request: vscode.ChatRequest, stream: vscode.ChatResponseStream): Promise<ParsedSource> {
    for (const ref of request.references) {
      const uri = ref.value instanceof vscode.Uri ? ref.value : ref.value instanceof vscode.Location ? ref.value.uri : undefined;
      if (uri) {
        stream.progress(`Reading ${uri.path.split('/').pop()}…`);
        return uriSource(uri, this.services);
      }
    }
    try {
      const source = await activeDocumentSource(this.services);
      stream.progress(`Reading ${source.ref.title}…`);
      return source;
    } catch (e) {
      throw new ChatUsageError(`${describeError(e)} Or attach a paper with \`#file\`.`);
    }
  }

  private async answer(prepared: { input: SessionInput; question?: string }, request: vscode.ChatRequest, stream: vscode.ChatResponseStream, token: vscode.CancellationToken, command: string): Promise<vscode.ChatResult> {
    const settings = await this.services.modelSettings();
    // The model picked in the chat answers; the extension's own choice only when the chat has none.
    const model = request.model ? VscodeLmClient.forModel(request.model, settings, this.services.logger) : await this.services.model();
    const session = await this.services.newSession(prepared.input);
    session.setModel(model);
    const abort = abortOnCancel(token);
    let turn: SessionTurn;
    try {
      turn = await session.ask(prepared.question, { signal: abort.signal, onDelta: (t) => stream.markdown(t) });
    } finally {
      abort.dispose();
    }
    this.answers.set(turn.id, { session, turn });
    const metadata: ChatAnswerMetadata = { turnKey: turn.id, command, taskId: session.task.id };
    if (turn.status === 'cancelled') return { metadata };
    if (turn.status === 'error') {
      return { errorDetails: { message: `${turn.error?.message ?? 'The answer failed.'}${turn.answer ? ' The partial answer is above.' : ''}` }, metadata };
    }
    this.citeSources(session, turn, stream);
    stream.button({ command: CHAT_SAVE_COMMAND, title: 'Save as Instance', tooltip: `Edit this answer and save it as an instance of "${session.task.title}"`, arguments: [turn.id] });
    return { metadata };
  }

  /** The passages the answer cites: chat references, and anchors that open each passage. */
  private citeSources(session: ResearchSession, turn: SessionTurn, stream: vscode.ChatResponseStream): void {
    const cited = turn.citations.filter((c) => c.valid).map((c) => turn.passages.find((p) => p.id === c.id)).filter((p): p is PassageUse => !!p);
    if (!cited.length) return;
    stream.markdown(`${SOURCES_MARK} `);
    cited.forEach((p, i) => {
      const where = this.locationOf(session, p);
      stream.reference(where);
      stream.anchor(where, `[${p.id}] ${citationLabel(p.location)}`);
      if (i < cited.length - 1) stream.markdown(' · ');
    });
  }

  private locationOf(session: ResearchSession, p: PassageUse): vscode.Location | vscode.Uri {
    const src = session.input.source;
    const loc = p.location;
    if (src?.ref.path && src.ref.kind !== 'pdf' && loc.startLine !== undefined) {
      return new vscode.Location(vscode.Uri.file(src.ref.path), new vscode.Range(loc.startLine - 1, 0, (loc.endLine ?? loc.startLine) - 1, 0));
    }
    // A PDF page, or a passage with no file (a library search, an unsaved buffer): its text.
    const title = src?.ref.title ?? 'Source';
    return this.sourceText.put(`${src?.ref.contentHash ?? 'chat'}/${p.id} ${citationLabel(loc).replace(/[\\/:*?"<>|#]/g, '_')}.md`, `# ${title} — ${citationLabel(loc)}\n\n${p.text}\n`);
  }

  /** The turn key of the latest answer (what its Save button carries), for callers and tests. */
  latestAnswerKey(): string | undefined {
    return [...this.answers.keys()].pop();
  }

  followups(result: vscode.ChatResult): vscode.ChatFollowup[] {
    const meta = result.metadata as ChatAnswerMetadata | undefined;
    if (!meta?.turnKey || result.errorDetails) return [];
    switch (meta.command) {
      case 'ask':
      case 'library':
        return [
          { prompt: 'What evidence does the paper give for this?', command: meta.command, label: 'What is the evidence?' },
          { prompt: '', command: 'critique', label: 'How could this fail?' },
        ];
      case 'ideas':
        return [{ prompt: '', command: 'critique', label: 'How could the last idea fail?' }];
      default:
        return [{ prompt: '', command: 'critique', label: 'How could this fail?' }];
    }
  }

  /** The chat's thumbs: a rating on the saved instance, or a rating record in feedback.jsonl. */
  async feedback(fb: vscode.ChatResultFeedback): Promise<void> {
    const key = (fb.result.metadata as ChatAnswerMetadata | undefined)?.turnKey;
    const a = key ? this.answers.get(key) : undefined;
    if (!a) return;
    const value = fb.kind === vscode.ChatResultFeedbackKind.Helpful ? 'good' : 'bad';
    const store = await this.services.store();
    if (a.turn.savedInstanceId) {
      await store.updateInstance(a.session.task.id, a.turn.savedInstanceId, { rating: { value } });
    } else {
      // Rated like the panel's answers: the same record, made by the core.
      await store.appendFeedback(a.session.ratingRecord(a.turn.id, { value }));
    }
    this.services.logger.info(`Chat answer ${a.turn.id} rated ${value}`);
  }

  /**
   * The Save as Instance button: the answer opens in an editor to be corrected, then it is saved
   * with the model's original kept when they differ, and the chat's history as the dialogue.
   * `editedText` skips the editor (tests, callers that already have it).
   */
  async save(turnKey: unknown, editedText?: unknown): Promise<string | undefined> {
    const a = typeof turnKey === 'string' ? this.answers.get(turnKey) : undefined;
    if (!a) throw new Error('This chat answer is no longer in memory (the window was reloaded): ask again to save it.');
    let text = typeof editedText === 'string' ? editedText : undefined;
    if (text === undefined) {
      const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: a.turn.answer });
      await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false });
      const choice = await vscode.window.showInformationMessage('Edit the answer in the editor beside, then save it as an instance.', 'Save Instance');
      if (choice !== 'Save Instance') return undefined;
      text = doc.getText();
    }
    const instance = a.session.toInstance(a.turn.id, text);
    const store = await this.services.store();
    await store.appendInstance(instance, a.session.task);
    a.turn.savedInstanceId = instance.id;
    this.services.logger.info(`Saved chat answer as instance ${instance.id} of ${instance.taskId}${instance.originalOutput ? ' (edited)' : ''}`);
    this.onSaved(instance);
    void vscode.window.showInformationMessage(`Saved instance ${instance.id} of "${instance.taskId}".`);
    return instance.id;
  }
}

function selectionText(): string | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.selection.isEmpty) return undefined;
  return editor.document.getText(editor.selection).trim() || undefined;
}

function allowedBy(task: LoadedTask, source: ParsedSource): void {
  const ok = checkSource(source.ref, task.constraints);
  if (!ok.allowed) throw new ChatUsageError(`${ok.reason} The task's information constraints do not allow it.`);
}
