// The evidence webview: the scorecard's charts (inline SVG, theme colours through CSS classes) and
// a rater's blind study. Text from outside (model names, inputs, answers) goes in through
// textContent only; the host checks every message this sends.
import type { AssistItemView, EvidenceHostMessage, EvidenceWebviewMessage, ScorecardView, StudyItemView, WinRateBar } from '../protocol/evidenceProtocol';
import { isEvidenceHostMessage } from '../protocol/evidenceProtocol';
import { el } from './dom';

declare function acquireVsCodeApi(): { postMessage(m: EvidenceWebviewMessage): void };
const vscode = acquireVsCodeApi();
const root = document.getElementById('root')!;
const status = document.getElementById('status')!;

const SVG = 'http://www.w3.org/2000/svg';
function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, text?: string): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

const pct = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : `${Math.round(x * 100)}%`);
const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Horizontal bars from 0 to the win rate, a whisker for the 95% interval, and a line at 50%. */
function winRateChart(title: string, bars: WinRateBar[]): SVGSVGElement {
  const labelW = 170;
  const plotW = 300;
  const row = 28;
  const h = 30 + bars.length * row + 20;
  const s = svg('svg', { class: 'chart', viewBox: `0 0 ${labelW + plotW + 110} ${h}`, role: 'img', 'aria-label': title });
  s.append(svg('title', {}, title));
  const x = (v: number) => labelW + v * plotW;
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    s.append(svg('line', { x1: x(t), x2: x(t), y1: 20, y2: h - 18, class: t === 0.5 ? 'even-line' : 'grid' }));
    s.append(svg('text', { x: x(t), y: h - 4, 'text-anchor': 'middle', class: 'axis' }, pct(t)));
  }
  bars.forEach((b, i) => {
    const y = 26 + i * row;
    s.append(svg('text', { x: labelW - 8, y: y + 14, 'text-anchor': 'end', class: 'label' }, clip(b.label, 26)));
    if (b.winRate === null) {
      s.append(svg('text', { x: labelW + 4, y: y + 14, class: 'axis' }, 'not judged yet'));
      return;
    }
    s.append(svg('rect', { x: labelW, y: y + 3, width: Math.max(1, b.winRate * plotW), height: row - 10, class: `bar bar-${i % 4}` }));
    if (b.low !== null && b.high !== null) {
      const cy = y + 3 + (row - 10) / 2;
      s.append(svg('line', { x1: x(b.low), x2: x(b.high), y1: cy, y2: cy, class: 'whisker' }));
      for (const v of [b.low, b.high]) s.append(svg('line', { x1: x(v), x2: x(v), y1: cy - 6, y2: cy + 6, class: 'whisker' }));
    }
    s.append(svg('text', { x: labelW + plotW + 8, y: y + 14, class: 'value' }, `${pct(b.winRate)} (n=${b.n})`));
  });
  return s;
}

/** Caught out of planted, per critic: a track for the total and a bar for the caught. */
function plantedChart(run: ScorecardView['planted'][number]): SVGSVGElement {
  const labelW = 170;
  const plotW = 300;
  const row = 28;
  const h = 20 + run.results.length * row;
  const s = svg('svg', { class: 'chart', viewBox: `0 0 ${labelW + plotW + 170} ${h}`, role: 'img', 'aria-label': `Planted flaws caught in ${run.runId}` });
  run.results.forEach((r, i) => {
    const y = 10 + i * row;
    s.append(svg('text', { x: labelW - 8, y: y + 14, 'text-anchor': 'end', class: 'label' }, clip(r.model, 26)));
    s.append(svg('rect', { x: labelW, y: y + 3, width: plotW, height: row - 10, class: 'track' }));
    s.append(svg('rect', { x: labelW, y: y + 3, width: r.total ? (r.caught / r.total) * plotW : 0, height: row - 10, class: `bar bar-${i % 4}` }));
    s.append(svg('text', { x: labelW + plotW + 8, y: y + 14, class: 'value' }, `${r.caught}/${r.total} caught, ${r.otherFindings} other`));
  });
  return s;
}

