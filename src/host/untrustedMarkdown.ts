import * as vscode from 'vscode';
import { imagesAsLinks } from '../core/markdownImages';

/**
 * A MarkdownString for text the extension did not write (model output, paper text, saved
 * instances, task files from a repository): images become links (no remote load), raw HTML is
 * dropped, command links and theme icons are off. Every comment and tooltip showing such text
 * is built here.
 */
export function untrustedMarkdown(text: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString(imagesAsLinks(text), false);
  md.isTrusted = false;
  md.supportHtml = false;
  return md;
}
