import { analyze } from './textAnalysis';

/**
 * Where in a cited passage to look. A passage is a retrieval chunk — several paragraphs, on a short
 * page the whole page — so marking all of it tells a reader little. The sentences of the passage that
 * share most terms with the answer's sentence carrying the citation are what the claim rests on; the
 * viewer marks them strongly and the rest of the passage faintly.
 */

/** The answer's sentence that carries the first citation of `passageId` (its brackets removed). */
export function citingSentence(answer: string, passageId: string): string | undefined {
  const marker = new RegExp(`\\[[^\\]]*\\b${escapeRegExp(passageId)}\\b[^\\]]*\\]`);
  const m = marker.exec(answer);
  if (!m) return undefined;
  // Back to the previous sentence end (or line break); forward to the next one after the bracket.
  const before = answer.slice(0, m.index);
  // The last sentence end before the bracket that still leaves words before it ("… data. [P3]" cites "… data.").
  const ends = [0, ...[...before.matchAll(/[.!?]["”’)]?\s+|\n/g)].map((b) => (b.index ?? 0) + b[0].length)];
  let start = ends.pop() ?? 0;
  while (!/\w/.test(before.slice(start)) && ends.length) start = ends.pop() ?? 0;
  const after = answer.slice(m.index + m[0].length);
  const endMatch = /[.!?](?=\s|$)|\n/.exec(after);
  const end = m.index + m[0].length + (endMatch ? endMatch.index + 1 : after.length);
  const sentence = answer
    .slice(start, end)
    .replace(/\[(?:P\d+)(?:\s*[,;]\s*P\d+)*\]/g, '')
    .replace(/\s+/g, ' ')
    .replace(/\s+([.,;:!?])/g, '$1')
    .trim();
  return sentence || undefined;
}

// Full stops that do not end a sentence in papers: "e.g. GPT-2", "Fig. 2", "Rafailov et al. 2023", "J. Smith".
const ABBREVIATION = /(?:\b(?:e\.g|i\.e|cf|vs|Fig|Figs|Eq|Eqs|Sec|Secs|Tab|Ref|Refs|No|al|approx|resp|App)|(?:^|\s)[A-Z])\.$/;

/** The passage cut into sentences, each exactly as it is written in the passage (so a viewer can find it). */
export function passageSentences(passage: string): string[] {
  const out: string[] = [];
  for (const para of passage.split(/\n\s*\n/)) {
    // A sentence ends at . ! ? followed by space and a capital, digit, quote or bracket — not at "e.g. the".
    const parts = para.split(/(?<=[.!?]["”’)]?)\s+(?=[A-Z0-9"“(\[])/);
    let open = '';
    for (const p of parts) {
      open = open ? `${open} ${p}` : p;
      if (!ABBREVIATION.test(open)) {
        if (open.trim()) out.push(open.trim());
        open = '';
      }
    }
    if (open.trim()) out.push(open.trim());
  }
  return out;
}

/**
 * The run of adjacent passage sentences that best supports `claim`, or undefined when no sentence
 * shares enough terms with it (then the whole passage is the honest answer). Score: distinct shared
 * terms; ties go to the shorter sentence. A neighbour joins when it adds shared terms of its own.
 */
export function citationFocus(passage: string, claim: string): string | undefined {
  const wanted = new Set(analyze(claim));
  if (wanted.size === 0) return undefined;
  const sentences = passageSentences(passage);
  if (sentences.length < 2) return undefined;
  const terms = sentences.map((s) => new Set(analyze(s).filter((t) => wanted.has(t))));
  let best = -1;
  for (let i = 0; i < sentences.length; i++) {
    if (best < 0 || terms[i].size > terms[best].size || (terms[i].size === terms[best].size && terms[i].size > 0 && sentences[i].length < sentences[best].length)) best = i;
  }
  // One shared term is chance; two, or all of a short claim's terms, is a match.
  const enough = Math.min(2, wanted.size);
  if (best < 0 || terms[best].size < enough) return undefined;
  let first = best;
  let last = best;
  const covered = new Set(terms[best]);
  const adds = (i: number) => [...terms[i]].some((t) => !covered.has(t));
  while (first > 0 && adds(first - 1)) for (const t of terms[--first]) covered.add(t);
  while (last < sentences.length - 1 && adds(last + 1)) for (const t of terms[++last]) covered.add(t);
  if (first === 0 && last === sentences.length - 1) return undefined;
  // Another place that fits the claim as well: which one the answer meant is not known.
  for (let i = 0; i < sentences.length; i++) if ((i < first || i > last) && terms[i].size >= terms[best].size) return undefined;
  return sentences.slice(first, last + 1).join(' ');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