/** Cumulative looks at the test split over time, with the budget as a line. */
function consultationChart(points: ScorecardView['tasks'][number]['consultations'], budget?: number): SVGSVGElement {
  const w = 480;
  const h = 150;
  const pad = { l: 36, r: 12, t: 12, b: 28 };
  const s = svg('svg', { class: 'chart', viewBox: `0 0 ${w} ${h}`, role: 'img', 'aria-label': `Test split consulted ${points.length} times` });
  const times = points.map((p) => Date.parse(p.at));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 1);
  const top = Math.max(points.length, budget ?? 0, 1);
  const x = (t: number) => pad.l + ((t - t0) / (t1 - t0)) * (w - pad.l - pad.r);
  const y = (n: number) => h - pad.b - (n / top) * (h - pad.t - pad.b);
  s.append(svg('line', { x1: pad.l, x2: w - pad.r, y1: y(0), y2: y(0), class: 'grid' }));
  s.append(svg('text', { x: pad.l - 6, y: y(top) + 4, 'text-anchor': 'end', class: 'axis' }, String(top)));
  s.append(svg('text', { x: pad.l - 6, y: y(0) + 4, 'text-anchor': 'end', class: 'axis' }, '0'));
  if (budget) {
    s.append(svg('line', { x1: pad.l, x2: w - pad.r, y1: y(budget), y2: y(budget), class: 'budget-line' }));
    s.append(svg('text', { x: w - pad.r, y: y(budget) - 4, 'text-anchor': 'end', class: 'axis' }, `budget ${budget}`));
  }
  let d = `M ${x(t0)} ${y(0)}`;
  points.forEach((_p, i) => {
    const px = x(times[i]);
    d += ` L ${px} ${y(i)} L ${px} ${y(i + 1)}`;
  });
  s.append(svg('path', { d, class: 'step' }));
  points.forEach((p, i) => {
    const dot = svg('circle', { cx: x(times[i]), cy: y(i + 1), r: 3.5, class: budget && i + 1 > budget ? 'dot over' : 'dot' });
    dot.append(svg('title', {}, `${new Date(p.at).toLocaleString()} — ${p.label}`));
    s.append(dot);
  });
  // Within one day the axis shows times; across days, dates.
  const when = (t: number) => (t1 - t0 < 86_400_000 ? new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : new Date(t).toLocaleDateString());
  s.append(svg('text', { x: pad.l, y: h - 8, class: 'axis' }, when(t0)));
  s.append(svg('text', { x: w - pad.r, y: h - 8, 'text-anchor': 'end', class: 'axis' }, when(t1)));
  return s;
}

function figure(title: string, chart: Element, caption?: string): HTMLElement {
  const f = el('figure', { class: 'card' }, el('figcaption', {}, title), chart);
  if (caption) f.append(el('p', { class: 'caption' }, caption));
  return f;
}

const fmt = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(2));

