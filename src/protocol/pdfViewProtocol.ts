/**
 * Messages between the PDF view's host (src/host/pdfView) and its webview (src/webview/pdfView).
 * Plain data only; both sides import this file and check what they receive with the guards below:
 * the webview shows a file from anywhere, so the host treats what it says as untrusted.
 */

/** Host → webview. */
export type PdfHostToWebview =
  /** The PDF itself, as bytes (no network or file access needed in the webview). */
  | { type: 'load'; bytes: Uint8Array | ArrayBuffer; name: string; page?: number }
  /**
   * Show a page and, when `quote` is given, highlight the words of that passage on its text layer;
   * `focus`, a part of the passage (the sentences the citing claim rests on), is marked strongly.
   */
  | { type: 'reveal'; page: number; quote?: string; focus?: string }
  /** Report what the view shows (`state`): page, its text-layer text, highlighted words. */
  | { type: 'probe'; id: number };

/** What the webview reports about itself when probed. */
export interface PdfViewState {
  /** 1-based page most in view. */
  page: number;
  pageCount: number;
  /** Pages whose canvas and text layer exist now (lazy rendering keeps this small). */
  renderedPages: number[];
  /** Text of the text layer of `page`, as in the DOM. */
  pageText: string;
  /** Text under the current highlight marks, in order. */
  highlighted: string;
  /** Text under the strong marks of the highlight's focus (empty when the passage has none). */
  focused?: string;
  /** Page of the highlight, when there is one. */
  highlightPage?: number;
  /** Whether the highlighted marks lie inside the visible part of the scroller. */
  highlightVisible: boolean;
  /** Text the reader has selected in the view (empty when nothing is), which would cover a highlight. */
  selectedText?: string;
  zoom: number;
}

/** Webview → host. */
export type PdfWebviewToHost =
  | { type: 'ready' }
  /** The first page is on screen: `ms` since the PDF's bytes arrived. */
  | { type: 'firstPage'; ms: number; pageCount: number }
  | { type: 'page'; page: number }
  /** The text selected on the text layer (empty when the selection was cleared) and its page. */
  | { type: 'selection'; text: string; page: number }
  | { type: 'state'; id: number; state: PdfViewState }
  | { type: 'error'; message: string };

const MAX_SELECTION = 20_000;

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}
function isPage(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v < 100_000;
}

/** Runtime guard for what the webview posts. */
export function isPdfWebviewMessage(m: unknown): m is PdfWebviewToHost {
  if (!isObj(m) || typeof m.type !== 'string') return false;
  switch (m.type) {
    case 'ready':
      return true;
    case 'firstPage':
      return typeof m.ms === 'number' && isPage(m.pageCount);
    case 'page':
      return isPage(m.page);
    case 'selection':
      return typeof m.text === 'string' && m.text.length <= MAX_SELECTION && isPage(m.page);
    case 'state':
      return typeof m.id === 'number' && isObj(m.state) && isPage(m.state.page) && typeof m.state.pageText === 'string' && typeof m.state.highlighted === 'string';
    case 'error':
      return typeof m.message === 'string';
    default:
      return false;
  }
}

/** Runtime guard for what the host posts. */
export function isPdfHostMessage(m: unknown): m is PdfHostToWebview {
  if (!isObj(m) || typeof m.type !== 'string') return false;
  switch (m.type) {
    case 'load':
      // Bytes cross the webview boundary as a Uint8Array, or as an ArrayBuffer in some hosts.
      return (m.bytes instanceof Uint8Array || m.bytes instanceof ArrayBuffer) && typeof m.name === 'string' && (m.page === undefined || isPage(m.page));
    case 'reveal':
      return isPage(m.page) && (m.quote === undefined || typeof m.quote === 'string') && (m.focus === undefined || typeof m.focus === 'string');
    case 'probe':
      return typeof m.id === 'number';
    default:
      return false;
  }
}
