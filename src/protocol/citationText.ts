// Citations in text the researcher edits: the Save editor shows `[p. 6 ¶2]` where the model wrote
// `[P32]`, and the saved text gets the ids back. Pure, shared by the webview and the tests.
import type { CitationView } from './panelProtocol';

/** One or more passage ids in brackets: `[P3]`, `[P3, P5]`. */
const CITATION_GROUP = /\[(P\d{1,6}(?:\s*[,;]\s*P\d{1,6})*)\]/g;

/** Labels that stand for exactly one real citation of the turn (a shared label would be ambiguous). */
function uniqueLabels(citations: readonly CitationView[]): Map<string, string> {
  const byLabel = new Map<string, string[]>();
  for (const c of citations) if (c.valid && c.label && c.label !== c.id) byLabel.set(c.label, [...(byLabel.get(c.label) ?? []), c.id]);
  const out = new Map<string, string>();
  for (const [label, ids] of byLabel) if (new Set(ids).size === 1 && !label.includes(']') && !label.includes('[')) out.set(label, ids[0]);
  return out;
}

/** `[P3, P5]` → `[p. 6 ¶2][§3.2 p. 6]`: every real citation by its label; unknown ids stay as they are. */
export function citationsToLabels(text: string, citations: readonly CitationView[]): string {
  const labels = uniqueLabels(citations);
  const labelOf = new Map([...labels].map(([label, id]) => [id, label]));
  return text.replace(CITATION_GROUP, (whole, ids: string) => {
    const parts = ids.split(/\s*[,;]\s*/);
    if (!parts.every((id) => labelOf.has(id))) return whole;
    return parts.map((id) => `[${labelOf.get(id)}]`).join('');
  });
}

/** `[p. 6 ¶2]` → `[P3]`: what `citationsToLabels` made, back to the ids the instance's passages carry. */
export function labelsToCitations(text: string, citations: readonly CitationView[]): string {
  const labels = uniqueLabels(citations);
  if (!labels.size) return text;
  return text.replace(/\[([^\[\]\n]{1,200})\]/g, (whole, inner: string) => {
    const id = labels.get(inner.trim());
    return id ? `[${id}]` : whole;
  });
}

/**
 * The text to save from the editor: when the researcher left it as shown, the original exactly
 * (so an untouched answer is not recorded as edited); otherwise the labels mapped back to ids.
 */
export function editedTextToSave(edited: string, shownFrom: string, citations: readonly CitationView[]): string {
  if (edited === citationsToLabels(shownFrom, citations)) return shownFrom;
  return labelsToCitations(edited, citations);
}
