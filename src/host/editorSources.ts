import * as vscode from 'vscode';
import * as path from 'node:path';
import type { ParsedSource, SourceKind } from '../core/sources/sourceTypes';
import { loadSourceFile, parseSourceText, sourceKindForPath } from '../core/sources/loadSource';
import { InputFileError } from '../core/errors';
import type { HostServices } from './hostServices';

const LANGUAGE_KINDS: Record<string, SourceKind> = {
  markdown: 'markdown',
  plaintext: 'text',
  latex: 'latex',
  tex: 'latex',
  html: 'html',
};

/** The file behind the active tab when it is not a text editor (a PDF in a viewer extension). */
function activeNonTextUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText) return input.uri;
  return undefined;
}

/**
 * The document the researcher is looking at, parsed: the active text editor's buffer (saved or
 * not), or the PDF open in a viewer.
 */
export async function activeDocumentSource(services: HostServices): Promise<ParsedSource> {
  const editor = vscode.window.activeTextEditor;
  if (editor) return documentSource(editor.document, services);
  const uri = activeNonTextUri();
  if (uri) return uriSource(uri, services);
  throw new InputFileError('No document', 'there is no open document to ask about.', 'Open a paper (Markdown, LaTeX, HTML, text or PDF) first, or use "Alignment: Ask About Paper…".');
}

export async function documentSource(doc: vscode.TextDocument, services: HostServices): Promise<ParsedSource> {
  const name = doc.isUntitled ? doc.uri.path : doc.uri.fsPath;
  const kind = LANGUAGE_KINDS[doc.languageId] ?? sourceKindForPath(name);
  if (!kind) {
    throw new InputFileError(name, `documents in "${doc.languageId}" cannot be read as a paper.`, 'Open a Markdown, LaTeX, HTML, plain-text or PDF file.');
  }
  const text = doc.getText();
  if (!text.trim()) throw new InputFileError(name, 'the document is empty.', 'Open a document with some text in it.');
  if (doc.uri.scheme === 'file' && !doc.isDirty) {
    // Saved files go through the cache like any other source.
    return loadSourceFile(doc.uri.fsPath, { cache: services.sourceCache });
  }
  return parseSourceText(text, kind, { path: doc.uri.scheme === 'file' ? doc.uri.fsPath : undefined, title: path.basename(name) });
}

/**
 * The source with its path relative to the workspace folder that holds it (provenance that
 * survives moving or cloning the workspace); unchanged when it lies outside every folder.
 */
export function withWorkspacePath(source: ParsedSource): ParsedSource {
  const p = source.ref.path;
  if (!p || source.ref.workspacePath) return source;
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(p));
  if (!folder) return source;
  return { ...source, ref: { ...source.ref, workspacePath: path.relative(folder.uri.fsPath, p).split(path.sep).join('/') } };
}

export async function uriSource(uri: vscode.Uri, services: HostServices, signal?: AbortSignal): Promise<ParsedSource> {
  if (uri.scheme !== 'file') {
    const bytes = await vscode.workspace.fs.readFile(uri);
    const kind = sourceKindForPath(uri.path);
    if (!kind || kind === 'pdf') throw new InputFileError(uri.toString(), 'only local files can be read as PDFs here.', 'Save the file locally first.');
    return parseSourceText(new TextDecoder().decode(bytes), kind, { title: path.basename(uri.path) });
  }
  return loadSourceFile(uri.fsPath, { cache: services.sourceCache, signal });
}
