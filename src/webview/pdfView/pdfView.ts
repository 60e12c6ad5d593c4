/**
 * The PDF view's front end: pages drawn by pdf.js on canvases, each with a text layer so words can
 * be selected, found and highlighted. Pages are drawn only near the viewport and dropped when far
 * from it, so a long paper shows its first page quickly and keeps a bounded number of canvases.
 */
import * as pdfjs from 'pdfjs-dist';
import type { PDFDocumentProxy, PDFPageProxy, PageViewport } from 'pdfjs-dist';
import { isPdfHostMessage, type PdfHostToWebview, type PdfViewState, type PdfWebviewToHost } from '../../protocol/pdfViewProtocol';
import { matchPassage } from './passageMatch';

declare function acquireVsCodeApi(): { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };

const vscode = acquireVsCodeApi();
const post = (m: PdfWebviewToHost): void => vscode.postMessage(m);

/** Pages kept drawn at most; the ones furthest from the viewport are dropped first. */
const MAX_RENDERED = 8;
const ZOOMS = [0.5, 0.67, 0.8, 0.9, 1, 1.1, 1.25, 1.5, 1.75, 2, 2.5, 3, 4];

const body = document.body;
pdfjs.GlobalWorkerOptions.workerSrc = body.dataset.worker ?? '';

/**
 * pdf.js's worker, started from a blob of its own source. The worker file is a webview resource
 * on another origin, which a worker cannot load directly, and a blob that imports it is not served
 * by the webview's resource loader in every host (code-server). Fetched here, where that loader
 * works. When this fails, pdf.js runs its worker code on the main thread instead (slower, same result).
 */
async function startWorker(): Promise<void> {
  try {
    const res = await fetch(pdfjs.GlobalWorkerOptions.workerSrc);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const url = URL.createObjectURL(new Blob([await res.text()], { type: 'text/javascript' }));
    pdfjs.GlobalWorkerOptions.workerPort = new Worker(url, { type: 'module' });
  } catch (e) {
    post({ type: 'error', message: `pdf.js worker not started, pages are read on the main thread: ${e instanceof Error ? e.message : String(e)}` });
  }
}
const workerStarted = startWorker();

function el<K extends keyof HTMLElementTagNameMap>(id: string, _tag: K): HTMLElementTagNameMap[K] {
  const e = document.getElementById(id);
  if (!e) throw new Error(`missing #${id}`);
  return e as HTMLElementTagNameMap[K];
}

const viewer = el('viewer', 'div');
const pageInput = el('page-input', 'input');
const pageCountLabel = el('page-count', 'span');
const zoomLabel = el('zoom-label', 'span');
const findBar = el('find-bar', 'div');
const findInput = el('find-input', 'input');
const findStatus = el('find-status', 'span');
const notice = el('notice', 'div');

interface PageSlot {
  num: number;
  div: HTMLDivElement;
  /** Unscaled size (PDF points at zoom 1). */
  width: number;
  height: number;
  rendered?: { canvas: HTMLCanvasElement; text: HTMLDivElement; zoom: number; task?: { cancel(): void } };
  rendering?: Promise<void>;
}

let doc: PDFDocumentProxy | undefined;
let slots: PageSlot[] = [];
let zoom = 1;
let currentPage = 1;
/** Text of each page's text runs, for find: filled on first search. */
const pageRuns = new Map<number, Promise<string[]>>();
/** The pending highlight: applied when its page's text layer exists. */
let highlight: { page: number; quote: string; focus?: string } | undefined;

function showNotice(text: string): void {
  notice.textContent = text;
  notice.hidden = !text;
}

