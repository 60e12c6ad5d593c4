import * as vscode from 'vscode';
import { untrustedMarkdown } from '../untrustedMarkdown';
import { imagesAsLinks } from '../../core/markdownImages';
import type { HostServices } from '../hostServices';
import type { AnchoredFinding, CritiqueReport } from '../../core/critique/critiqueRunner';
import type { TaskInstance } from '../../core/dataset/instanceTypes';
import type { ChatMessage } from '../../core/model/modelTypes';
import type { SourceTextProvider } from '../conversation/citationOpener';
import { critiqueDraft } from '../../core/critique/critiqueRunner';
import { newId } from '../../core/dataset/ids';
import { redactUrl } from '../../core/redact';
import { describeError } from '../../core/errors';
import { withCancellableProgress } from '../cancellation';
import { setting } from '../settings';

/** What a comment thread of a finding remembers. */
interface FindingThread {
  finding: AnchoredFinding;
  uri: vscode.Uri;
  model: { model: string; endpoint: string; temperature?: number };
  /** The follow-up dialogue in the thread. */
  replies: { role: 'researcher' | 'assistant'; content: string }[];
}

/** The finding as the critique text a researcher accepts: quote, problem, why, severity, fix. */
export function findingText(f: Pick<AnchoredFinding, 'quote' | 'problem' | 'why' | 'severity' | 'suggestion'>): string {
  return [`> ${f.quote}`, '', `**${f.severity}** — ${f.problem}`, f.why ? `\n${f.why}` : '', f.suggestion ? `\n*Suggestion:* ${f.suggestion}` : ''].join('\n').trim();
}

const AUTHOR: vscode.CommentAuthorInformation = { name: 'Alignment critique' };

/** Result of a critique run, for callers and tests. */
export interface CritiqueRunResult {
  report: CritiqueReport;
  threads: vscode.CommentThread[];
}

/**
 * Draft critique in the editor: findings as comment threads on the lines they quote, with Accept
 * (saves a draft-critique instance), Dismiss (records a rejected finding), Edit and Save, and
 * Reply (a follow-up with the model in the thread); optionally Problems-panel diagnostics.
 */
export class DraftCritique implements vscode.Disposable {
  private readonly controller = vscode.comments.createCommentController('alignment.critique', 'Alignment critique');
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('alignment.critique');
  private readonly threads = new Map<vscode.CommentThread, FindingThread>();

  constructor(
    private readonly services: HostServices,
    private readonly summaries: SourceTextProvider,
    private readonly onSaved: () => void,
  ) {
    this.controller.options = { prompt: 'Reply to this finding (the model answers in the thread)…', placeHolder: 'Ask a follow-up about this finding' };
  }

  private clear(uri: vscode.Uri): void {
    for (const [thread, data] of this.threads) {
      if (data.uri.toString() === uri.toString()) {
        thread.dispose();
        this.threads.delete(thread);
      }
    }
    this.diagnostics.delete(uri);
  }

  /** Critique Draft Post: the active Markdown editor, or a file from the explorer. */
  async run(arg?: unknown): Promise<CritiqueRunResult | undefined> {
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (!uri) throw new Error('Open a Markdown draft first.');
    const doc = await vscode.workspace.openTextDocument(uri);
    if (doc.languageId !== 'markdown') void vscode.window.showWarningMessage(`Alignment: ${uri.fsPath} is not Markdown; it is read as Markdown anyway.`);
    const model = await this.services.model();
    if (!model) throw new Error('Critique needs a language model: set alignment.baseUrl and alignment.model, and run "Alignment: Set API Key".');
    const task = await this.services.task('draft-critique');
    const text = doc.getText();
    const concurrency = setting('critique.concurrency');
    const report = await withCancellableProgress(
      { title: 'Alignment: critiquing the draft' },
      async (signal, progress) => {
        let last = 0;
        return critiqueDraft(text, {
          model,
          task,
          concurrency,
          signal,
          file: uri.scheme === 'file' ? uri.fsPath : uri.toString(),
          onProgress: (done, total, section) => {
            progress.report({ increment: ((done - last) / total) * 100, message: `${done} of ${total}: ${section}` });
            last = done;
          },
        });
      },
    );
    // A new run replaces the old threads of this document: no duplicates.
    this.clear(uri);
    const threads = report.findings.map((f) => this.addThread(uri, doc, f, { model: model.settings.model, endpoint: redactUrl(model.settings.baseURL), temperature: model.settings.temperature }));
    if (setting('critique.showDiagnostics')) {
      this.diagnostics.set(
        uri,
        report.findings.map((f) => {
          const d = new vscode.Diagnostic(this.range(doc, f), `${f.problem}${f.suggestion ? ` Suggestion: ${f.suggestion}` : ''}`, f.severity === 'major' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information);
          d.source = 'Alignment critique';
          return d;
        }),
      );
    }
    await this.showSummary(uri, report);
    for (const e of report.errors) this.services.logger.warn(`Critique of "${e.section}" failed: ${e.message}`);
    return { report, threads };
  }

