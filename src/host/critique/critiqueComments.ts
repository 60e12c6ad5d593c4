import * as vscode from 'vscode';
import { untrustedMarkdown } from '../untrustedMarkdown';
import { imagesAsLinks } from '../../core/markdownImages';
import type { HostServices } from '../hostServices';
import type { AnchoredFinding, CritiqueReport } from '../../core/critique/critiqueRunner';
import type { FeedbackRecord, ModelProvenance } from '../../core/dataset/instanceTypes';
import { newWithdrawalRecord } from '../../core/dataset/records';
import type { SourceTextProvider } from '../conversation/citationOpener';
import { critiqueDraft } from '../../core/critique/critiqueRunner';
import { critiqueInstance, critiqueRejection, findingFollowUpMessages, findingKey, findingText, type FindingOrigin } from '../../core/critique/critiqueRecords';
import { redactUrl } from '../../core/redact';
import { describeError } from '../../core/errors';
import { withCancellableProgress } from '../cancellation';
import { setting } from '../settings';

export { findingText };

/** What a comment thread of a finding remembers. */
interface FindingThread {
  finding: AnchoredFinding;
  uri: vscode.Uri;
  model: ModelProvenance;
  /** The follow-up dialogue in the thread. */
  replies: { role: 'researcher' | 'assistant'; content: string }[];
}

/** A decision on a finding, kept per draft across runs (workspace state), keyed by `findingKey`. */
export interface FindingDecision {
  kind: 'dismissed' | 'accepted';
  /** The saved instance (accepted) or the rejected record (dismissed). */
  recordId: string;
  reason?: string;
}

