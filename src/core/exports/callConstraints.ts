import type { InformationConstraints } from '../tasks/taskTypes';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH = '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';

function iso(y: number, m: number, d: number): string | undefined {
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return undefined;
  return date.toISOString().slice(0, 10);
}

const monthNumber = (name: string) => MONTHS.indexOf(name.slice(0, 3).toLowerCase()) + 1;

/**
 * The first date written in a piece of text, as `YYYY-MM-DD`: "2022-04-27", "Apr 27, 2022",
 * "March 8 2022", "27 April 2022", or a month alone ("March 2022" = its last day).
 */
export function findDate(text: string): string | undefined {
  const found: { at: number; date: string }[] = [];
  const add = (re: RegExp, make: (m: RegExpExecArray) => string | undefined) => {
    const m = re.exec(text);
    const date = m ? make(m) : undefined;
    if (m && date) found.push({ at: m.index, date });
  };
  add(/\b(\d{4})-(\d{2})-(\d{2})\b/, (m) => iso(+m[1], +m[2], +m[3]));
  add(new RegExp(`\\b${MONTH}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})\\b`, 'i'), (m) => iso(+m[3], monthNumber(m[1]), +m[2]));
  add(new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH},?\\s+(\\d{4})\\b`, 'i'), (m) => iso(+m[3], monthNumber(m[2]), +m[1]));
  add(new RegExp(`\\b${MONTH},?\\s+(\\d{4})\\b`, 'i'), (m) => new Date(Date.UTC(+m[2], monthNumber(m[1]), 0)).toISOString().slice(0, 10));
  found.sort((a, b) => a.at - b.at);
  return found[0]?.date;
}

/** The documents an "exclude …" phrase names: "specifically exclude ELK prize results" → ["ELK prize results"]. */
export function findExclusions(text: string): string[] {
  const out: string[] = [];
  const re = /\b(?:exclud(?:e|es|ing)|except(?:\s+for)?|not\s+including|without)\b\s*:?\s+(.+?)(?=\s*(?:[.;](?:\s|$)|\(|$))/gi;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    for (const part of m[1].split(/\s*,\s*(?:and\s+)?|\s*;\s*/)) {
      const name = part.replace(/^(?:the|any|all)\s+/i, '').replace(/[“”"']/g, '').trim();
      if (name) out.push(name);
    }
  }
  return out;
}

/**
 * Information constraints as people write them. The layout the exporter writes ("Knowledge
 * cut-off: 2022-04-27. Excluded documents: a; b. Note: …") is read field by field; anything else
 * ("Web data up to Apr 27, 2022; specifically exclude ELK prize results") gives its first date as
 * the cut-off and its "exclude …" phrases as excluded documents, and is kept whole as the note.
 */
export function parseConstraintsText(text: string): InformationConstraints {
  const t = text.trim();
  if (/^(none|n\/a|-|no constraints?)?\s*\.?$/i.test(t)) return {};
  if (/^(knowledge cut-?off|excluded documents|note)\s*:/i.test(t)) {
    const c: InformationConstraints = {};
    const cut = /knowledge cut-?off\s*:\s*([^.]*\d)/i.exec(t);
    if (cut) c.knowledgeCutoff = findDate(cut[1]);
    if (!c.knowledgeCutoff) delete c.knowledgeCutoff;
    const ex = /excluded documents?\s*:\s*(.*?)(?=\.\s+note\s*:|\.?$)/i.exec(t);
    if (ex) c.excludedDocuments = ex[1].split(';').map((s) => s.trim()).filter(Boolean);
    const note = /note\s*:\s*([\s\S]*)$/i.exec(t);
    if (note) c.note = note[1].trim();
    return c;
  }
  const c: InformationConstraints = {};
  const cut = findDate(t);
  if (cut) c.knowledgeCutoff = cut;
  const excluded = findExclusions(t);
  if (excluded.length) c.excludedDocuments = excluded;
  c.note = t;
  return c;
}
