import * as vscode from 'vscode';
import type { HostServices } from '../hostServices';
import type { CommandTable } from '../commandTable';
import type { PdfViews, PdfView } from './pdfViews';
import { openPdfPage, type SourceTextProvider } from '../conversation/citationOpener';
import { uriSource } from '../editorSources';

/** The question as the paper-QA instances of the task format put it: the quote, then the question. */
export function quoteQuestion(quote: string, question: string): string {
  return `Quote from the paper: “${quote.replace(/\s+/g, ' ').trim()}” — ${question.trim()}`;
}

function activeOrThrow(pdfViews: PdfViews): PdfView {
  const view = pdfViews.active();
  if (!view) throw new Error('Open a PDF in the PDF view first.');
  return view;
}

export interface PdfViewCommandDeps {
  services: HostServices;
  pdfViews: PdfViews;
  /** Where the page's text is shown. */
  text: SourceTextProvider;
}

/** Commands of the PDF view's title bar and context menu. */
export function pdfViewCommands({ services, pdfViews, text }: PdfViewCommandDeps): CommandTable<'alignment.viewPageAsText' | 'alignment.openPdfWithDefault'> {
  return {
    /** The extracted text of the page in view, as the assistant reads it. */
    'alignment.viewPageAsText': async (): Promise<void> => {
      const view = activeOrThrow(pdfViews);
      const source = await uriSource(view.uri, services);
      await openPdfPage(text, source, view.page);
    },
    /** Back to VS Code's own editor for the file (or another PDF extension's), for this file only. */
    'alignment.openPdfWithDefault': async (): Promise<void> => {
      const view = activeOrThrow(pdfViews);
      await vscode.commands.executeCommand('vscode.openWith', view.uri, 'default', view.panel.viewColumn);
    },
  };
}