const DECISIONS_KEY = 'alignment.critique.decisions';

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
  /** The last dismissal, for Undo. */
  private lastDismissed?: { uri: vscode.Uri; data: FindingThread; key: string; record: FeedbackRecord };

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
    // A new run replaces the old threads of this document: no duplicates. Decisions taken on an
    // earlier run stand: a dismissed finding stays dismissed, an accepted one shows as saved.
    this.clear(uri);
    const decisions = this.decisions(uri);
    const provenance: ModelProvenance = { model: model.settings.model, endpoint: redactUrl(model.settings.baseURL), parameters: { temperature: model.settings.temperature } };
    const shown = report.findings.filter((f) => decisions[findingKey(f)]?.kind !== 'dismissed');
    const dismissedAgain = report.findings.length - shown.length;
    const threads = shown.map((f) => this.addThread(uri, doc, f, provenance, decisions[findingKey(f)]));
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
    await this.showSummary(uri, report, dismissedAgain);
    for (const e of report.errors) this.services.logger.warn(`Critique of "${e.section}" failed: ${e.message}`);
    return { report, threads };
  }

  /** The quoted sentence's characters (not the whole paragraph line) when the anchor knows them. */
  private range(doc: vscode.TextDocument, f: AnchoredFinding): vscode.Range {
    const start = Math.min(f.startLine - 1, doc.lineCount - 1);
    const end = Math.min(f.endLine - 1, doc.lineCount - 1);
    const endLength = doc.lineAt(end).text.length;
    const startCol = f.startCol !== undefined ? Math.min(f.startCol, doc.lineAt(start).text.length) : 0;
    const endCol = f.endCol !== undefined ? Math.min(f.endCol, endLength) : endLength;
    return new vscode.Range(start, startCol, end, endCol);
  }

  private addThread(uri: vscode.Uri, doc: vscode.TextDocument, f: AnchoredFinding, model: ModelProvenance, decision?: FindingDecision): vscode.CommentThread {
    // The sentence criticised comes first, quoted, so the comment reads on its own.
    const quote = f.quote.split('\n').map((l) => `> ${l}`).join('\n');
    const body = untrustedMarkdown(`${quote}\n\n**${f.severity}** — ${f.problem}${f.why ? `\n\n${f.why}` : ''}${f.suggestion ? `\n\n*Suggestion:* ${f.suggestion}` : ''}${f.match !== 'exact' ? `\n\n_(quote matched ${f.match}ly)_` : ''}`);
    const thread = this.controller.createCommentThread(uri, this.range(doc, f), [{ body, mode: vscode.CommentMode.Preview, author: AUTHOR, contextValue: 'alignmentFinding' }]);
    thread.label = `${f.severity}: ${f.problem.length > 60 ? `${f.problem.slice(0, 57)}…` : f.problem}`;
    thread.contextValue = 'alignmentFinding';
    thread.canReply = true;
    thread.collapsibleState = vscode.CommentThreadCollapsibleState.Expanded;
    if (decision?.kind === 'accepted') this.markAccepted(thread, decision.recordId);
    this.threads.set(thread, { finding: f, uri, model, replies: [] });
    return thread;
  }

  private markAccepted(thread: vscode.CommentThread, instanceId: string): void {
    thread.state = vscode.CommentThreadState.Resolved;
    thread.label = `Accepted — saved as instance ${instanceId}`;
    thread.contextValue = 'alignmentFinding.accepted';
  }

  private docKey(uri: vscode.Uri): string {
    return uri.scheme === 'file' ? vscode.workspace.asRelativePath(uri, false) : uri.toString();
  }

  /** Decisions taken on this draft's findings, across runs. */
  decisions(uri: vscode.Uri): Record<string, FindingDecision> {
    const all = this.services.env.workspaceState.get<Record<string, Record<string, FindingDecision>>>(DECISIONS_KEY, {});
    return { ...(all[this.docKey(uri)] ?? {}) };
  }

  private async decide(uri: vscode.Uri, key: string, decision: FindingDecision | undefined): Promise<void> {
    const all = { ...this.services.env.workspaceState.get<Record<string, Record<string, FindingDecision>>>(DECISIONS_KEY, {}) };
    const mine = { ...(all[this.docKey(uri)] ?? {}) };
    if (decision) mine[key] = decision;
    else delete mine[key];
    all[this.docKey(uri)] = mine;
    await this.services.env.workspaceState.update(DECISIONS_KEY, all);
  }

  private origin(data: FindingThread): FindingOrigin {
    return { file: vscode.workspace.asRelativePath(data.uri), model: data.model, replies: data.replies };
  }

  private data(arg: unknown): { thread: vscode.CommentThread; data: FindingThread } {
    const thread = (arg as { thread?: vscode.CommentThread })?.thread ?? (arg as vscode.CommentThread);
    const data = thread ? this.threads.get(thread) : undefined;
    if (!thread || !data) throw new Error('That finding is no longer open; run the critique again.');
    return { thread, data };
  }

  /**
   * Accept: saves the finding (or the researcher's version) as a draft-critique instance, once: a
   * finding accepted before, in this run or an earlier one, is not saved again.
   */
  async accept(arg: unknown, edited?: string): Promise<string> {
    const { thread, data } = this.data(arg);
    const key = findingKey(data.finding);
    const earlier = this.decisions(data.uri)[key];
    if (earlier?.kind === 'accepted') {
      this.markAccepted(thread, earlier.recordId);
      void vscode.window.showInformationMessage(`Alignment: this finding was saved already (instance ${earlier.recordId}).`);
      return earlier.recordId;
    }
    const task = await this.services.task('draft-critique');
    const inst = critiqueInstance(task, data.finding, this.origin(data), edited);
    const store = await this.services.store();
    await store.appendInstance(inst, task);
    await this.decide(data.uri, key, { kind: 'accepted', recordId: inst.id });
    this.markAccepted(thread, inst.id);
    this.onSaved();
    return inst.id;
  }

  /**
   * Dismiss…: asks for an optional reason (Escape cancels: nothing happens), records the finding
   * as rejected, and remembers the decision so a re-run does not bring it back. Undo (offered
   * in the notification, or `undoDismiss`) shows it again, forgets the decision and appends a
   * withdrawal of the rejected record (feedback.jsonl is only ever appended to).
   */
  async dismiss(arg: unknown, givenReason?: string): Promise<string | undefined> {
    const { thread, data } = this.data(arg);
    const reason =
      givenReason ??
      (await vscode.window.showInputBox({
        title: 'Dismiss this finding',
        prompt: 'Why is it not a problem? (optional; Enter dismisses, Escape cancels)',
        placeHolder: 'e.g. the claim is supported in the next section',
        ignoreFocusOut: true,
      }));
    if (reason === undefined) return undefined;
    const task = await this.services.task('draft-critique');
    const record = critiqueRejection(task, data.finding, this.origin(data), reason);
    const store = await this.services.store();
    await store.appendFeedback(record);
    const key = findingKey(data.finding);
    await this.decide(data.uri, key, { kind: 'dismissed', recordId: record.id, ...(reason.trim() ? { reason: reason.trim() } : {}) });
    thread.dispose();
    this.threads.delete(thread);
    this.lastDismissed = { uri: data.uri, data, key, record };
    if (givenReason === undefined) {
      void vscode.window.showInformationMessage('Alignment: finding dismissed.', 'Undo').then((choice) => {
        if (choice === 'Undo') void this.undoDismiss().catch((e: unknown) => this.services.logger.warn(`Undo failed: ${describeError(e)}`));
      });
    }
    return record.id;
  }

  /** Brings the last dismissed finding back as a comment and forgets the decision. */
  async undoDismiss(): Promise<vscode.CommentThread | undefined> {
    const last = this.lastDismissed;
    if (!last) return undefined;
    this.lastDismissed = undefined;
    // The rejected record stays (feedback is append-only); a withdrawal says it no longer stands,
    // so preference exports do not pair a finding the researcher took back.
    await (await this.services.store()).appendFeedback(newWithdrawalRecord(last.record));
    await this.decide(last.uri, last.key, undefined);
    const doc = await vscode.workspace.openTextDocument(last.uri);
    return this.addThread(last.uri, doc, last.data.finding, last.data.model);
  }

  /**
   * Edit and Save: the critique opens in a Markdown editor beside the draft (line breaks and all);
   * "Save Instance" in the notification saves what the editor holds. Tests pass `text` instead.
   */
  async editAndSave(arg: unknown, text?: string): Promise<string | undefined> {
    const { data } = this.data(arg);
    let edited = text;
    if (edited === undefined) {
      const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: findingText(data.finding) });
      await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: false });
      const choice = await vscode.window.showInformationMessage('Alignment: edit the critique in the editor beside, then save it as an instance.', 'Save Instance');
      if (choice !== 'Save Instance') return undefined;
      edited = doc.getText();
    }
    if (!edited.trim()) return undefined;
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
    const messages = findingFollowUpMessages(task, data.finding, data.replies);
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

  private async showSummary(uri: vscode.Uri, report: CritiqueReport, dismissedAgain = 0): Promise<void> {
    const rel = vscode.workspace.asRelativePath(uri);
    const lines = [
      `# Critique of “${report.title}”`,
      '',
      `${report.findings.length} finding${report.findings.length === 1 ? '' : 's'} in ${report.stats.units} part${report.stats.units === 1 ? '' : 's'}; they are comments in the draft.`,
      ...(dismissedAgain ? ['', `${dismissedAgain} of them ${dismissedAgain === 1 ? 'was' : 'were'} dismissed on an earlier run and ${dismissedAgain === 1 ? 'is' : 'are'} not shown again.`] : []),
      '',
      ...report.findings.map((f) => `- **${f.severity}**, ${rel} lines ${f.startLine}–${f.endLine} (${f.section}): ${f.problem}`),
    ];
    if (report.unplaced.length) lines.push('', '## Not placed (the quote was not found in the draft)', '', ...report.unplaced.map((u) => `- **${u.severity}** (${u.section}): “${u.quote}” — ${u.problem}`));
    if (report.errors.length) lines.push('', '## Sections that failed', '', ...report.errors.map((e) => `- ${e.section} (line ${e.startLine}): ${e.message}`));
    if (report.unreadable.length) lines.push('', '## Findings that could not be read', '', ...report.unreadable.map((u) => `- ${u.section}: ${u.problem}`));
    if (report.omitted.length) lines.push('', '## Left out of the critique', '', ...report.omitted.map((o) => `- ${o}`));
    // The tab shows the last path segment: the draft's own name, readable (`draft.md — critique.md`).
    const doc = this.summaries.put(`critique/${rel} — critique.md`, imagesAsLinks(lines.join('\n')) + '\n');
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
  }

  dispose(): void {
    this.controller.dispose();
    this.diagnostics.dispose();
  }
}
