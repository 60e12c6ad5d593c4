import type { ParsedSource } from '../sources/sourceTypes';
import { chunkSource } from './chunker';
import { countTokens } from './tokenCount';
import { PassageIndex, type Embedder, type ScoredPassage } from './retriever';

export interface SelectOptions {
  /** Tokens the passages may take in the prompt. */
  budgetTokens: number;
  /** How many passages to retrieve when the source does not fit (default 8). */
  k?: number;
  /** Only the `k` best passages, never the whole source and no budget (the answer without a model). */
  rankOnly?: boolean;
  /** Recent dialogue, used as extra query context for follow-up questions. */
  dialogue?: string[];
  /** The endpoint's embeddings, fused with the lexical ranking when offered. */
  embed?: Embedder;
  signal?: AbortSignal;
  /** Told when embeddings failed and the ranking fell back to words alone. */
  onEmbeddingError?: (e: unknown) => void;
}

// The papers asked about lately, indexed: a conversation's next question reuses the index and
// the passages' embeddings instead of building and paying for them again.
const recent = new Map<string, PassageIndex>();
const RECENT_PAPERS = 8;

function indexFor(src: ParsedSource, chunks: ReturnType<typeof chunkSource>): PassageIndex {
  const key = src.ref.contentHash;
  let index = recent.get(key);
  recent.delete(key);
  // The hash names the bytes; a different chunking of them (another parser version) is rebuilt.
  if (!index || index.size !== chunks.length) {
    index = new PassageIndex();
    index.add(src, chunks);
  }
  recent.set(key, index);
  if (recent.size > RECENT_PAPERS) recent.delete(recent.keys().next().value!);
  return index;
}

/**
 * The passages to put in front of the model: the whole source when it fits the budget (counted
 * in tokens), otherwise the best-matching passages within the budget, in reading order. With
 * `embed`, the lexical and embedding rankings are fused (see PassageIndex.searchHybrid).
 */
export async function selectPassages(src: ParsedSource, question: string, opts: SelectOptions): Promise<{ passages: ScoredPassage[]; whole: boolean }> {
  const chunks = chunkSource(src);
  const total = chunks.reduce((n, c) => n + countTokens(c.text) + 12, 0);
  if (!opts.rankOnly && total <= opts.budgetTokens) {
    // All of it goes in; it is the whole document unless it was itself a search's selection.
    return { passages: chunks.map((c) => ({ ...c, score: 0, source: src.ref })), whole: !src.selection };
  }
  const index = indexFor(src, chunks);
  // The question counts most; the last turns help follow-ups like "and why?" find their topic.
  const query = [question, question, ...(opts.dialogue ?? []).slice(-2)].join('\n');
  const k = opts.k ?? 8;
  let ranked: ScoredPassage[];
  try {
    ranked = opts.embed ? await index.searchHybrid(query, k, opts.embed) : index.search(query, k);
  } catch (e) {
    // A failing embeddings call costs the ranking its second opinion, never the answer.
    if (opts.signal?.aborted) throw e;
    opts.onEmbeddingError?.(e);
    ranked = index.search(query, k);
  }
  const picked: ScoredPassage[] = [];
  let used = 0;
  for (const p of ranked) {
    const cost = countTokens(p.text) + 12;
    if (!opts.rankOnly && picked.length && used + cost > opts.budgetTokens) continue;
    picked.push(p);
    used += cost;
  }
  const order = new Map(chunks.map((c, i) => [c.id, i]));
  picked.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  return { passages: picked, whole: false };
}
