import type { ParsedSource } from '../sources/sourceTypes';
import { chunkSource } from './chunker';
import { countTokens } from './tokenCount';
import { PassageIndex, type ScoredPassage } from './retriever';

export interface SelectOptions {
  /** Tokens the passages may take in the prompt. */
  budgetTokens: number;
  /** How many passages to retrieve when the source does not fit (default 8). */
  k?: number;
  /** Recent dialogue, used as extra query context for follow-up questions. */
  dialogue?: string[];
}

/**
 * The passages to put in front of the model: the whole source when it fits the budget (counted
 * in tokens), otherwise the best-matching passages within the budget, in reading order.
 */
export function selectPassages(src: ParsedSource, question: string, opts: SelectOptions): { passages: ScoredPassage[]; whole: boolean } {
  const chunks = chunkSource(src);
  const total = chunks.reduce((n, c) => n + countTokens(c.text) + 12, 0);
  if (total <= opts.budgetTokens) {
    return { passages: chunks.map((c) => ({ ...c, score: 0, source: src.ref })), whole: true };
  }
  const index = new PassageIndex();
  index.add(src, chunks);
  // The question counts most; the last turns help follow-ups like "and why?" find their topic.
  const query = [question, question, ...(opts.dialogue ?? []).slice(-2)].join('\n');
  const ranked = index.search(query, opts.k ?? 8);
  const picked: ScoredPassage[] = [];
  let used = 0;
  for (const p of ranked) {
    const cost = countTokens(p.text) + 12;
    if (picked.length && used + cost > opts.budgetTokens) continue;
    picked.push(p);
    used += cost;
  }
  const order = new Map(chunks.map((c, i) => [c.id, i]));
  picked.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  return { passages: picked, whole: false };
}
