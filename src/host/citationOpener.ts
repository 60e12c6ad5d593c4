import * as vscode from 'vscode';
import type { ResearchSession, SessionTurn } from '../core/assistant/researchSession';
import type { PassageUse } from '../core/sources/sourceTypes';

export const SOURCE_TEXT_SCHEME = 'alignment-source';

/**
 * Read-only views of extracted source text (a PDF's pages), addressed as
 * `alignment-source:/<content-hash>/<title> p. 6.md`; the text is kept in memory per session.
 */
export class SourceTextProvider implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();

  put(key: string, text: string): vscode.Uri {
    this.texts.set(key, text);
    return vscode.Uri.from({ scheme: SOURCE_TEXT_SCHEME, path: `/${key}` });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.path.slice(1)) ?? 'This extracted text is no longer in memory. Ask about the paper again to reopen it.';
  }
}

/**
 * Opens the place a citation points to: lines of a text source in its editor, or the extracted
 * text of a PDF page in a read-only view (and the PDF itself beside it when a viewer is installed).
 */
export async function openCitation(
  provider: SourceTextProvider,
  session: ResearchSession,
  turn: SessionTurn,
  passageId: string,
): Promise<void> {
  const passage = turn.passages.find((p) => p.id === passageId);
  if (!passage) {
    void vscode.window.showWarningMessage(`The answer cites ${passageId}, but no such passage was given to the model: the citation is not real.`);
    return;
  }
  const source = session.input.source;
  const loc = passage.location;
  if (source?.ref.kind === 'pdf' && loc.page !== undefined) {
    await openPdfPage(provider, session, passage);
    return;
  }
  if (source?.ref.path && loc.startLine !== undefined) {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(source.ref.path));
    const start = new vscode.Position(Math.max(0, loc.startLine - 1), 0);
    const endLine = Math.max(0, (loc.endLine ?? loc.startLine) - 1);
    const end = doc.lineAt(Math.min(endLine, doc.lineCount - 1)).range.end;
    await vscode.window.showTextDocument(doc, { selection: new vscode.Range(start, end), preview: true, viewColumn: vscode.ViewColumn.One });
    return;
  }
  // An unsaved buffer or a source without a file: show the passage itself.
  const uri = provider.put(`${source?.ref.contentHash ?? 'source'}/${passage.id}.md`, passageText(source?.ref.title ?? 'Source', passage));
  await vscode.window.showTextDocument(uri, { preview: true, viewColumn: vscode.ViewColumn.One });
}

function passageText(title: string, p: PassageUse): string {
  return `# ${title} — ${p.id}\n\n${p.text}\n`;
}

async function openPdfPage(provider: SourceTextProvider, session: ResearchSession, passage: PassageUse): Promise<void> {
  const source = session.input.source!;
  const page = passage.location.page!;
  const blocks = source.blocks.filter((b) => b.location.page === page);
  const body = blocks.map((b) => b.text).join('\n\n');
  const text = `# ${source.ref.title} — page ${page} (extracted text)\n\n${body}\n`;
  const uri = provider.put(`${source.ref.contentHash}/${sanitize(source.ref.title)} p. ${page}.md`, text);
  const doc = await vscode.workspace.openTextDocument(uri);
  // Select the cited passage's first line inside the page text.
  const first = passage.text.split('\n')[0].slice(0, 60);
  const at = first ? text.indexOf(first) : -1;
  const pos = at >= 0 ? doc.positionAt(at) : new vscode.Position(2, 0);
  await vscode.window.showTextDocument(doc, { preview: true, selection: new vscode.Range(pos, pos), viewColumn: vscode.ViewColumn.One });
  if (source.ref.path && hasPdfViewer()) {
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(source.ref.path), { viewColumn: vscode.ViewColumn.Beside, preview: true });
  }
}

function sanitize(title: string): string {
  return title.replace(/[\\/:*?"<>|#]/g, '_').slice(0, 80);
}

/** True when some installed extension offers a custom editor for PDFs. */
function hasPdfViewer(): boolean {
  return vscode.extensions.all.some((ext) => {
    const editors = (ext.packageJSON as { contributes?: { customEditors?: { selector?: { filenamePattern?: string }[] }[] } }).contributes?.customEditors;
    return editors?.some((e) => e.selector?.some((s) => /pdf/i.test(s.filenamePattern ?? ''))) ?? false;
  });
}