async function load(bytes: Uint8Array, startPage: number | undefined): Promise<void> {
  const loadStarted = performance.now();
  await workerStarted;
  try {
    doc = await pdfjs.getDocument({
      data: bytes,
      // Papers come from anywhere: no script evaluation, no fetches of remote resources.
      isEvalSupported: false,
      enableXfa: false,
      cMapUrl: body.dataset.cmaps,
      cMapPacked: true,
      standardFontDataUrl: body.dataset.fonts,
      wasmUrl: body.dataset.wasm,
    }).promise;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    showNotice(`This PDF could not be opened: ${message}`);
    post({ type: 'error', message });
    return;
  }
  const first = await doc.getPage(1);
  const vp = first.getViewport({ scale: 1 });
  pageCountLabel.textContent = `/ ${doc.numPages}`;
  pageInput.max = String(doc.numPages);
  // Every page gets a placeholder the size of page 1 until its own size is known (papers are uniform).
  slots = Array.from({ length: doc.numPages }, (_, i) => {
    const div = document.createElement('div');
    div.className = 'page';
    div.dataset.page = String(i + 1);
    div.setAttribute('role', 'region');
    div.setAttribute('aria-label', `Page ${i + 1}`);
    viewer.append(div);
    return { num: i + 1, div, width: vp.width, height: vp.height };
  });
  zoom = fitWidthZoom();
  layout();
  observe();
  if (startPage && startPage > 1) goTo(startPage);
  await renderPage(slots[Math.max(0, (startPage ?? 1) - 1)], first);
  post({ type: 'firstPage', ms: Math.round(performance.now() - loadStarted), pageCount: doc.numPages });
}

/** Zoom at which page 1 fills the width of the view (with a margin), never above 2. */
function fitWidthZoom(): number {
  const w = viewer.clientWidth - 32;
  return slots.length && w > 100 ? Math.min(2, Math.max(0.5, w / slots[0].width)) : 1;
}

function layout(): void {
  for (const s of slots) {
    s.div.style.width = `${Math.floor(s.width * zoom)}px`;
    s.div.style.height = `${Math.floor(s.height * zoom)}px`;
    s.div.style.setProperty('--total-scale-factor', String(zoom));
  }
  zoomLabel.textContent = `${Math.round(zoom * 100)}%`;
}

async function renderPage(slot: PageSlot, given?: PDFPageProxy): Promise<void> {
  if (!doc || (slot.rendered && slot.rendered.zoom === zoom)) return;
  if (slot.rendering) return slot.rendering;
  slot.rendering = (async () => {
    const page = given ?? (await doc!.getPage(slot.num));
    const base = page.getViewport({ scale: 1 });
    if (base.width !== slot.width || base.height !== slot.height) {
      slot.width = base.width;
      slot.height = base.height;
      slot.div.style.width = `${Math.floor(base.width * zoom)}px`;
      slot.div.style.height = `${Math.floor(base.height * zoom)}px`;
    }
    const z = zoom;
    const viewport = page.getViewport({ scale: z });
    const canvas = document.createElement('canvas');
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.floor(viewport.width * ratio);
    canvas.height = Math.floor(viewport.height * ratio);
    canvas.style.width = `${Math.floor(viewport.width)}px`;
    canvas.style.height = `${Math.floor(viewport.height)}px`;
    const text = document.createElement('div');
    text.className = 'textLayer';
    const task = page.render({ canvas, viewport, transform: ratio !== 1 ? [ratio, 0, 0, ratio, 0, 0] : undefined });
    dropRender(slot);
    slot.rendered = { canvas, text, zoom: z, task };
    slot.div.append(canvas, text);
    try {
      // A cited passage is marked as soon as its words are on the text layer, not after the canvas.
      const marked = renderText(page, text, viewport).then(() => {
        if (highlight?.page === slot.num) applyHighlight();
      });
      await Promise.all([task.promise, marked]);
    } catch (e) {
      if ((e as { name?: string }).name !== 'RenderingCancelledException') throw e;
    }
    if (highlight?.page === slot.num) applyHighlight();
    evict();
  })().finally(() => (slot.rendering = undefined));
  return slot.rendering;
}

async function renderText(page: PDFPageProxy, container: HTMLDivElement, viewport: PageViewport): Promise<void> {
  const layer = new pdfjs.TextLayer({ textContentSource: page.streamTextContent(), container, viewport });
  await layer.render();
  // While a selection is being dragged, this block covers the gaps between text runs, so passing
  // over white space does not make the browser select to the end of the page.
  const end = document.createElement('div');
  end.className = 'endOfContent';
  container.append(end);
}

viewer.addEventListener('pointerdown', (e) => {
  const layer = (e.target as Element | null)?.closest?.('.textLayer');
  if (layer) layer.classList.add('selecting');
});
document.addEventListener('pointerup', () => {
  for (const l of viewer.querySelectorAll('.textLayer.selecting')) l.classList.remove('selecting');
});

function dropRender(slot: PageSlot): void {
  if (!slot.rendered) return;
  slot.rendered.task?.cancel();
  // Zero-sized canvases give their memory back at once.
  slot.rendered.canvas.width = 0;
  slot.rendered.canvas.height = 0;
  slot.rendered.canvas.remove();
  slot.rendered.text.remove();
  slot.rendered = undefined;
}