function renderScorecard(view: ScorecardView): void {
  root.replaceChildren();
  root.append(el('h1', {}, 'Evidence scorecard'), el('p', { class: 'caption' }, `Win rates with 95% bootstrap intervals; ties count half. Updated ${new Date(view.generatedAt).toLocaleString()}.`));
  if (!view.tasks.length && !view.planted.length) root.append(el('p', { class: 'empty' }, 'No evidence yet: split a task, evaluate it, run a study or a planted-flaw test.'));
  for (const t of view.tasks) {
    const section = el('section', { class: 'task', 'data-task': t.taskId }, el('h2', {}, t.title));
    const facts: string[] = [];
    if (t.split) facts.push(`${t.split.train} train · ${t.split.test} test`);
    facts.push(`test split consulted ${t.consultations.length} time${t.consultations.length === 1 ? '' : 's'}${view.testBudget ? ` of a budget of ${view.testBudget}` : ''}`);
    section.append(el('p', { class: view.testBudget && t.consultations.length >= view.testBudget ? 'facts over-budget' : 'facts', 'data-testid': 'consultations' }, facts.join(' — ')));
    const grid = el('div', { class: 'grid' });
    if (t.latestRun) grid.append(figure(`Win rate vs the saved answer — run ${t.latestRun.runId} (${t.latestRun.split ?? 'all'})`, winRateChart('Win rate per model', t.latestRun.bars)));
    for (const st of t.studies) {
      const agreement = [
        `${st.ratings} verdicts by ${st.raters} rater${st.raters === 1 ? '' : 's'}`,
        st.cohensKappa !== undefined ? `Cohen's κ ${fmt(st.cohensKappa)}` : '',
        st.krippendorffAlpha !== undefined ? `Krippendorff's α ${fmt(st.krippendorffAlpha)}` : '',
        st.judgeVsPeople ? `judge ${st.judgeVsPeople.judge} agrees with people on ${pct(st.judgeVsPeople.agreement)} (κ ${fmt(st.judgeVsPeople.cohensKappa)})` : '',
      ].filter(Boolean);
      grid.append(figure(`Blind study ${st.studyId}`, winRateChart(`Blind study ${st.studyId}`, st.bars), agreement.join(' · ')));
    }
    if (t.consultations.length) grid.append(figure('Test-split consultations over time', consultationChart(t.consultations, view.testBudget)));
    section.append(grid);
    root.append(section);
  }
  if (view.planted.length) {
    const section = el('section', { class: 'task' }, el('h2', {}, 'Planted flaws caught'));
    const grid = el('div', { class: 'grid' });
    for (const run of view.planted.slice(0, 4)) grid.append(figure(`${run.runId} — ${new Date(run.createdAt).toLocaleString()}`, plantedChart(run)));
    section.append(grid);
    root.append(section);
  }
  status.textContent = 'Scorecard updated.';
}

let current: StudyItemView | undefined;

function renderStudyItem(item: StudyItemView): void {
  current = item;
  root.replaceChildren();
  let verdict: 'A' | 'B' | 'tie' | undefined;
  let confidence: number | undefined;
  const submit = el('button', { type: 'button', class: 'primary', id: 'submit', disabled: '' }, 'Submit verdict');
  const update = () => {
    submit.disabled = !(verdict && confidence);
  };
  const radios = <T extends string | number>(name: string, legend: string, options: { value: T; label: string }[], onPick: (v: T) => void) => {
    const fs = el('fieldset', { class: 'choices' }, el('legend', {}, legend));
    for (const o of options) {
      const id = `${name}-${o.value}`;
      const input = el('input', { type: 'radio', name, id, value: String(o.value) });
      input.addEventListener('change', () => {
        onPick(o.value);
        update();
      });
      fs.append(el('label', { for: id, class: 'choice' }, input, ` ${o.label}`));
    }
    return fs;
  };
  const answer = (label: 'A' | 'B') => el('article', { class: 'answer', 'aria-label': `Answer ${label}` }, el('h3', {}, `Answer ${label}`), el('div', { class: 'text' }, item.answers[label]));
  root.append(
    el('h1', {}, 'Blind comparison'),
    el('p', { class: 'caption', id: 'progress' }, `Item ${item.position} of ${item.of} · rating as ${item.rater}. The answers are shown in random order, without their source.`),
    el('section', { class: 'input', 'aria-label': 'Input' }, el('h2', {}, 'Input'), el('div', { class: 'text' }, item.input)),
    el('div', { class: 'answers' }, answer('A'), answer('B')),
    radios('verdict', 'Which answer is better?', [
      { value: 'A', label: 'A is better' },
      { value: 'tie', label: 'About the same' },
      { value: 'B', label: 'B is better' },
    ], (v) => (verdict = v)),
    radios('confidence', 'How confident are you?', [1, 2, 3, 4, 5].map((n) => ({ value: n, label: n === 1 ? '1 (a guess)' : n === 5 ? '5 (certain)' : String(n) })), (v) => (confidence = v)),
    el('div', { class: 'actions' }, submit),
  );
  submit.addEventListener('click', () => {
    if (!verdict || !confidence || !current) return;
    submit.disabled = true;
    vscode.postMessage({ type: 'rate', itemId: current.itemId, verdict, confidence });
  });
  status.textContent = `Item ${item.position} of ${item.of}.`;
  root.querySelector<HTMLElement>('h1')?.focus();
}