  private range(doc: vscode.TextDocument, f: AnchoredFinding): vscode.Range {
    const start = Math.min(f.startLine - 1, doc.lineCount - 1);
    const end = Math.min(f.endLine - 1, doc.lineCount - 1);
    return new vscode.Range(start, 0, end, doc.lineAt(end).text.length);
  }

  private addThread(uri: vscode.Uri, doc: vscode.TextDocument, f: AnchoredFinding, model: FindingThread['model']): vscode.CommentThread {
    const body = untrustedMarkdown(`**${f.severity}** — ${f.problem}${f.why ? `\n\n${f.why}` : ''}${f.suggestion ? `\n\n*Suggestion:* ${f.suggestion}` : ''}${f.match !== 'exact' ? `\n\n_(quote matched ${f.match}ly)_` : ''}`);
    const thread = this.controller.createCommentThread(uri, this.range(doc, f), [{ body, mode: vscode.CommentMode.Preview, author: AUTHOR, contextValue: 'alignmentFinding' }]);
    thread.label = `${f.severity}: ${f.problem.length > 60 ? `${f.problem.slice(0, 57)}…` : f.problem}`;
    thread.contextValue = 'alignmentFinding';
    thread.canReply = true;
    thread.collapsibleState = vscode.CommentThreadCollapsibleState.Expanded;
    this.threads.set(thread, { finding: f, uri, model, replies: [] });
    return thread;
  }

  private data(arg: unknown): { thread: vscode.CommentThread; data: FindingThread } {
    const thread = (arg as { thread?: vscode.CommentThread })?.thread ?? (arg as vscode.CommentThread);
    const data = thread ? this.threads.get(thread) : undefined;
    if (!thread || !data) throw new Error('That finding is no longer open; run the critique again.');
    return { thread, data };
  }

  private instance(data: FindingThread, output: string, original?: string): TaskInstance {
    const f = data.finding;
    return {
      schemaVersion: 1,
      id: newId(),
      taskId: 'draft-critique',
      createdAt: new Date().toISOString(),
      input: {
        passages: [],
        dialogue: data.replies.length ? [{ role: 'assistant', content: findingText(f) }, ...data.replies] : [],
        text: f.unitText,
        fields: { section: f.section, outline: f.unitContext, file: vscode.workspace.asRelativePath(data.uri), lines: `${f.startLine}-${f.endLine}` },
      },
      output,
      ...(original !== undefined && original !== output ? { originalOutput: original } : {}),
      model: { model: data.model.model, endpoint: data.model.endpoint, parameters: { temperature: data.model.temperature } },
      constraints: {},
    };
  }

  async accept(arg: unknown, edited?: string): Promise<string> {
    const { thread, data } = this.data(arg);
    const original = findingText(data.finding);
    const inst = this.instance(data, edited ?? original, edited !== undefined ? original : undefined);
    const store = await this.services.store();
    await store.appendInstance(inst, await this.services.task('draft-critique'));
    thread.state = vscode.CommentThreadState.Resolved;
    thread.label = `Accepted — saved as instance ${inst.id}`;
    thread.contextValue = 'alignmentFinding.accepted';
    this.onSaved();
    return inst.id;
  }