/** Keeps at most MAX_RENDERED pages drawn: the ones furthest from the current page go. */
function evict(): void {
  const drawn = slots.filter((s) => s.rendered);
  if (drawn.length <= MAX_RENDERED) return;
  drawn.sort((a, b) => Math.abs(b.num - currentPage) - Math.abs(a.num - currentPage));
  for (const s of drawn.slice(0, drawn.length - MAX_RENDERED)) dropRender(s);
}

let observer: IntersectionObserver | undefined;
function observe(): void {
  observer?.disconnect();
  const visible = new Set<number>();
  observer = new IntersectionObserver(
    (entries) => {
      for (const e of entries) {
        const n = Number((e.target as HTMLElement).dataset.page);
        if (e.isIntersecting) visible.add(n);
        else visible.delete(n);
      }
      for (const n of visible) void renderPage(slots[n - 1]).catch(reportError);
    },
    // Draw a page a little before it scrolls into view.
    { root: viewer, rootMargin: '50% 0px' },
  );
  for (const s of slots) observer.observe(s.div);
}

function reportError(e: unknown): void {
  const message = e instanceof Error ? e.message : String(e);
  showNotice(`Something went wrong showing this PDF: ${message}`);
  post({ type: 'error', message });
}
window.addEventListener('error', (e) => reportError(e.error ?? e.message));
window.addEventListener('unhandledrejection', (e) => reportError(e.reason));

/** The page whose area covers the middle of the view. */
function pageInView(): number {
  const mid = viewer.scrollTop + viewer.clientHeight / 3;
  for (const s of slots) {
    if (s.div.offsetTop + s.div.offsetHeight > mid) return s.num;
  }
  return slots.length || 1;
}

viewer.addEventListener('scroll', () => {
  const p = pageInView();
  if (p !== currentPage) {
    currentPage = p;
    pageInput.value = String(p);
    post({ type: 'page', page: p });
  }
}, { passive: true });

function goTo(page: number, align: 'start' | 'keep' = 'start'): void {
  const slot = slots[Math.min(Math.max(1, page), slots.length) - 1];
  if (!slot) return;
  if (align === 'start') viewer.scrollTop = slot.div.offsetTop - 8;
  currentPage = slot.num;
  pageInput.value = String(slot.num);
}

function setZoom(z: number): void {
  const keep = currentPage;
  const offset = slots[keep - 1] ? (viewer.scrollTop - slots[keep - 1].div.offsetTop) / zoom : 0;
  zoom = Math.min(4, Math.max(0.25, z));
  layout();
  if (slots[keep - 1]) viewer.scrollTop = slots[keep - 1].div.offsetTop + offset * zoom;
  // Pages in view are drawn again at the new size; the others when they come into view.
  for (const s of slots) if (s.rendered && s.rendered.zoom !== zoom) dropRender(s);
  observe();
}

function zoomStep(dir: 1 | -1): void {
  const next = dir > 0 ? ZOOMS.find((z) => z > zoom + 0.001) : [...ZOOMS].reverse().find((z) => z < zoom - 0.001);
  if (next) setZoom(next);
}

// --- Highlight of a cited passage -----------------------------------------------------------

function clearHighlight(): void {
  for (const e of viewer.querySelectorAll('.textLayer .highlight')) e.classList.remove('highlight', 'selected');
}

function applyHighlight(): boolean {
  if (!highlight) return false;
  const slot = slots[highlight.page - 1];
  if (!slot?.rendered) return false;
  clearHighlight();
  const spans = [...slot.rendered.text.querySelectorAll<HTMLElement>('span:not(.markedContent)')];
  const runs = spans.map((s) => s.textContent ?? '');
  const found = matchPassage(runs, highlight.quote);
  if (!found) return false;
  // The passage faintly; the sentences the claim rests on (found inside the passage) strongly.
  const focus = highlight.focus ? matchPassage(runs.slice(found.first, found.last + 1), highlight.focus) : undefined;
  for (let i = found.first; i <= found.last; i++) spans[i].classList.add('highlight', ...(focus ? [] : ['selected']));
  if (focus) for (let i = found.first + focus.first; i <= found.first + focus.last; i++) spans[i].classList.add('selected');
  const firstSpan = spans[found.first + (focus?.first ?? 0)];
  viewer.scrollTop = slot.div.offsetTop + firstSpan.offsetTop - viewer.clientHeight / 4;
  return true;
}