/** Sandwiching: the non-expert reads the input, asks the assistant, and writes their own answer. */
function renderAssistItem(item: AssistItemView): void {
  // Keep what was typed across re-renders of the same item (each answer from the assistant re-renders).
  const typed = root.querySelector<HTMLTextAreaElement>('#answer')?.value ?? '';
  const sameItem = root.dataset.item === item.itemId;
  root.dataset.item = item.itemId;
  root.replaceChildren();
  const question = el('textarea', { id: 'help-question', rows: '2', 'aria-label': 'Question for the assistant' });
  const ask = el('button', { type: 'button', class: 'secondary', id: 'ask' }, item.asking ? 'Asking…' : 'Ask the assistant');
  if (item.asking) ask.disabled = true;
  ask.addEventListener('click', () => {
    if (!question.value.trim()) return;
    ask.disabled = true;
    vscode.postMessage({ type: 'ask', itemId: item.itemId, question: question.value });
  });
  const answer = el('textarea', { id: 'answer', rows: '8', 'aria-label': 'Your answer' });
  answer.value = sameItem ? typed : '';
  const submit = el('button', { type: 'button', class: 'primary', id: 'submit-answer' }, 'Submit answer');
  submit.addEventListener('click', () => {
    if (!answer.value.trim()) return;
    submit.disabled = true;
    vscode.postMessage({ type: 'answer', itemId: item.itemId, answer: answer.value });
  });
  const help = el('ol', { class: 'help', 'aria-label': 'Help used so far' });
  for (const h of item.help) help.append(el('li', {}, el('div', { class: 'q' }, h.question), el('div', { class: 'text' }, h.answer)));
  root.append(
    el('h1', {}, 'Answer with the assistant’s help'),
    el('p', { class: 'caption', id: 'progress' }, `Item ${item.position} of ${item.of} · answering as ${item.rater}. Every question you ask is recorded with your answer.`),
    el('section', { class: 'input', 'aria-label': 'Input' }, el('h2', {}, 'Input'), el('div', { class: 'text' }, item.input)),
    el('section', { 'aria-label': 'Help' }, el('h2', {}, `Help used (${item.help.length})`), help, question, el('div', { class: 'actions' }, ask)),
    el('section', { 'aria-label': 'Answer' }, el('h2', {}, 'Your answer'), answer, el('div', { class: 'actions' }, submit)),
  );
  status.textContent = item.asking ? 'The assistant is answering.' : `Item ${item.position} of ${item.of}.`;
}

function handle(msg: EvidenceHostMessage): void {
  switch (msg.type) {
    case 'scorecard':
      renderScorecard(msg.view);
      break;
    case 'studyItem':
      renderStudyItem(msg.item);
      break;
    case 'assistItem':
      renderAssistItem(msg.item);
      break;
    case 'studyDone':
      current = undefined;
      root.replaceChildren(el('h1', {}, 'Blind study'), el('p', { id: 'done' }, `All done: ${msg.rated} ${msg.noun ?? 'verdict'}${msg.rated === 1 ? '' : 's'} recorded for ${msg.rater} in ${msg.studyId}. Thank you.`));
      status.textContent = 'All items rated.';
      break;
    case 'error':
      root.prepend(el('p', { class: 'notice error', role: 'alert' }, msg.message));
      for (const id of ['#submit', '#ask', '#submit-answer']) root.querySelector<HTMLButtonElement>(id)?.removeAttribute('disabled');
      break;
  }
}

window.addEventListener('message', (e: MessageEvent<unknown>) => {
  if (isEvidenceHostMessage(e.data)) handle(e.data);
});
vscode.postMessage({ type: 'ready' });