  async dismiss(arg: unknown): Promise<string> {
    const { thread, data } = this.data(arg);
    const probe = this.instance(data, findingText(data.finding));
    const store = await this.services.store();
    const id = newId();
    await store.appendFeedback({ schemaVersion: 1, id, taskId: 'draft-critique', createdAt: new Date().toISOString(), kind: 'rejected', input: probe.input, output: probe.output, model: probe.model });
    thread.dispose();
    this.threads.delete(thread);
    return id;
  }

  async editAndSave(arg: unknown, text?: string): Promise<string | undefined> {
    const { data } = this.data(arg);
    const edited =
      text ??
      (await vscode.window.showInputBox({ prompt: 'Edit the critique before saving it as an instance', value: findingText(data.finding).replace(/\n+/g, ' '), ignoreFocusOut: true }));
    if (!edited?.trim()) return undefined;
    return this.accept(arg, edited.trim());
  }

  async reply(arg: unknown, text?: string): Promise<string> {
    const { thread, data } = this.data(arg);
    const question = (text ?? (arg as vscode.CommentReply).text ?? '').trim();
    if (!question) throw new Error('Type a reply first.');
    thread.comments = [...thread.comments, { body: question, mode: vscode.CommentMode.Preview, author: { name: 'You' } }];
    data.replies.push({ role: 'researcher', content: question });
    const model = await this.services.model();
    if (!model) throw new Error('Replies need a language model: configure one first.');
    const task = await this.services.task('draft-critique');
    const messages: ChatMessage[] = [
      { role: 'system', content: `${task.instructions}\nYou are discussing one of your review comments with the author. Be concise.` },
      { role: 'user', content: `${data.finding.unitContext}\n<input>\n${data.finding.unitText}\n</input>` },
      { role: 'assistant', content: findingText(data.finding) },
      ...data.replies.map((r) => ({ role: r.role === 'researcher' ? ('user' as const) : ('assistant' as const), content: r.content })),
    ];
    try {
      const result = await model.chat({ messages });
      data.replies.push({ role: 'assistant', content: result.text });
      thread.comments = [...thread.comments, { body: untrustedMarkdown(result.text), mode: vscode.CommentMode.Preview, author: AUTHOR }];
      return result.text;
    } catch (e) {
      const partial = (e as { partial?: string }).partial;
      thread.comments = [...thread.comments, { body: untrustedMarkdown(`⚠ ${describeError(e)}${partial ? `\n\n${partial}` : ''}`), mode: vscode.CommentMode.Preview, author: AUTHOR }];
      throw e;
    }
  }

  private async showSummary(uri: vscode.Uri, report: CritiqueReport): Promise<void> {
    const rel = vscode.workspace.asRelativePath(uri);
    const lines = [
      `# Critique of “${report.title}”`,
      '',
      `${report.findings.length} finding${report.findings.length === 1 ? '' : 's'} in ${report.stats.units} part${report.stats.units === 1 ? '' : 's'}; they are comments in the draft.`,
      '',
      ...report.findings.map((f) => `- **${f.severity}**, ${rel} lines ${f.startLine}–${f.endLine} (${f.section}): ${f.problem}`),
    ];
    if (report.unplaced.length) lines.push('', '## Not placed (the quote was not found in the draft)', '', ...report.unplaced.map((u) => `- **${u.severity}** (${u.section}): “${u.quote}” — ${u.problem}`));
    if (report.errors.length) lines.push('', '## Sections that failed', '', ...report.errors.map((e) => `- ${e.section} (line ${e.startLine}): ${e.message}`));
    if (report.unreadable.length) lines.push('', '## Findings that could not be read', '', ...report.unreadable.map((u) => `- ${u.section}: ${u.problem}`));
    if (report.omitted.length) lines.push('', '## Left out of the critique', '', ...report.omitted.map((o) => `- ${o}`));
    const doc = this.summaries.put(`critique/${encodeURIComponent(rel)} — critique.md`, imagesAsLinks(lines.join('\n')) + '\n');
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
  }

  dispose(): void {
    this.controller.dispose();
    this.diagnostics.dispose();
  }
}
