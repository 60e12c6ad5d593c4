import * as vscode from 'vscode';
import type { ResearchSession, SessionTurn } from '../../core/assistant/researchSession';
import { citationFocus, citingSentence } from '../../core/retrieval/citationFocus';
import type { ParsedSource, PassageUse } from '../../core/sources/sourceTypes';
import type { PdfViews } from '../pdfView/pdfViews';

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
 * Opens the place a citation points to: lines of a text source in its editor, or a PDF's page in
 * the PDF view with the passage highlighted (the page's extracted text when the PDF view is not
 * available: a PDF without a local file).
 */
export async function openCitation(
  provider: SourceTextProvider,
  session: ResearchSession,
  turn: SessionTurn,
  passageId: string,
  pdfViews?: PdfViews,
): Promise<void> {
  const passage = turn.passages.find((p) => p.id === passageId);
  if (!passage) {
    void vscode.window.showWarningMessage(`The answer cites ${passageId}, but no such passage was given to the model: the citation is not real.`);
    return;
  }
  const source = session.input.source;
  const loc = passage.location;
  if (source?.ref.kind === 'pdf' && loc.page !== undefined) {
    if (pdfViews && source.ref.path) {
      const uri = vscode.Uri.file(source.ref.path);
      // Where the paper is already open, else the first column: the conversation stays beside it.
      const column = pdfViews.find(uri)?.panel.viewColumn ?? vscode.ViewColumn.One;
      const view = await pdfViews.open(uri, column);
      const claim = citingSentence(turn.answer, passageId);
      view.reveal(loc.page, passage.text, claim ? citationFocus(passage.text, claim) : undefined);
      return;
    }
    await openPdfPage(provider, source, loc.page, passage.text);
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

/** Opens the extracted text of a PDF page, read-only, with the cursor on `quote`'s first line when given. */
export async function openPdfPage(provider: SourceTextProvider, source: ParsedSource, page: number, quote?: string): Promise<void> {
  const blocks = source.blocks.filter((b) => b.location.page === page);
  const body = blocks.map((b) => b.text).join('\n\n');
  const text = `# ${source.ref.title} — page ${page} (extracted text)\n\n${body}\n`;
  const uri = provider.put(`${source.ref.contentHash}/${sanitize(source.ref.title)} p. ${page}.md`, text);
  const doc = await vscode.workspace.openTextDocument(uri);
  // Select the cited passage's first line inside the page text.
  const first = (quote ?? '').split('\n')[0].slice(0, 60);
  const at = first ? text.indexOf(first) : -1;
  const pos = at >= 0 ? doc.positionAt(at) : new vscode.Position(2, 0);
  await vscode.window.showTextDocument(doc, { preview: true, selection: new vscode.Range(pos, pos), viewColumn: vscode.ViewColumn.One });
}

function sanitize(title: string): string {
  return title.replace(/[\\/:*?"<>|#]/g, '_').slice(0, 80);
}