async function reveal(page: number, quote: string | undefined, focus?: string): Promise<void> {
  highlight = quote ? { page, quote, ...(focus ? { focus } : {}) } : undefined;
  // A selection left from before would cover the highlight: the cited passage is what to see now.
  if (quote) document.getSelection()?.removeAllRanges();
  if (!quote) clearHighlight();
  goTo(page);
  const slot = slots[page - 1];
  if (slot) await renderPage(slot);
  if (quote) applyHighlight();
}

// --- Find within the paper --------------------------------------------------------------------

let findHits: { page: number; index: number }[] = [];
let findAt = -1;

function runsOf(page: number): Promise<string[]> {
  let p = pageRuns.get(page);
  if (!p) {
    p = doc!.getPage(page).then(async (pg) => (await pg.getTextContent()).items.map((it) => ('str' in it ? it.str : '')));
    pageRuns.set(page, p);
  }
  return p;
}

async function find(query: string, dir: 1 | -1): Promise<void> {
  if (!doc) return;
  const q = query.trim().toLowerCase();
  if (!q) {
    findStatus.textContent = '';
    return;
  }
  if (findBar.dataset.query !== q) {
    findBar.dataset.query = q;
    findHits = [];
    findAt = -1;
    for (let p = 1; p <= doc.numPages; p++) {
      const text = (await runsOf(p)).join(' ').toLowerCase();
      for (let i = text.indexOf(q); i >= 0; i = text.indexOf(q, i + q.length)) findHits.push({ page: p, index: findHits.length });
    }
  }
  if (!findHits.length) {
    findStatus.textContent = 'No results';
    return;
  }
  findAt = (findAt + dir + findHits.length) % findHits.length;
  findStatus.textContent = `${findAt + 1} of ${findHits.length}`;
  const hit = findHits[findAt];
  // The n-th hit on its page.
  const nth = findHits.filter((h, i) => h.page === hit.page && i < findAt).length;
  goTo(hit.page);
  const slot = slots[hit.page - 1];
  await renderPage(slot);
  markFind(slot, q, nth);
}

function markFind(slot: PageSlot, q: string, nth: number): void {
  clearHighlight();
  if (!slot.rendered) return;
  const spans = [...slot.rendered.text.querySelectorAll<HTMLElement>('span:not(.markedContent)')];
  let seen = 0;
  for (const s of spans) {
    const t = (s.textContent ?? '').toLowerCase();
    for (let i = t.indexOf(q); i >= 0; i = t.indexOf(q, i + q.length)) {
      if (seen++ === nth) {
        s.classList.add('highlight', 'selected');
        viewer.scrollTop = slot.div.offsetTop + s.offsetTop - viewer.clientHeight / 3;
        return;
      }
    }
  }
}

function openFind(): void {
  findBar.hidden = false;
  const sel = document.getSelection()?.toString().trim();
  if (sel && sel.length < 100) findInput.value = sel;
  findInput.focus();
  findInput.select();
}

findInput.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') {
    e.preventDefault();
    void find(findInput.value, e.shiftKey ? -1 : 1);
  } else if (e.key === 'Escape') {
    e.preventDefault();
    findBar.hidden = true;
    clearHighlight();
    viewer.focus();
  }
});
el('find-next', 'button').addEventListener('click', () => void find(findInput.value, 1));
el('find-prev', 'button').addEventListener('click', () => void find(findInput.value, -1));
el('find-close', 'button').addEventListener('click', () => {
  findBar.hidden = true;
  clearHighlight();
});

// --- Toolbar and keyboard ---------------------------------------------------------------------

el('prev', 'button').addEventListener('click', () => goTo(currentPage - 1));
el('next', 'button').addEventListener('click', () => goTo(currentPage + 1));
el('zoom-in', 'button').addEventListener('click', () => zoomStep(1));
el('zoom-out', 'button').addEventListener('click', () => zoomStep(-1));
el('zoom-fit', 'button').addEventListener('click', () => setZoom(fitWidthZoom()));
pageInput.addEventListener('change', () => {
  const n = Number(pageInput.value);
  if (Number.isInteger(n)) goTo(n);
});
pageInput.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') {
    e.preventDefault();
    const n = Number(pageInput.value);
    if (Number.isInteger(n)) goTo(n);
    viewer.focus();
  }
});

