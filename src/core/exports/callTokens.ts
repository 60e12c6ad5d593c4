/**
 * Finds the labels of the tasks call ("Task:", "Context:", "Instance 1:", "Input", "Researcher:"…)
 * in lines of text, whether each stands on its own line, starts a bullet or a heading, or runs
 * inline in a paragraph pasted from a web page.
 */

export type LabelKind =
  | 'example'
  | 'task'
  | 'context'
  | 'inputType'
  | 'outputType'
  | 'constraints'
  | 'instance'
  | 'input'
  | 'output'
  | 'source'
  | 'researcher'
  | 'assistant';

export interface LabelHit {
  kind: LabelKind;
  /** Where the label starts and where its content starts, in the line. */
  start: number;
  end: number;
  hasColon: boolean;
  atLineStart: boolean;
}

// Bold or italic around the label ("**Context:**", "__Input__:") is part of the label.
const EM = '(?:\\*\\*|__|\\*|_)?';
const LABEL_RE = new RegExp(
  `(?<![\\w*_])${EM}(Example\\s+\\d+|Task(?:\\s+\\d+)?|Context|Input\\s+type|Output\\s+type|Info(?:rmation)?\\s+constraints?|Instance\\s+\\d+|Input|Output|Source|Researcher|Assistant|User|Human)${EM}(\\s*[:.](?!\\S)|\\s*:)?${EM}[ \\t]*`,
  'gi',
);

function kindOf(word: string): LabelKind {
  const w = word.toLowerCase().replace(/\s+/g, ' ');
  if (w.startsWith('example')) return 'example';
  if (w.startsWith('task')) return 'task';
  if (w === 'context') return 'context';
  if (w === 'input type') return 'inputType';
  if (w === 'output type') return 'outputType';
  if (w.startsWith('info')) return 'constraints';
  if (w.startsWith('instance')) return 'instance';
  if (w === 'input') return 'input';
  if (w === 'output') return 'output';
  if (w === 'source') return 'source';
  if (w === 'assistant') return 'assistant';
  return 'researcher';
}

/** Markdown decoration before a label: heading marks, quote marks, bullets, list numbers. */
export function stripLineDecoration(line: string): { text: string; offset: number } {
  const m = /^\s*(?:(?:#{1,6}|>|[-*+]|\d{1,3}[.)])\s+)*/.exec(line);
  const offset = m ? m[0].length : 0;
  return { text: line.slice(offset), offset };
}

/** What the reader knows when it meets a label: inline labels are believed only where they make sense. */
export interface LabelContext {
  inInstance: boolean;
  /** Inside an instance's input, with no output yet. */
  inInput: boolean;
  /** The previous label was "Instance N" with nothing after it yet. */
  justOpenedInstance: boolean;
}

/**
 * The labels in one line (decoration already stripped), in order. `context` is asked afresh for
 * each candidate, because accepting a label changes what the next one may be.
 */
export function findLabels(text: string, context: (accepted: LabelHit[]) => LabelContext): LabelHit[] {
  const out: LabelHit[] = [];
  LABEL_RE.lastIndex = 0;
  for (let m = LABEL_RE.exec(text); m; m = LABEL_RE.exec(text)) {
    if (m[0].length === 0) {
      LABEL_RE.lastIndex++;
      continue;
    }
    const kind = kindOf(m[1]);
    const hasColon = /:/.test(m[2] ?? '') || (/\./.test(m[2] ?? '') && kind === 'example');
    const start = m.index;
    const end = m.index + m[0].length;
    const atLineStart = start === 0;
    const rest = text.slice(end);
    const ctx = context(out);
    const between = out.length ? text.slice(out[out.length - 1].end, start) : text.slice(0, start);
    const capitalised = /^[*_]*[A-Z]/.test(m[0]);
    let ok: boolean;
    if (atLineStart) {
      if (hasColon) ok = true;
      // A label alone on its line ("### Context", "Input") needs no colon.
      else if (!rest.replace(/[*_:]/g, '').trim()) ok = kind !== 'source' && kind !== 'researcher' && kind !== 'assistant';
      else ok = (kind === 'instance' || kind === 'input' || kind === 'output') && startsWithLabel(rest);
      // A colon after "Source", "Researcher"… means a speaker only where dialogue can be.
      if (ok && (kind === 'source' || kind === 'researcher' || kind === 'assistant') && !ctx.inInstance) ok = false;
    } else if (!capitalised) {
      ok = false;
    } else if (kind === 'instance' && !hasColon) {
      // "… Instance 2 Input Source: …" as pasted: the number and the Input that follows make it a label.
      ok = /^[*_]*Input\b/.test(rest);
    } else if (kind === 'input' && !hasColon) {
      ok = ctx.justOpenedInstance && !between.trim();
    } else if (kind === 'output' && !hasColon) {
      ok = ctx.inInput && (!rest.trim() || startsWithLabel(rest) || (/[.?!"”’)\]]\s*$/.test(between) && /^[A-Z“"]/.test(rest)));
    } else if (!hasColon) {
      ok = false;
    } else if (kind === 'source' || kind === 'researcher' || kind === 'assistant' || kind === 'input' || kind === 'output') {
      ok = ctx.inInstance;
    } else {
      ok = true;
    }
    if (ok) out.push({ kind, start, end, hasColon, atLineStart });
  }
  return out;
}

const LABEL_AT_START = new RegExp(`^${LABEL_RE.source}`, 'i');

/** Whether text begins with a label that has its colon ("Assistant: …"). */
function startsWithLabel(rest: string): boolean {
  const m = LABEL_AT_START.exec(rest);
  return !!m && /:/.test(m[2] ?? '');
}
