import type { InformationConstraints } from './taskTypes';
import type { SourceRef } from '../sources/sourceTypes';
import { paperDate } from '../sources/paperIdentity';

/** Normalises a document name for loose matching: case, extension, `arXiv:` prefix, version. */
function norm(s: string): string {
  return s
    .toLowerCase()
    .replace(/^arxiv[:\s]*/, '')
    .replace(/\.(pdf|md|markdown|tex|html?|txt)$/, '')
    .replace(/(\d{4}\.\d{4,5})v\d+/, '$1')
    .replace(/[^a-z0-9.]+/g, ' ')
    .trim();
}

function names(ref: SourceRef): string[] {
  const out = [ref.title];
  if (ref.path) out.push(ref.path.split(/[\\/]/).pop() ?? ref.path);
  if (ref.url) out.push(ref.url, ref.url.split('/').pop() ?? '');
  if (ref.arxivId) out.push(ref.arxivId);
  if (ref.doi) out.push(ref.doi);
  return out.filter(Boolean).map(norm);
}

/** Whether a task's information constraints allow a source, and why not. */
export function checkSource(ref: SourceRef, c: InformationConstraints): { allowed: true } | { allowed: false; reason: string } {
  // The paper's own date (its arXiv version's, else its arXiv id's month), never the file's.
  const date = paperDate(ref);
  if (c.knowledgeCutoff && date && date > c.knowledgeCutoff) {
    const which = ref.identifier ? ` (${ref.identifier})` : '';
    return { allowed: false, reason: `"${ref.title}"${which} is dated ${date}, after the task's knowledge cut-off ${c.knowledgeCutoff}.` };
  }
  const mine = names(ref);
  for (const excluded of c.excludedDocuments ?? []) {
    const e = norm(excluded);
    if (e && mine.some((n) => n === e || n.includes(e) || (n.length > 6 && e.includes(n)))) {
      return { allowed: false, reason: `"${ref.title}" is excluded by the task's information constraints ("${excluded}").` };
    }
  }
  return { allowed: true };
}