document.addEventListener('keydown', (e) => {
  const mod = e.ctrlKey || e.metaKey;
  if (mod && e.key.toLowerCase() === 'f') {
    e.preventDefault();
    e.stopPropagation();
    openFind();
    return;
  }
  if (mod && (e.key === '=' || e.key === '+')) {
    e.preventDefault();
    zoomStep(1);
    return;
  }
  if (mod && e.key === '-') {
    e.preventDefault();
    zoomStep(-1);
    return;
  }
  if (e.target instanceof HTMLInputElement) return;
  switch (e.key) {
    case 'PageDown':
    case ' ':
      if (e.shiftKey && e.key === ' ') viewer.scrollBy(0, -viewer.clientHeight * 0.9);
      else viewer.scrollBy(0, viewer.clientHeight * 0.9);
      break;
    case 'PageUp':
      viewer.scrollBy(0, -viewer.clientHeight * 0.9);
      break;
    case 'ArrowDown':
      viewer.scrollBy(0, 40);
      break;
    case 'ArrowUp':
      viewer.scrollBy(0, -40);
      break;
    case 'Home':
      goTo(1);
      break;
    case 'End':
      goTo(slots.length);
      break;
    case 'n':
    case 'j':
      goTo(currentPage + 1);
      break;
    case 'p':
    case 'k':
      goTo(currentPage - 1);
      break;
    default:
      return;
  }
  e.preventDefault();
});

// --- Selection, reported so "Ask About Selection" can quote it --------------------------------

let selTimer: ReturnType<typeof setTimeout> | undefined;
let lastSel = '';
document.addEventListener('selectionchange', () => {
  clearTimeout(selTimer);
  selTimer = setTimeout(() => {
    const sel = document.getSelection();
    const text = sel && !sel.isCollapsed && viewer.contains(sel.anchorNode) ? sel.toString().replace(/\s+/g, ' ').trim().slice(0, 20_000) : '';
    if (text === lastSel) return;
    lastSel = text;
    const node = sel?.anchorNode;
    const pageDiv = (node instanceof Element ? node : node?.parentElement)?.closest<HTMLElement>('.page');
    post({ type: 'selection', text, page: Number(pageDiv?.dataset.page ?? currentPage) || 1 });
  }, 120);
});

// --- State, for the host and tests ------------------------------------------------------------

function state(): PdfViewState {
  const slot = slots[currentPage - 1];
  const marks = [...viewer.querySelectorAll<HTMLElement>('.textLayer .highlight')];
  const markPage = marks[0]?.closest<HTMLElement>('.page')?.dataset.page;
  const vr = viewer.getBoundingClientRect();
  const visible = marks.length > 0 && marks.some((m) => {
    const r = m.getBoundingClientRect();
    return r.bottom > vr.top && r.top < vr.bottom;
  });
  return {
    page: currentPage,
    pageCount: slots.length,
    renderedPages: slots.filter((s) => s.rendered).map((s) => s.num),
    pageText: slot?.rendered?.text.textContent ?? '',
    highlighted: marks.map((m) => m.textContent ?? '').join(' '),
    focused: marks
      .filter((m) => m.classList.contains('selected'))
      .map((m) => m.textContent ?? '')
      .join(' '),
    ...(markPage ? { highlightPage: Number(markPage) } : {}),
    highlightVisible: visible,
    selectedText: document.getSelection()?.toString() ?? '',
    zoom,
  };
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const m = event.data;
  if (!isPdfHostMessage(m)) {
    const o = typeof m === 'object' && m !== null ? (m as { type?: unknown; bytes?: unknown }) : undefined;
    const kind = o ? `${String(o.type)}, bytes: ${Object.prototype.toString.call(o.bytes)}` : typeof m;
    post({ type: 'error', message: `dropped a malformed message (${kind}) from the extension` });
    return;
  }
  void handle(m).catch(reportError);
});

async function handle(m: PdfHostToWebview): Promise<void> {
  switch (m.type) {
    case 'load':
      document.title = m.name;
      await load(m.bytes instanceof Uint8Array ? m.bytes : new Uint8Array(m.bytes), m.page);
      break;
    case 'reveal':
      await reveal(m.page, m.quote, m.focus);
      break;
    case 'probe':
      post({ type: 'state', id: m.id, state: state() });
      break;
  }
}

post({ type: 'ready' });
